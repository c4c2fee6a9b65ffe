"""Callback requests: a citizen who cannot wait (or writes outside the operators' hours) leaves a
number and a preferred time; the console lists it as a task, an operator calls and logs each
attempt; after `MAX_ATTEMPTS` unanswered calls the task is given up (failed: it counts against
callback completion in `dost report`). A request made while queued keeps the citizen's place in
the queue.

Each attempt is due at a moment inside the operators' hours (Asia/Baku, public holidays closed)
and not before the citizen's preferred time when their words name one ("sabah saat 10-dan
sonra": the NLU's date and time entities); an unanswered attempt schedules the next one
`RETRY_GAP` later, again inside the hours.

  dost:{op}:callbacks   HASH id → JSON task
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from bot.clock import SYSTEM_CLOCK, Clock, as_baku
from bot.operators.accounts import PREFIX
from bot.operators.schedule import OperatorHours
from nlu.entities import extract_entities

if TYPE_CHECKING:
    import redis.asyncio as aioredis

KEY = PREFIX + "callbacks"
MAX_ATTEMPTS = 3
RETRY_GAP = timedelta(hours=2)  # between two unanswered attempts


class Attempt(BaseModel):
    at: str
    operator: str
    answered: bool


class Callback(BaseModel):
    id: str
    conversation: str
    phone: str  # E.164
    preferred: str  # the citizen's words ("sabah 10:00"), or the catalog's "as soon as possible"
    reason: str
    service: str | None = None
    created_at: str
    status: Literal["open", "done", "failed"] = "open"
    attempts: list[Attempt] = Field(default_factory=list)
    not_before: str | None = None  # the preferred time when the citizen's words name one
    due_at: str | None = None  # when the next attempt is due (None: no more attempts)


def preferred_moment(words: str, now: datetime) -> datetime | None:
    """The moment the citizen's words name ("sabah saat 10:00", "bazar ertəsi", "saat 15-dən
    sonra"), in Asia/Baku; None when they name no day or time ("İlk imkanda")."""
    found = {e.entity: str(e.value) for e in extract_entities(words, now=as_baku(now))}
    if "date" not in found and "time" not in found:
        return None
    day = date.fromisoformat(found["date"]) if "date" in found else as_baku(now).date()
    at = time.fromisoformat(found["time"]) if "time" in found else time(0, 0)
    return as_baku(datetime.combine(day, at))


class Callbacks:
    def __init__(
        self,
        redis: aioredis.Redis,
        clock: Clock = SYSTEM_CLOCK,
        hours: OperatorHours | None = None,
    ) -> None:
        self.redis = redis
        self.clock = clock
        self.hours = hours or OperatorHours.parse(None)

    def _now(self) -> str:
        return self.clock.now().astimezone(UTC).isoformat()

    def schedule(self, earliest: datetime, not_before: str | None) -> datetime:
        """The first moment at or after `earliest` (and the preferred time) within the hours."""
        moment = earliest
        if not_before is not None:
            moment = max(moment, datetime.fromisoformat(not_before))
        return self.hours.next_open(moment) or moment

    async def request(
        self, conversation: str, phone: str, preferred: str, reason: str, service: str | None
    ) -> Callback:
        now = self.clock.now()
        wanted = preferred_moment(preferred, now)
        not_before = wanted.astimezone(UTC).isoformat() if wanted else None
        task = Callback(
            id=secrets.token_hex(6),
            conversation=conversation,
            phone=phone,
            preferred=preferred,
            reason=reason,
            service=service,
            created_at=self._now(),
            not_before=not_before,
            due_at=self.schedule(now, not_before).astimezone(UTC).isoformat(),
        )
        await self.redis.hset(KEY, task.id, task.model_dump_json())
        return task

    async def get(self, task_id: str) -> Callback | None:
        raw = await self.redis.hget(KEY, task_id)
        return Callback.model_validate_json(raw) if raw else None

    async def all(self) -> list[Callback]:
        tasks = [Callback.model_validate_json(r) for r in (await self.redis.hgetall(KEY)).values()]
        return sorted(tasks, key=lambda c: c.created_at)

    async def due(self) -> list[Callback]:
        """Open tasks whose next attempt is due now, the longest due first."""
        now = self.clock.now()
        found = [
            c
            for c in await self.all()
            if c.status == "open" and c.due_at and datetime.fromisoformat(c.due_at) <= now
        ]
        return sorted(found, key=lambda c: c.due_at or "")  # fmt: skip

    async def attempt(self, task_id: str, operator: str, answered: bool) -> Callback | None:
        """Log one call; the task is done when answered, failed after the last unanswered one,
        else the next attempt is scheduled `RETRY_GAP` later within the hours."""
        async with self.redis.lock(f"{KEY}:lock:{task_id}", timeout=10, blocking_timeout=10):
            task = await self.get(task_id)
            if task is None or task.status != "open":
                return task
            task.attempts.append(Attempt(at=self._now(), operator=operator, answered=answered))
            if answered:
                task.status, task.due_at = "done", None
            elif len(task.attempts) >= MAX_ATTEMPTS:
                task.status, task.due_at = "failed", None
            else:
                later = self.schedule(self.clock.now() + RETRY_GAP, task.not_before)
                task.due_at = later.astimezone(UTC).isoformat()
            await self.redis.hset(KEY, task.id, task.model_dump_json())
            return task


def as_json(task: Callback) -> dict:
    return json.loads(task.model_dump_json())
