"""Messages the assistant sends on its own (reminders now, notices later), queued per
conversation for the channel that delivers them; kept a week, newest 100."""

from __future__ import annotations

import json
from datetime import UTC
from typing import TYPE_CHECKING

from bot.clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    import redis.asyncio as aioredis

TTL_SECONDS = 7 * 24 * 3600


class Outbox:
    def __init__(self, redis: aioredis.Redis, clock: Clock = SYSTEM_CLOCK) -> None:
        self.redis = redis
        self.clock = clock

    @staticmethod
    def key(conversation: str) -> str:
        return f"dost:outbox:{conversation}"

    async def push(self, conversation: str, text: str, kind: str) -> None:
        entry = {"at": self.clock.now().astimezone(UTC).isoformat(), "kind": kind, "text": text}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(self.key(conversation), json.dumps(entry, ensure_ascii=False))
            pipe.ltrim(self.key(conversation), -100, -1)
            pipe.expire(self.key(conversation), TTL_SECONDS)
            await pipe.execute()

    async def take(self, conversation: str) -> list[dict]:
        """Everything waiting, removed atomically (a channel delivers it once)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrange(self.key(conversation), 0, -1)
            pipe.delete(self.key(conversation))
            raw, _ = await pipe.execute()
        return [json.loads(r) for r in raw]
