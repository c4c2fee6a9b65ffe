"""Redis goes away (issue 16): every channel answers politely with 503 / Retry-After or its own
apology instead of a 500, and a redis-server killed with SIGKILL under load and restarted on
the same port and directory (AOF on) loses no acknowledged booking and no queued job, while the
app (not restarted) and its supervised job worker recover by themselves; /healthz shows the
outage and the recovery."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.catalog import t
from bot.config import Settings
from bot.redis_conn import redis_server_binary
from channels.twilio.voice_wording import say_instead
from dost.app import create_app
from tests.twilio_fake import signed_headers

SERVICE = "02-04-10-00"
BASE = "http://testserver"


@pytest.fixture
def unreachable(tmp_path: Path, nlu_cache: Path, nlu) -> Iterator[TestClient]:
    """The app with Redis at a port where nothing listens (and Twilio, Telegram configured)."""
    shutil.copytree(nlu_cache, tmp_path / "cache")
    settings = Settings(
        REDIS_URL="redis://127.0.0.1:1/0", DOST_DATA_DIR=tmp_path, DOST_INPROCESS_WORKER=False,
        TWILIO_ACCOUNT_SID="ACoutage", TWILIO_AUTH_TOKEN="outage-token",
        TWILIO_API_BASE="http://127.0.0.1:9", PUBLIC_BASE_URL=BASE,
        TELEGRAM_BOT_TOKEN="123456:outage", TELEGRAM_WEBHOOK_SECRET="outage-secret",
        TELEGRAM_API_BASE="http://127.0.0.1:9", DOST_ESPEAK_BINARY="/nonexistent/espeak",
    )  # fmt: skip
    with TestClient(create_app(settings), base_url=BASE, raise_server_exceptions=False) as client:
        yield client


def test_every_channel_answers_an_outage_politely(unreachable: TestClient) -> None:
    client = unreachable
    # The back-office API (its key cannot even be looked up) and the web chat's proof of a number.
    api = client.get("/api/v1/centers", headers={"Authorization": "Bearer dost_x"})
    assert api.status_code == 503 and api.headers["Retry-After"].isdigit()
    assert api.json() == {"detail": t("technical_problem")}
    verify = client.post("/api/v1/chat/outage-test-1/verify", json={"phone": "050 123 45 67"})
    # One-time codes are not sent while their limits cannot be counted: 429, try again later.
    assert verify.status_code in (429, 503) and "Retry-After" in verify.headers
    # The web chat: an answer without its context, or the apology; never a 500.
    chat = client.post("/api/v1/chat", json={"conversation_id": "outage-test-1", "text": "Salam"})
    assert chat.status_code in (200, 503)
    if chat.status_code == 503:
        assert chat.json()["detail"] == t("technical_problem")
    # A caller hears the apology and the line closes; an SMS sender gets it as the reply.
    form = {"CallSid": "CA" + "0" * 32, "From": "+994501234567", "To": "+15005550006"}
    url = f"{BASE}/webhooks/twilio/voice"
    voice = client.post("/webhooks/twilio/voice", data=form, headers=signed_headers(url, form,
                        "outage-token"))  # fmt: skip
    assert voice.status_code == 200 and "<Hangup" in voice.text
    assert say_instead()["technical_problem"] in voice.text
    sms = {"MessageSid": "SM" + "0" * 32, "From": "+994501234567", "To": "+15005550006",
           "Body": "Salam"}  # fmt: skip
    url = f"{BASE}/webhooks/twilio/messaging"
    reply = client.post("/webhooks/twilio/messaging", data=sms,
                        headers=signed_headers(url, sms, "outage-token"))  # fmt: skip
    assert reply.status_code == 200 and t("technical_problem") in reply.text
    # Telegram is asked to come back: it retries the update, nothing is lost.
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "Salam",
              "chat": {"id": 1, "type": "private"}}}  # fmt: skip
    tg = client.post("/webhooks/telegram", json=update,
                     headers={"X-Telegram-Bot-Api-Secret-Token": "outage-secret"})  # fmt: skip
    assert tg.status_code == 503 and "Retry-After" in tg.headers
    # /healthz says why.
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["redis"] == "unreachable"


# --- SIGKILL under load --------------------------------------------------------------------


class RedisProcess:
    """A redis-server with AOF on one port and directory, to kill and start again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.directory), "--save", "", "--appendonly", "yes",
                "--appendfsync", "everysec"]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def killable(tmp_path: Path) -> Iterator[RedisProcess]:
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisProcess(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _key(url: str) -> str:
    from bot.apikeys import create_key
    from bot.redis_conn import connect

    async def make() -> str:
        redis = connect(url)
        try:
            return await create_key(redis, "outage")
        finally:
            await redis.aclose()

    return asyncio.run(make())


def _slots(client: httpx.Client, headers: dict, days: int = 12) -> list[str]:
    from bot.clock import SYSTEM_CLOCK

    found: list[str] = []
    day = SYSTEM_CLOCK.now().date()
    for _ in range(days):
        day += timedelta(days=1)
        params = {"center": "baki-1", "service": SERVICE, "date": day.isoformat()}
        for slot in client.get("/api/v1/slots", params=params, headers=headers).json():
            found += [slot["start"]] * slot["free"]
    return found


@pytest.mark.slow
def test_redis_killed_under_load_loses_nothing_and_the_service_recovers(
    killable: RedisProcess, tmp_path: Path, nlu_cache: Path, nlu
) -> None:
    from arq.jobs import Job, JobStatus

    from bot.jobs_keys import QUEUE, tagged
    from bot.jobs_redis import arq_pool
    from bot.reminders import JOB, job_id
    from tests.live_server import serve_in_thread

    shutil.copytree(nlu_cache, tmp_path / "cache")
    key = {"Authorization": f"Bearer {_key(killable.url)}"}
    settings = Settings(REDIS_URL=killable.url, DOST_DATA_DIR=tmp_path)  # in-process worker
    app = create_app(settings)
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=60) as http:
        slots = _slots(http, key)
        assert len(slots) > 300
        acknowledged: dict[str, str] = {}  # code → start
        statuses: list[int] = []
        retry_after: list[str] = []
        stop = threading.Event()
        lock = threading.Lock()
        counter = iter(range(len(slots)))

        def book() -> None:
            with httpx.Client(base_url=base, timeout=60) as own:
                while not stop.is_set():
                    with lock:
                        i = next(counter, None)
                    if i is None:
                        return
                    body = {
                        "center": "baki-1", "service": SERVICE, "start": slots[i],
                        "phone": f"+99450{1_000_000 + i}", "request_id": f"outage-{i:06d}",
                    }  # fmt: skip
                    response = own.post("/api/v1/bookings", json=body, headers=key)
                    with lock:
                        statuses.append(response.status_code)
                        if response.status_code == 201:
                            acknowledged[response.json()["code"]] = response.json()["start"]
                        elif response.status_code == 503:
                            retry_after.append(response.headers.get("Retry-After", ""))
                    time.sleep(0.03)

        # A job that comes due while Redis is down: it must run once Redis is back.
        first = http.post("/api/v1/bookings", headers=key, json={
            "center": "baki-1", "service": SERVICE, "start": slots[-1], "phone": "+994557654321",
            "request_id": "outage-probe"}).json()  # fmt: skip

        async def enqueue_probe() -> None:
            arq = arq_pool(killable.url)
            await arq.enqueue_job(
                JOB, first["code"], first["start"], None,
                _job_id=tagged("outage-probe"), _defer_by=timedelta(seconds=3),
            )  # fmt: skip
            await arq.aclose()

        asyncio.run(enqueue_probe())
        threads = [threading.Thread(target=book) for _ in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        killable.kill()
        killed_at = time.monotonic()
        outage = []
        while time.monotonic() - killed_at < 4:
            health = http.get("/healthz")
            outage.append((health.status_code, health.json()))
            time.sleep(0.25)
        killable.start()  # same port, same directory: the AOF is read back
        deadline = time.monotonic() + 90
        while True:
            health = http.get("/healthz")
            body = health.json()
            if health.status_code == 200 and body["worker"]["status"] == "running":
                break
            assert time.monotonic() < deadline, body
            time.sleep(0.25)
        time.sleep(1.5)  # bookings go on after the recovery
        stop.set()
        for thread in threads:
            thread.join()

        # The outage was seen and answered politely; no request got a 500.
        assert any(code == 503 and b["redis"] == "unreachable" for code, b in outage)
        assert body["worker"]["restarts"] >= 1
        assert 503 in statuses and all(value.isdigit() for value in retry_after)
        assert all(status in (201, 503) for status in statuses), set(statuses)
        after = statuses[statuses.index(503) :]
        assert 201 in after  # bookings were taken again after the outage

        # Every acknowledged booking is there, active; its reminders are still queued.
        acknowledged[first["code"]] = first["start"]
        found = {code: http.get(f"/api/v1/bookings/{code}", headers=key) for code in acknowledged}
        missing = [code for code, got in found.items() if got.status_code != 200]
        assert missing == []

        async def queued_and_probe() -> tuple[list[str], JobStatus, object]:
            arq = arq_pool(killable.url)
            try:
                now = datetime.now(UTC)
                lost = []
                for code, start in acknowledged.items():
                    begins = datetime.fromisoformat(start)
                    for hours in settings.reminder_offsets:
                        if begins - timedelta(hours=hours) > now + timedelta(minutes=1):
                            jid = job_id(code, begins, hours)
                            if await arq.zscore(QUEUE, jid) is None:
                                lost.append(jid)
                probe = Job(tagged("outage-probe"), arq, _queue_name=QUEUE)
                result = await probe.result(timeout=30)
                return lost, await probe.status(), result
            finally:
                await arq.aclose()

        lost, status, result = asyncio.run(queued_and_probe())
        assert lost == []
        assert status == JobStatus.complete and result in ("queued", "nobody")
