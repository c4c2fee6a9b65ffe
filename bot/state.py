"""Conversation state in Redis: one JSON document per conversation with a TTL, a lock so one
person's messages are handled one at a time, the transcript, and duplicate-message detection.

A turn (`StateStore.turn`) costs two round trips to Redis around the dialogue: one pipeline
counts the rate limits, takes the lock and reads the state; one pipeline at the end saves the
state, appends the turn's transcript lines (kept in order in a buffer meanwhile) and releases the
lock. Transcripts are kept `unproven_ttl` (24 h) unless the conversation has a proven number or
person, then as long as the state (7 days); each line's text is capped at `MAX_TRANSCRIPT_CHARS`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from bot.clock import SYSTEM_CLOCK, Clock
from bot.ratelimit import (
    RateLimit,
    RateLimited,
    expire_counters,
    queue_rate_limits,
    rate_limit_wait,
)

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


MAX_TRANSCRIPT_CHARS = 2000  # a line's text as stored; the rest is not kept
TRANSCRIPT_LINES = 500
UNPROVEN_TRANSCRIPT_SECONDS = 24 * 3600
LOCK_MS = 30_000  # a turn's lock expires if its process dies
LOCK_WAIT_SECONDS = 30.0
LOCK_POLL_SECONDS = 0.02
# Compare-and-delete: only the lock's own holder releases it.
_UNLOCK = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)


class LockTimeout(RuntimeError):
    """The conversation stayed locked by another turn for LOCK_WAIT_SECONDS."""


@dataclass
class Turn:
    """One turn's view of its conversation: the state read under the lock, whether it is to be
    saved, and the transcript lines written meanwhile (flushed with the state)."""

    conversation_id: str
    state: ConversationState
    save: bool = False
    lines: list[str] = field(default_factory=list)
    writes: list[Callable[[Any], object]] = field(default_factory=list)  # queue on the pipeline
    read: dict[str, Any] = field(default_factory=dict)  # read ahead with the lock, taken once
    open: bool = True  # a task the turn started may outlive it: then it writes at once


# The turn running in this task: `record` buffers into it instead of writing at once.
_CURRENT: ContextVar[Turn | None] = ContextVar("dost_turn", default=None)


MISSING = object()


def read_ahead(name: str) -> Any:
    """What the running turn read ahead under `name` (see `StateStore.turn`'s `reads`), once;
    MISSING outside a turn or when not read ahead (the caller reads it itself)."""
    turn = _CURRENT.get()
    if turn is None or not turn.open:
        return MISSING
    return turn.read.pop(name, MISSING)


def defer_writes(queue: Callable[[Any], object]) -> bool:
    """Queue writes (`queue(pipeline)`) on the running turn's last round trip, after its state
    and transcript; False outside a turn (the caller writes at once). For writes nothing in the
    same turn reads back."""
    turn = _CURRENT.get()
    if turn is None or not turn.open:
        return False
    turn.writes.append(queue)
    return True


class StateStore:
    def __init__(
        self,
        redis: aioredis.Redis,
        ttl_seconds: int,
        clock: Clock = SYSTEM_CLOCK,
        *,
        unproven_ttl: int = UNPROVEN_TRANSCRIPT_SECONDS,
    ) -> None:
        self.redis = redis
        self.ttl = ttl_seconds
        self.unproven_ttl = min(unproven_ttl, ttl_seconds)
        self.clock = clock  # transcript times
        self._unlock = redis.register_script(_UNLOCK)

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

    @asynccontextmanager
    async def turn(
        self,
        conversation_id: str,
        limits: Sequence[RateLimit] = (),
        reads: Mapping[str, Callable[[Any], object]] | None = None,
    ) -> AsyncIterator[Turn]:
        """A turn under the conversation's lock in two round trips (see the module). Raises
        `RateLimited` (nothing else done) when one of `limits` is exceeded. Set `turn.save` to
        keep `turn.state`; the transcript lines are written even if the turn fails. `reads`
        (name → a function queuing one read on a pipeline) are read in the first round trip,
        for `read_ahead` — only what nothing else writes between then and its use."""
        lock_key, state_key = (
            self._key("lock", conversation_id),
            self._key("state", conversation_id),
        )
        token = secrets.token_hex(16)
        async with self.redis.pipeline(transaction=False) as pipe:
            counted = queue_rate_limits(pipe, limits)
            pipe.set(lock_key, token, nx=True, px=LOCK_MS)
            pipe.get(state_key)
            for queue in (reads or {}).values():
                queue(pipe)
            results = await pipe.execute()
        wait, unexpiring = rate_limit_wait(limits, results[:counted])
        if unexpiring:
            await expire_counters(self.redis, unexpiring)
        locked, raw = results[counted], results[counted + 1]
        if wait is not None:
            if locked:
                await self._unlock(keys=[lock_key], args=[token])
            raise RateLimited(wait)
        if not locked:  # another turn of this conversation is running: wait for it
            raw = await self._wait_for_lock(lock_key, state_key, token)
        state = ConversationState.model_validate_json(raw) if raw else ConversationState()
        turn = Turn(conversation_id, state)
        if locked:  # read under the lock (else the wait re-read the state alone)
            turn.read = dict(zip(reads or {}, results[counted + 2 :], strict=True))
        current = _CURRENT.set(turn)
        try:
            yield turn
        finally:
            _CURRENT.reset(current)
            turn.open = False
            await self._finish(turn, lock_key, state_key, token)

    async def _wait_for_lock(self, lock_key: str, state_key: str, token: str) -> str | None:
        deadline = asyncio.get_running_loop().time() + LOCK_WAIT_SECONDS
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(LOCK_POLL_SECONDS)
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(lock_key, token, nx=True, px=LOCK_MS)
                pipe.get(state_key)
                locked, raw = await pipe.execute()
            if locked:
                return raw
        raise LockTimeout(lock_key)

    async def _finish(self, turn: Turn, lock_key: str, state_key: str, token: str) -> None:
        key = self._key("transcript", turn.conversation_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            if turn.save:
                pipe.set(state_key, turn.state.model_dump_json(), ex=self.ttl)
            if turn.lines:
                pipe.rpush(key, *turn.lines)
                pipe.ltrim(key, -TRANSCRIPT_LINES, -1)
                proven = turn.state.phone or turn.state.person_id
                pipe.expire(key, self.ttl if proven else self.unproven_ttl)
            for queue in turn.writes:
                queue(pipe)
            pipe.eval(_UNLOCK, 1, lock_key, token)  # EVAL: no SCRIPT EXISTS round trip first
            await pipe.execute()

    async def first_time(self, conversation_id: str, message_id: str) -> bool:
        """False when this channel message was already handled (a retry or a double tap)."""
        key = self._key("seen", f"{conversation_id}:{message_id}")
        return bool(await self.redis.set(key, "1", nx=True, ex=24 * 3600))

    async def record(self, conversation_id: str, role: str, text: str, **meta: object) -> None:
        """Append to the transcript (kept for operators; expires with the conversation). Inside
        a turn of the same conversation the line waits for the turn's end, in order."""
        key = self._key("transcript", conversation_id)
        at = self.clock.now().astimezone(UTC).isoformat()
        entry = {"at": at, "role": role, "text": text[:MAX_TRANSCRIPT_CHARS], **meta}
        if len(text) > MAX_TRANSCRIPT_CHARS:  # the operator sees that there was more
            entry["chars"] = len(text)
        line = json.dumps(entry, ensure_ascii=False)
        turn = _CURRENT.get()
        if turn is not None and turn.open and turn.conversation_id == conversation_id:
            turn.lines.append(line)
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, line)
            pipe.ltrim(key, -TRANSCRIPT_LINES, -1)
            pipe.expire(key, self.ttl)
            await pipe.execute()

    async def transcript(self, conversation_id: str) -> list[dict]:
        raw = await self.redis.lrange(self._key("transcript", conversation_id), 0, -1)
        return [json.loads(r) for r in raw]
