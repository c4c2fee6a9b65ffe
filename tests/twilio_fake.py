"""A local fake of Twilio's REST API, enough for sending messages: the real twilio client (its
async HTTP client, aiohttp) talks to it over loopback HTTP, with `client.api.base_url` pointed
here (the TWILIO_API_BASE setting).

POST /2010-04-01/Accounts/<sid>/Messages.json checks HTTP Basic auth (account SID and auth
token), records the form and answers 201 with the JSON Twilio returns, or the error a test
asked for (`fail_next`: a status and Twilio's error code). POST .../Calls.json (an outbound
call) is recorded in `calls` the same way; POST .../Calls/<CallSid>.json (redirecting a live
call) and POST .../Queues/<QueueSid>/Members/<CallSid>.json (dequeuing a waiting caller) are
recorded in `updates`. Anything else is 404.
"""

from __future__ import annotations

import base64
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    url: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)
    calls: list[dict[str, str]] = field(default_factory=list)
    updates: list[dict[str, str]] = field(default_factory=list)  # {"path", and the form}
    rejected: int = 0
    failures: list[tuple[int, int]] = field(default_factory=list)  # (status, code), in order

    def fail_next(self, status: int, *, code: int = 20500, times: int = 1) -> None:
        """Refuse the next `times` messages with this HTTP status and Twilio error code."""
        self.failures.extend([(status, code)] * times)

    def app(self) -> FastAPI:
        app = FastAPI()

        async def refused(sid: str, request: Request) -> JSONResponse | None:
            expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
            if (
                sid != self.account_sid
                or request.headers.get("authorization") != f"Basic {expected}"
            ):
                self.rejected += 1
                return JSONResponse(
                    {"code": 20003, "message": "Authenticate", "status": 401}, status_code=401
                )
            if self.failures:
                status, code = self.failures.pop(0)
                return JSONResponse(
                    {"code": code, "message": f"Error {code}", "more_info": "", "status": status},
                    status_code=status,
                )
            return None

        @app.post("/2010-04-01/Accounts/{sid}/Calls.json")
        async def create_call(sid: str, request: Request) -> JSONResponse:
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            if (error := await refused(sid, request)) is not None:
                return error
            call_sid = "CA" + secrets.token_hex(16)
            self.calls.append({**form, "Sid": call_sid})
            return JSONResponse(
                {"account_sid": sid, "sid": call_sid, "status": "queued", "to": form.get("To"),
                 "from": form.get("From"), "direction": "outbound-api",
                 "uri": f"/2010-04-01/Accounts/{sid}/Calls/{call_sid}.json"},
                status_code=201,
            )  # fmt: skip

        @app.post("/2010-04-01/Accounts/{sid}/Calls/{call_sid}.json")
        async def update_call(sid: str, call_sid: str, request: Request) -> JSONResponse:
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            if (error := await refused(sid, request)) is not None:
                return error
            self.updates.append({**form, "path": request.url.path})
            return JSONResponse(
                {"account_sid": sid, "sid": call_sid, "status": "in-progress",
                 "uri": f"/2010-04-01/Accounts/{sid}/Calls/{call_sid}.json"},
            )  # fmt: skip

        @app.post("/2010-04-01/Accounts/{sid}/Queues/{queue_sid}/Members/{call_sid}.json")
        async def dequeue(
            sid: str, queue_sid: str, call_sid: str, request: Request
        ) -> JSONResponse:
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            if (error := await refused(sid, request)) is not None:
                return error
            self.updates.append({**form, "path": request.url.path})
            return JSONResponse(
                {"call_sid": call_sid, "queue_sid": queue_sid, "position": 1, "wait_time": 10,
                 "date_enqueued": format_datetime(datetime.now(UTC), usegmt=True),
                 "uri": f"/2010-04-01/Accounts/{sid}/Queues/{queue_sid}/Members/{call_sid}.json"},
            )  # fmt: skip

        @app.post("/2010-04-01/Accounts/{sid}/Messages.json")
        async def create_message(sid: str, request: Request) -> JSONResponse:
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            if (error := await refused(sid, request)) is not None:
                return error
            message_sid = "SM" + secrets.token_hex(16)
            self.messages.append({**form, "Sid": message_sid})
            now = format_datetime(datetime.now(UTC), usegmt=True)
            body = form.get("Body", "")
            return JSONResponse(
                {
                    "account_sid": sid,
                    "api_version": "2010-04-01",
                    "body": body,
                    "date_created": now,
                    "date_sent": None,
                    "date_updated": now,
                    "direction": "outbound-api",
                    "error_code": None,
                    "error_message": None,
                    "from": form.get("From"),
                    "messaging_service_sid": None,
                    "num_media": "0",
                    "num_segments": str(max(1, -(-len(body) // 67))),
                    "price": None,
                    "price_unit": "USD",
                    "sid": message_sid,
                    "status": "queued",
                    "subresource_uris": {
                        "media": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}/Media.json"
                    },
                    "to": form.get("To"),
                    "uri": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json",
                },
                status_code=201,
            )

        return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_fake(account_sid: str, auth_token: str) -> Iterator[FakeTwilio]:
    """The fake under uvicorn on a free loopback port, in a background thread."""
    import uvicorn

    fake = FakeTwilio(account_sid, auth_token)
    port = _free_port()
    config = uvicorn.Config(
        fake.app(), host="127.0.0.1", port=port, log_config=None, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-twilio", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the fake Twilio API did not start")
        time.sleep(0.02)
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# --- a test kit: Twilio's side of the webhooks ------------------------------------------------

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "x" * 32
PUBLIC_BASE = "https://dost.example"
AZ_LETTERS = "əğıöüşçƏĞİÖÜŞÇ"


def signed_headers(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    """The X-Twilio-Signature Twilio would send for a POST of `params` to `url`."""
    from twilio.request_validator import RequestValidator

    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}
