"""An integrator's endpoint for status callbacks, on loopback HTTP in a background thread: it
records every request (the time on the process clock, headers, body) and can be told to fail."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import Response

from tests.twilio_fake import _free_port


@dataclass
class Received:
    at: float  # time.time(): the process clock, which the tests move
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    failures: int = 0

    def fail_next(self, times: int) -> None:
        self.failures += times

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/dost-callbacks")
        async def callback(request: Request) -> Response:
            status = 200
            if self.failures:
                self.failures -= 1
                status = 500
            self.requests.append(Received(time.time(), dict(request.headers),
                                          await request.body(), status))  # fmt: skip
            return Response(status_code=status)

        return app


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    import uvicorn

    receiver = Receiver()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(receiver.app(), host="127.0.0.1", port=port,
                                           log_config=None, log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, name="callback-receiver", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the callback receiver did not start")
        time.sleep(0.02)
    receiver.url = f"http://127.0.0.1:{port}/dost-callbacks"
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)
