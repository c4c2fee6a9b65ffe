"""An operator's reply to a web chat whose page is closed (no event stream listening): by SMS to
the citizen's proven number when there is one (and SMS is not opted out), else kept and shown
when the citizen is back (first on the page's event stream, or with their next message)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.catalog import t
from bot.config import Settings
from bot.delivery import Senders, SendResult
from bot.messages import Inbound, Outbound
from bot.operators.desk import Desk
from bot.operators.line import SendersLine
from bot.operators.schedule import OperatorHours
from bot.people import People
from bot.push import Push
from bot.redis_conn import connect
from channels.web_push import WebSender
from dost.app import create_app
from tests.live_server import serve_in_thread

CONVERSATION = "web:fallback-0001"
PHONE = "+994501112233"


class SmsOutbox:
    """The SMS sender: records what it was given, every message delivered."""

    channel = "sms"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, address: str, message: Outbound) -> SendResult:
        self.sent.append((address, message.text))
        return SendResult.delivered()


@pytest.fixture
def sms() -> SmsOutbox:
    return SmsOutbox()


@pytest.fixture
def web_desk(redis, clock, sms) -> Desk:
    """The desk writing through the real web sender (its push stream: nobody listens) and SMS."""
    line = SendersLine(Senders([WebSender(Push(redis)), sms]))
    return Desk(redis, clock=clock, hours=OperatorHours.parse("always"), line=line)


async def holding(desk: Desk, phone: str | None) -> None:
    """An operator (ayla) holds the citizen's chat; the citizen's number proven or not."""
    if phone is not None:
        state = await desk.store.load(CONVERSATION)
        state.phone = phone
        await desk.store.save(CONVERSATION, state)
    await desk.accounts.add("ayla", "uzun-bir-parol-1", "operator")
    await desk.request(CONVERSATION, channel="web", reason="asked")
    assert (await desk.take(CONVERSATION, "ayla"))[0] == "taken"


async def test_a_closed_page_gets_the_reply_by_sms_to_the_proven_number(web_desk, sms) -> None:
    await holding(web_desk, PHONE)
    assert await web_desk.reply(CONVERSATION, "ayla", "Sənədləriniz hazırdır.") is True
    assert sms.sent == [(PHONE, t("live.sms_reply", text="Sənədləriniz hazırdır."))]
    assert await web_desk.undelivered(CONVERSATION) == []


async def test_no_proven_number_or_no_sms_consent_keeps_it_for_the_return(
    web_desk, sms, clock
) -> None:
    await People(web_desk.redis, clock).opt_out("sms", PHONE)
    await holding(web_desk, PHONE)
    assert await web_desk.reply(CONVERSATION, "ayla", "Birinci cavab") is False
    assert await web_desk.reply(CONVERSATION, "ayla", "İkinci cavab") is False
    assert sms.sent == []
    transcript = [e["text"] for e in await web_desk.store.transcript(CONVERSATION)]
    assert transcript[-2:] == ["Birinci cavab", "İkinci cavab"]  # in the transcript either way
    kept = await web_desk.undelivered(CONVERSATION)
    assert [(m.text, m.author) for m in kept] == [
        ("Birinci cavab", "operator"),
        ("İkinci cavab", "operator"),
    ]
    assert await web_desk.undelivered(CONVERSATION) == []  # handed over once


async def test_the_citizens_next_message_brings_the_replies_sent_while_away(
    live_engine, desk, ayla, line
) -> None:
    class ClosedPage(type(line)):
        async def send(self, conversation_id: str, message: Outbound) -> bool:
            return False

    desk.line = ClosedPage()
    await desk.request(CONVERSATION, channel="web", reason="asked")
    await desk.take(CONVERSATION, "ayla")
    await desk.reply(CONVERSATION, "ayla", "Sizi gözləyirəm")
    back = await live_engine.handle(
        Inbound(conversation_id=CONVERSATION, channel="web", text="qayıtdım")
    )
    assert [(m.text, m.author) for m in back] == [("Sizi gözləyirəm", "operator")]
    operator_lines = [
        e for e in await desk.store.transcript(CONVERSATION) if e["text"] == "Sizi gözləyirəm"
    ]
    assert len(operator_lines) == 1  # not written twice


@pytest.fixture
def live_server(redis_url: str, data_dir: Path) -> Iterator[str]:
    settings = Settings(REDIS_URL=redis_url, DOST_DATA_DIR=data_dir, DOST_OPERATOR_HOURS="always")
    with serve_in_thread(create_app(settings)) as url:
        yield url


def test_the_page_back_gets_the_kept_replies_first_on_its_stream(
    live_server: str, redis_url: str, clock
) -> None:
    import httpx

    async def away() -> None:
        redis = connect(redis_url)
        try:
            desk = Desk(redis, clock=clock, hours=OperatorHours.parse("always"),
                        line=SendersLine(Senders([WebSender(Push(redis))])))  # fmt: skip
            await holding(desk, None)
            assert await desk.reply(CONVERSATION, "ayla", "Cavabınız hazırdır") is False
        finally:
            await redis.aclose()

    asyncio.run(away())
    url = f"{live_server}/api/v1/chat/{CONVERSATION.removeprefix('web:')}/events"
    with httpx.stream("GET", url, timeout=10) as response:
        assert response.status_code == 200
        data = next(line for line in response.iter_lines() if line.startswith("data:"))
    event = json.loads(data.removeprefix("data:").strip())
    assert event["from"] == "operator" and event["text"] == "Cavabınız hazırdır"
