"""What a provider says about a message we sent (Twilio's status callbacks: queued, sent,
delivered, undelivered, failed, read), kept a week under the provider's message id so the
delivery status of a notice can later say more than "handed over"."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from bot.clock import SYSTEM_CLOCK, Clock
from bot.redis_conn import together

if TYPE_CHECKING:
    import redis.asyncio as aioredis

PREFIX = "dost:receipt:"
TTL_SECONDS = 7 * 24 * 3600


class Receipts:
    def __init__(self, redis: aioredis.Redis, clock: Clock = SYSTEM_CLOCK) -> None:
        self.redis = redis
        self.clock = clock

    async def record(self, message_id: str, **fields: str) -> None:
        """Add what is known now (status, channel, error_code, delivery key…)."""
        key = PREFIX + message_id
        at = self.clock.now().astimezone(UTC).isoformat()
        async with together(self.redis) as pipe:
            pipe.hset(key, mapping={**fields, "updated_at": at})
            pipe.expire(key, TTL_SECONDS)
            await pipe.execute()

    async def get(self, message_id: str) -> dict[str, str]:
        return await self.redis.hgetall(PREFIX + message_id)
