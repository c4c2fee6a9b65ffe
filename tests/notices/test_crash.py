"""A worker process killed at the worst moments never makes a channel say a notice twice.

A real worker runs in its own process (tests/notices/worker_process.py) against the Telegram
emulator and the fake Twilio API, and is killed with SIGKILL: right after it claimed the
Telegram send, right after Telegram accepted the message (before anything was recorded), and
while the job waits for its retry after a transient error. Then the dead worker's holds run
out — arq's in-progress mark and the send's lease, which expire on their own after some
minutes; the test removes them, as time would — and a new worker finishes the job.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis as sync_redis
from arq.constants import in_progress_key_prefix

from bot.jobs_keys import QUEUE
from bot.notices.records import delivery_key
from bot.notices.schedule import job_id
from tests.notices.kit import CHAT, NOW, BackOffice, decision, results, sms_to, texts

REPO = Path(__file__).resolve().parents[2]


def worker_env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "REDIS_URL": settings.redis_url,
        "DOST_DATA_DIR": str(settings.data_dir),
        "TELEGRAM_BOT_TOKEN": settings.telegram_bot_token,
        "TELEGRAM_API_BASE": settings.telegram_api_base,
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "TWILIO_API_BASE": settings.twilio_api_base,
        "TWILIO_SMS_NUMBER": settings.twilio_sms_number,
        "PUBLIC_BASE_URL": settings.public_base_url,
    })  # fmt: skip
    return env


def start_worker(settings, crash: str | None = None) -> subprocess.Popen:
    args = [sys.executable, "-m", "tests.notices.worker_process", "--now", NOW.isoformat()]
    if crash:
        args += ["--crash", crash, "--channel", "telegram"]
    return subprocess.Popen(args, cwd=REPO, env=worker_env(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not get there in time")
        time.sleep(0.05)


def holds_expire(redis_url: str, notice: str) -> None:
    """What time does to a dead worker's holds: arq's in-progress mark, the send's lease."""
    client = sync_redis.Redis.from_url(redis_url)
    client.delete(in_progress_key_prefix + job_id(notice, 0))
    client.delete(f"dost:delivery:{{{delivery_key(notice)}}}:lease:telegram")
    client.close()


def killed(process: subprocess.Popen) -> bool:
    return process.wait(timeout=60) == -signal.SIGKILL


@pytest.mark.parametrize("moment", ["after_claim", "after_accept"])
def test_a_worker_killed_while_sending_never_repeats_a_channel(
    back: BackOffice, settings, emulator, twilio, moment: str
) -> None:
    back.citizen_on_telegram()
    [notice] = back.send(decision())
    assert killed(start_worker(settings, crash=moment))
    sent_by_the_dead = len(texts(emulator))
    assert sent_by_the_dead == (1 if moment == "after_accept" else 0)
    assert back.status(notice)["status"] == "sending"  # nothing recorded after the claim

    holds_expire(settings.redis_url, notice)
    back.run()
    status = back.status(notice)
    # Telegram may have shown it: it is never tried again there; SMS takes over.
    assert results(status) == [("telegram", "ambiguous"), ("sms", "delivered")]
    assert status["status"] == "delivered"
    assert len(texts(emulator)) == sent_by_the_dead
    assert len(emulator.calls_of("sendMessage", chat_id=CHAT)) == sent_by_the_dead
    assert len(sms_to(twilio)) == 1
    back.run()  # and once more, nothing moves
    assert len(texts(emulator)) == sent_by_the_dead and len(sms_to(twilio)) == 1


def test_a_worker_killed_during_backoff_sends_once_when_retried(
    back: BackOffice, settings, emulator, twilio
) -> None:
    back.citizen_on_telegram()
    emulator.fail_next("sendMessage", status=502, chat_id=CHAT)
    [notice] = back.send(decision())
    process = start_worker(settings)
    client = sync_redis.Redis.from_url(settings.redis_url)
    job = job_id(notice, 0)

    def waiting_for_retry() -> bool:
        score = client.zscore(QUEUE, job)
        return (
            score is not None
            and score / 1000 > NOW.timestamp() + 10  # re-queued for later (the backoff)
            and not client.exists(in_progress_key_prefix + job)
        )

    try:
        wait_for(waiting_for_retry)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        client.close()
    assert results(back.status(notice)) == [("telegram", "transient")]
    assert texts(emulator) == []

    back.run(until=NOW + timedelta(minutes=5))
    status = back.status(notice)
    assert results(status) == [("telegram", "transient"), ("telegram", "delivered")]
    assert len(texts(emulator)) == 1 and sms_to(twilio) == []
