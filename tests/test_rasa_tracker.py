"""A chat the Rasa action server handed to an operator goes back to Rasa when the operator
closes it: the desk's close hook posts Rasa's `resume` event to the tracker (a local fake).
Needs no rasa-sdk: this is the web service's side (dost serve with RASA_URL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog

from bot.config import Settings
from bot.operators.desk import build_desk
from bot.redis_conn import connect
from dost.interop import resume_rasa_on_close
from tests.rasa_fake import FakeRasa


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


async def _close(settings: Settings, clock, conversation: str, channel: str) -> bool:
    redis = connect(settings.redis_url)
    desk = build_desk(redis, settings, clock, None)
    resume_rasa_on_close(desk, settings)
    try:
        ayla = await desk.accounts.add("ayla", "uzun-bir-parol-1", "operator")
        await desk.request(conversation, channel=channel, reason="asked")
        await desk.heartbeat(ayla)
        assert (await desk.take(conversation, "ayla"))[0] == "taken"
        return await desk.close(conversation, "ayla")
    finally:
        await redis.aclose()


async def test_closing_a_rasa_chat_resumes_it_on_rasa(redis_url: str, clock, rasa) -> None:
    settings = Settings(REDIS_URL=redis_url, RASA_URL=rasa.url, RASA_TOKEN="s3cret",
                        DOST_OPERATOR_HOURS="always")  # fmt: skip
    assert await _close(settings, clock, "rasa:user/1", "rasa")
    assert rasa.events == {"user/1": [{"event": "resume"}]}
    assert rasa.requests[0][0] == "/conversations/user%2F1/tracker/events?token=s3cret"


async def test_other_chats_are_not_rasas(redis_url: str, clock, rasa) -> None:
    settings = Settings(REDIS_URL=redis_url, RASA_URL=rasa.url, DOST_OPERATOR_HOURS="always")
    assert await _close(settings, clock, "web:abc", "web")
    assert rasa.requests == []


async def test_rasa_down_the_close_still_stands(redis_url: str, clock, rasa) -> None:
    settings = Settings(REDIS_URL=redis_url, RASA_URL=rasa.url, DOST_OPERATOR_HOURS="always")
    rasa.stop()
    with structlog.testing.capture_logs() as logs:
        assert await _close(settings, clock, "rasa:u2", "rasa")
    failed = [e for e in logs if e["log_level"] == "error"]
    assert len(failed) == 1 and failed[0]["event"] == "rasa conversation not resumed"
