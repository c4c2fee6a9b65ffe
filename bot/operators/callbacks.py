"""Callback requests: a citizen who cannot wait (or writes outside the operators' hours) leaves a
number and a preferred time; the console lists it as a task, an operator calls and logs each
attempt; after `MAX_ATTEMPTS` unanswered calls the task is given up. A request made while queued
keeps the citizen's place in the queue.

  dost:{op}:callbacks   HASH id → JSON task
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from bot.clock import SYSTEM_CLOCK, Clock
from bot.operators.accounts import PREFIX

if TYPE_CHECKING:
    import redis.asyncio as aioredis

KEY = PREFIX + "callbacks"
MAX_ATTEMPTS = 3


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


class Callbacks:
    def __init__(self, redis: aioredis.Redis, clock: Clock = SYSTEM_CLOCK) -> None:
        self.redis = redis
        self.clock = clock

    def _now(self) -> str:
        return self.clock.now().astimezone(UTC).isoformat()

    async def request(
        self, conversation: str, phone: str, preferred: str, reason: str, service: str | None
    ) -> Callback:
        task = Callback(
            id=secrets.token_hex(6),
            conversation=conversation,
            phone=phone,
            preferred=preferred,
            reason=reason,
            service=service,
            created_at=self._now(),
        )
        await self.redis.hset(KEY, task.id, task.model_dump_json())
        return task

    async def get(self, task_id: str) -> Callback | None:
        raw = await self.redis.hget(KEY, task_id)
        return Callback.model_validate_json(raw) if raw else None

    async def all(self) -> list[Callback]:
        tasks = [Callback.model_validate_json(r) for r in (await self.redis.hgetall(KEY)).values()]
        return sorted(tasks, key=lambda c: c.created_at)

    async def attempt(self, task_id: str, operator: str, answered: bool) -> Callback | None:
        """Log one call; the task is done when answered, failed after the last unanswered one."""
        async with self.redis.lock(f"{KEY}:lock:{task_id}", timeout=10, blocking_timeout=10):
            task = await self.get(task_id)
            if task is None or task.status != "open":
                return task
            task.attempts.append(Attempt(at=self._now(), operator=operator, answered=answered))
            if answered:
                task.status = "done"
            elif len(task.attempts) >= MAX_ATTEMPTS:
                task.status = "failed"
            await self.redis.hset(KEY, task.id, task.model_dump_json())
            return task


def as_json(task: Callback) -> dict:
    return json.loads(task.model_dump_json())
