"""Personal data never reaches a log line (issue 16): FINs and phone numbers in 20 spellings,
sent through every channel of `dost serve --workers 2` (its worker processes log through the
same masking), in texts, JSON, query strings, paths, signed forms and Telegram updates; and
exceptions whose message and traceback carry them. Every line of the server's output and every
log file in the data directory is scanned: 0 hits."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote_plus, urlencode

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
SERVICE = "02-04-10-00"
TELEGRAM_SECRET = "privacy-secret"
TWILIO_TOKEN = "privacy-token"

# (how it is written, what identifies it: the national digits of a number, or the FIN).
PHONES = [
    ("+994501234567", "501234567"),
    ("+994 51 234 56 78", "512345678"),
    ("+994-55-345-67-89", "553456789"),
    ("(070) 456-78-91", "704567891"),
    ("077 567 89 12", "775678912"),
    ("099-678-91-23", "996789123"),
    ("0107891234", "107891234"),
    ("994508912345", "508912345"),
    ("00994519123456", "519123456"),
    ("+994 (55) 912-34-57", "559123457"),
    ("50 923 45 68", "509234568"),
    ("+994 70 934 5679", "709345679"),
    ("055.945.67.81", "559456781"),
    ("+994124567891", "124567891"),
]
FINS = ["5ZX7K2P", "7kd9lq2", "AA12BC3", "8HJ3MN5", "Q4W7E2R", "2TY6UV9"]
NEEDLES = [digits for _, digits in PHONES] + [fin.lower() for fin in FINS]
assert len(PHONES) + len(FINS) == 20


def hits(lines: list[str]) -> list[str]:
    """Lines holding any of the numbers or FINs, however spaced, dashed or URL-encoded."""
    found = []
    for line in lines:
        for text in (line, unquote_plus(line)):
            flat = re.sub(r"[^0-9a-z]", "", text.lower())
            if any(needle in flat for needle in NEEDLES):
                found.append(line)
                break
    return found


def test_the_scan_sees_every_spelling() -> None:
    """The scanner itself: each spelling, raw and URL-encoded, is a hit."""
    for written, _ in PHONES:
        assert hits([f"x {written} y"]) and hits([quote(written)]), written
    for fin in FINS:
        assert hits([f'{{"fin": "{fin}"}}']) and hits([f"fin={fin}&"]), fin


def test_exceptions_are_rendered_and_masked() -> None:
    """An exception's message and its traceback, from structlog and from the standard library
    (uvicorn's "Exception in ASGI application" is one), become masked text."""
    import structlog

    from bot.logs import configure_logging, get_logger

    stream = io.StringIO()
    root = logging.getLogger()
    before = (structlog.get_config(), root.handlers[:], root.level)
    configure_logging("DEBUG")
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=stream))
    everything = " ".join(w for w, _ in PHONES) + " " + " ".join(FINS)
    # Earlier tests' uvicorn servers may have quieted its loggers: as `dost serve` sets them.
    saved = {}
    for name in ("uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        saved[name] = (logger.level, logger.propagate, logger.disabled, logger.handlers[:])
        logger.setLevel(logging.INFO)
        logger.propagate, logger.disabled, logger.handlers[:] = True, False, []
    try:
        try:
            raise ValueError(f"bad input: {everything}")
        except ValueError:
            get_logger("t").exception("failed", body=json.dumps({"phone": PHONES[0][0]}))
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET",
            "/x?" + urlencode({"phone": PHONES[1][0], "fin": FINS[1]}), "1.1", 200,
        )  # fmt: skip
    finally:
        # As it was: other tests capture logs through the default set-up.
        config, handlers, level = before
        structlog.configure(**config)
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, (level, propagate, disabled, handlers) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.propagate, logger.disabled, logger.handlers[:] = propagate, disabled, handlers
    lines = stream.getvalue().splitlines()
    events = [json.loads(line) for line in lines]
    assert len(events) == 3
    assert all("Traceback" in e["exception"] and "ValueError" in e["exception"]
               for e in events[:2])  # fmt: skip
    assert hits(lines) == []


@pytest.fixture
def served(redis_url: str, nlu_cache: Path, tmp_path: Path, nlu):
    """`dost serve --workers 2` with every channel on (outside services at a closed port),
    logging at DEBUG; yields (base URL, data dir, output file)."""
    data = tmp_path / "data"
    shutil.copytree(nlu_cache, data / "cache")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ, "REDIS_URL": redis_url, "DOST_DATA_DIR": str(data),
        "DOST_LOG_LEVEL": "DEBUG", "PUBLIC_BASE_URL": base,
        "TELEGRAM_BOT_TOKEN": "123456:privacy", "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE": "http://127.0.0.1:9", "TWILIO_ACCOUNT_SID": "ACprivacy",
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "TWILIO_API_BASE": "http://127.0.0.1:9",
        "TWILIO_SMS_NUMBER": "+15005550006", "DOST_ESPEAK_BINARY": "/nonexistent/espeak",
    }  # fmt: skip
    output = tmp_path / "serve.log"
    with output.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "dost.cli", "serve", "--port", str(port), "--workers", "2"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(output.read_text()[-3000:])
                time.sleep(0.3)
            yield base, data, output
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def _api_key(redis_url: str) -> str:
    import asyncio

    from bot.apikeys import create_key
    from bot.redis_conn import connect

    async def make() -> str:
        redis = connect(redis_url)
        try:
            return await create_key(redis, "privacy")
        finally:
            await redis.aclose()

    return asyncio.run(make())


@pytest.mark.slow
def test_no_fin_or_phone_number_in_any_log_line(served, redis_url: str) -> None:
    from twilio.request_validator import RequestValidator

    base, data, output = served
    key = {"Authorization": f"Bearer {_api_key(redis_url)}"}
    signer = RequestValidator(TWILIO_TOKEN)
    answers: list[int] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for i, (written, _) in enumerate(PHONES):
            fin = FINS[i % len(FINS)]
            conversation = f"privacy-{i:04d}-chat"

            def post(path: str, **kwargs):
                answers.append(client.post(path, **kwargs).status_code)

            def get(path: str, **kwargs):
                answers.append(client.get(path, **kwargs).status_code)

            # The web chat: in a sentence, then to be proven (an SMS that cannot leave).
            post("/api/v1/chat", json={"conversation_id": conversation,
                                       "text": f"Nömrəm {written}, FİN {fin}"})  # fmt: skip
            post(f"/api/v1/chat/{conversation}/verify", json={"phone": written})
            # The API: in JSON (refused: a naive time), in a query string, in a path.
            post("/api/v1/bookings", headers=key, json={
                "center": "baki-1", "service": SERVICE, "start": "2026-11-23T10:00:00",
                "phone": written, "fin": fin, "request_id": f"privacy-{i:04d}",
            })  # fmt: skip
            query = {"center": "baki-1", "service": SERVICE, "date": written, "fin": fin}
            get("/api/v1/slots", headers=key, params=query)
            get(f"/api/v1/bookings/{quote(written, safe='')}", headers=key)
            get(f"/api/v1/bookings/{fin}?phone={quote(written)}", headers=key)
            # SMS from the number (signed as Twilio signs), the text naming it again.
            form = {"From": "+994" + PHONES[i][1], "To": "+15005550006",
                    "Body": f"FIN {fin}, nömrə {written}", "MessageSid": f"SM{i:032d}"}  # fmt: skip
            url = f"{base}/webhooks/twilio/messaging"
            post("/webhooks/twilio/messaging", data=form,
                 headers={"X-Twilio-Signature": signer.compute_signature(url, form)})  # fmt: skip
            # Telegram: the update's text (its reply cannot leave: Telegram is unreachable).
            update = {"update_id": 1000 + i, "message": {
                "message_id": i + 1, "date": 1_700_000_000,
                "chat": {"id": 5000 + i, "type": "private"},
                "from": {"id": 5000 + i, "is_bot": False, "first_name": "Test"},
                "text": f"mənim FİN-im {fin}, telefon {written}"}}  # fmt: skip
            post("/webhooks/telegram", json=update,
                 headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})  # fmt: skip
        time.sleep(2)  # the background work (Telegram, SMS attempts) logs its failures
    assert all(status < 500 for status in answers), answers
    assert 422 in answers and 200 in answers
    lines = output.read_text(encoding="utf-8", errors="replace").splitlines()
    assert not (data / "sms-demo.log").exists()  # Twilio is configured: no demo outbox
    for path in data.rglob("*.log"):
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    # Both web processes logged (JSON), and the access log is there with masked queries.
    access = [line for line in lines if "GET /api/v1/slots" in line]
    assert len(access) == len(PHONES) and all(line.startswith("{") for line in access)
    assert len(lines) > 20 * len(PHONES)
    assert hits(lines) == []
