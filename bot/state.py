"""Conversation state in Redis: one JSON document per conversation with a TTL, a lock so one
person's messages are handled one at a time, the transcript, and duplicate-message detection."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from bot.clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    import redis.asyncio as aioredis


class EligibilityProgress(BaseModel):
    service: str
    step: int = 0  # index into the questions asked
    answers: dict[str, bool] = Field(default_factory=dict)


class BookingProgress(BaseModel):
    purpose: Literal["book", "lookup", "cancel", "reschedule", "notice"]  # notice: proof only
    step: Literal[
        "service", "center", "day", "time", "identity", "verify_code", "confirm", "pick",
        "cancel_confirm",
    ]  # fmt: skip
    service: str | None = None  # None only at "service": a request that named none
    center: str | None = None
    day: date | None = None
    start: datetime | None = None
    hold_id: str | None = None
    wanted_time: str | None = None  # "10:00" said before the center or day was known
    code: str | None = None  # the booking being cancelled or moved
    request_id: str
    time_page: int = 0


class CallbackProgress(BaseModel):
    """A request to be called back by an operator: which number, then when."""

    step: Literal["phone", "time"]
    phone: str | None = None  # E.164, typed or proven
    reason: str = "asked"


class ConversationState(BaseModel):
    service: str | None = None  # the service being talked about
    services: list[str] = Field(default_factory=list)  # all of them, when a question named several
    topic: str | None = None  # the last topic answered
    subject: str | None = None  # the service pages' subject being talked about (no passport)
    pending_topic: str | None = None  # asked before a service was known
    pending_notice: str | None = None  # a notice asked about before the number was proven
    choices: dict[str, str] = Field(default_factory=dict)  # valid choice id → title
    more_choices: dict[str, str] = Field(default_factory=dict)  # the menu's pages not yet shown
    last_texts: list[str] = Field(default_factory=list)  # the last answer, for "repeat"
    failures: int = 0  # misunderstandings in a row
    eligibility: EligibilityProgress | None = None
    booking: BookingProgress | None = None
    phone: str | None = None  # E.164, only once proven (channel proof or SMS code), never typed
    person_id: str | None = None  # the proven person (bot.people)
    language: Literal["az", "ru"] = "az"  # what the person last wrote in; the replies' framing
    turns: int = 0
    handoff_offer: str | None = None  # the reason of an operator just offered (consent asked)
    callback: CallbackProgress | None = None  # a callback request being filled in
    center: str | None = None  # the DOST center last picked or booked at (hand-off routing)
    # Why the "a person" button shown last turn is there ("flow": the flow cannot go on without
    # one), for the hand-off's reason when it is pressed.
    person_offer: str | None = None
    intents_asked: dict[str, int] = Field(default_factory=dict)  # intent → turns (console rules)
    rules_fired: list[str] = Field(default_factory=list)  # console rules that offered a person


class StateStore:
    def __init__(
        self, redis: aioredis.Redis, ttl_seconds: int, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.redis = redis
        self.ttl = ttl_seconds
        self.clock = clock  # transcript times

    @staticmethod
    def _key(kind: str, conversation_id: str) -> str:
        return f"dost:{kind}:{conversation_id}"

    async def load(self, conversation_id: str) -> ConversationState:
        raw = await self.redis.get(self._key("state", conversation_id))
        return ConversationState.model_validate_json(raw) if raw else ConversationState()

    async def save(self, conversation_id: str, state: ConversationState) -> None:
        await self.redis.set(
            self._key("state", conversation_id), state.model_dump_json(), ex=self.ttl
        )

    @asynccontextmanager
    async def locked(self, conversation_id: str) -> AsyncIterator[None]:
        """One turn at a time per conversation: a second message waits for the first."""
        lock = self.redis.lock(
            self._key("lock", conversation_id), timeout=30, blocking_timeout=30, sleep=0.02
        )
        async with lock:
            yield

    async def first_time(self, conversation_id: str, message_id: str) -> bool:
        """False when this channel message was already handled (a retry or a double tap)."""
        key = self._key("seen", f"{conversation_id}:{message_id}")
        return bool(await self.redis.set(key, "1", nx=True, ex=24 * 3600))

    async def record(self, conversation_id: str, role: str, text: str, **meta: object) -> None:
        """Append to the transcript (kept for operators; expires with the conversation)."""
        key = self._key("transcript", conversation_id)
        at = self.clock.now().astimezone(UTC).isoformat()
        entry = {"at": at, "role": role, "text": text, **meta}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(entry, ensure_ascii=False))
            pipe.ltrim(key, -500, -1)
            pipe.expire(key, self.ttl)
            await pipe.execute()

    async def transcript(self, conversation_id: str) -> list[dict]:
        raw = await self.redis.lrange(self._key("transcript", conversation_id), 0, -1)
        return [json.loads(r) for r in raw]
