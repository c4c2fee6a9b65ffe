"""What became of each conversation, measured honestly: the engine notes every turn in a session
(a conversation's run of messages with no gap over `SESSION_GAP`), and `classify` names its
outcome once the report reads it:

- handed_off: a hand-off to a live operator was queued (with its reason) and not given up;
- abandoned: the citizen left the operators' queue before anyone took the chat, or left the
  session in the middle of a question the assistant asked (a booking, an eligibility check, a
  consent, a callback, "did you mean…");
- out_of_scope: nothing about DOST was asked, only something outside it;
- repeat: finished without a person, but the same citizen came back about the same service
  within 24 hours — not contained (Dialogflow CX's honest containment);
- contained: finished without a person, and no such repeat contact.

  dost:outcome:session         HASH session id → JSON of the session
  dost:outcome:started         ZSET session id → when it started (ms)
  dost:outcome:current:<conv>  the conversation's open session (expires after the gap)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from bot.clock import SYSTEM_CLOCK, Clock, as_baku
from bot.state import MISSING, defer_writes, read_ahead

if TYPE_CHECKING:
    import redis.asyncio as aioredis

PREFIX = "dost:outcome:"
SESSIONS = PREFIX + "session"
STARTED = PREFIX + "started"
SESSION_GAP = timedelta(minutes=30)
REPEAT_WINDOW = timedelta(hours=24)
# Intents that ask nothing of DOST: a session of only these (and out_of_scope) is out of scope.
SMALL_TALK = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "out_of_scope"})
OUTCOMES = ("contained", "handed_off", "abandoned", "out_of_scope", "repeat")
CALL_CENTER_TICKET = "142:"  # a hand-off to the call center: "142:<reason>"


class Session(BaseModel):
    id: str
    conversation: str
    channel: str
    citizen: str  # the proven person's id, else the conversation
    started: int  # ms
    last: int  # ms
    turns: int = 0
    services: list[str] = Field(default_factory=list)  # in the order they came up
    asked_dost: bool = False  # a DOST question (a service or a DOST intent) came up
    out_of_scope: bool = False
    pending: bool = False  # the last turn left the assistant's question open
    handoffs: list[str] = Field(default_factory=list)  # hand-off tickets (bot.operators.desk)

    @property
    def service(self) -> str | None:
        """The service the session was about (the first named)."""
        return self.services[0] if self.services else None


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class Outcomes:
    def __init__(self, redis: aioredis.Redis, clock: Clock = SYSTEM_CLOCK) -> None:
        self.redis = redis
        self.clock = clock

    async def turn(
        self,
        conversation: str,
        channel: str,
        *,
        citizen: str | None = None,
        intent: str | None = None,
        services: Iterable[str] = (),
        pending: bool = False,
        handoff: str | None = None,
    ) -> Session:
        """Note one turn (the engine holds the conversation's lock: no two at once)."""
        now = ms(self.clock.now())
        gap = int(SESSION_GAP.total_seconds() * 1000)
        current = PREFIX + "current:" + conversation
        raw = read_ahead(current)  # the open session itself (its id before 2026-12)
        if raw is MISSING:
            raw = await self.redis.get(current)
        if raw and not raw.startswith("{"):
            raw = await self.redis.hget(SESSIONS, raw)
        session = Session.model_validate_json(raw) if raw else None
        if session is None or now - session.last > gap:
            session = Session(id=secrets.token_hex(8), conversation=conversation,
                              channel=channel, citizen=citizen or conversation, started=now,
                              last=now)  # fmt: skip
        session.last, session.turns = now, session.turns + 1
        if citizen:
            session.citizen = citizen
        for service in services:
            if service and service not in session.services:
                session.services.append(service)
        if intent == "out_of_scope":
            session.out_of_scope = True
        elif (intent and intent not in SMALL_TALK) or session.services:
            session.asked_dost = True
        session.pending = pending
        if handoff and handoff not in session.handoffs:
            session.handoffs.append(handoff)
        dumped = session.model_dump_json()

        def queue(pipe: Any) -> None:
            pipe.hset(SESSIONS, session.id, dumped)
            pipe.zadd(STARTED, {session.id: session.started})
            pipe.set(current, dumped, px=gap)

        if not defer_writes(queue):  # written with the turn's state, else at once
            async with self.redis.pipeline(transaction=True) as pipe:
                queue(pipe)
                await pipe.execute()
        return session

    @staticmethod
    def turn_reads(conversation: str) -> dict[str, Callable[[Any], object]]:
        """What `turn` reads, for the conversation's turn to read with its lock (bot.state):
        only `turn` writes it, under that lock."""
        current = PREFIX + "current:" + conversation
        return {current: lambda pipe: pipe.get(current)}

    async def sessions(self, since: datetime | None = None) -> list[Session]:
        """Every session started since `since` (all when None), oldest first, and every later
        one (a repeat contact is looked for among them)."""
        low = ms(as_baku(since)) if since else "-inf"
        ids = await self.redis.zrangebyscore(STARTED, low, "+inf")
        if not ids:
            return []
        raws = await self.redis.hmget(SESSIONS, ids)
        return [Session.model_validate_json(r) for r in raws if r]


def classify(
    session: Session, later: Iterable[Session], handoffs: dict[str, dict[str, str]]
) -> str:
    """The outcome of `session`; `later`: sessions of anyone started after it; `handoffs`: the
    hand-off records by ticket."""
    if session.handoffs:
        records = [handoffs.get(ticket, {}) for ticket in session.handoffs]
        if all(r.get("status") == "abandoned" and not r.get("assigned_at") for r in records):
            return "abandoned"
        return "handed_off"
    if session.out_of_scope and not session.asked_dost:
        return "out_of_scope"
    if session.pending:
        return "abandoned"
    window = int(REPEAT_WINDOW.total_seconds() * 1000)
    for other in later:
        if (
            other.id != session.id
            and other.citizen == session.citizen
            and 0 <= other.started - session.last <= window
            and set(other.services) & set(session.services)
        ):
            return "repeat"
    return "contained"
