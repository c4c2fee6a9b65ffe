"""Fixtures for the live-operator tests: the desk on the test redis-server and a frozen clock,
with a line that records what citizens are sent."""

from __future__ import annotations

import pytest

from bot.messages import Inbound, Outbound


def say(conversation: str, text: str | None = None, choice: str | None = None) -> Inbound:
    """A web-chat citizen's message (text or a pressed choice) in `conversation`."""
    return Inbound(conversation_id=conversation, channel="web", text=text, choice=choice)


class RecordingLine:
    """The citizen's line, recording (conversation, message); every send reaches the citizen."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Outbound]] = []
        self.typed: list[str] = []

    async def send(self, conversation_id: str, message: Outbound) -> bool:
        self.sent.append((conversation_id, message))
        return True

    async def typing(self, conversation_id: str) -> None:
        self.typed.append(conversation_id)

    async def send_to(self, channel: str, address: str, message: Outbound) -> bool:
        self.sent.append((f"{channel}:{address}", message))
        return True

    def to(self, conversation_id: str) -> list[Outbound]:
        return [m for c, m in self.sent if c == conversation_id]


@pytest.fixture
async def redis(redis_url: str):
    from bot.redis_conn import connect

    client = connect(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def line() -> RecordingLine:
    return RecordingLine()


@pytest.fixture
def desk(redis, clock, line):
    from bot.operators.desk import Desk
    from bot.operators.schedule import OperatorHours

    return Desk(redis, clock=clock, hours=OperatorHours.parse("always"), line=line)


@pytest.fixture
async def live_engine(redis, nlu, clock, desk):
    """The real engine with the operators' desk (hours: always)."""
    from bot.engine import Engine
    from knowledge.centers import default_centers
    from knowledge.store import default_passports

    return Engine(
        redis, nlu, default_passports(), default_centers(), ttl_seconds=600, clock=clock, desk=desk
    )


@pytest.fixture
async def ayla(desk):
    """An operator account (capacity 3, every skill)."""
    return await desk.accounts.add("ayla", "uzun-bir-parol-1", "operator")
