"""The audit log of operator actions: who did what to which conversation, when. Kept in Redis as a
capped list (newest first); read by supervisors and `dost report`.

  dost:{op}:audit   LIST of JSON {"at", "operator", "action", "conversation"?, "detail"?}
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import TYPE_CHECKING

from bot.clock import SYSTEM_CLOCK, Clock
from bot.operators.accounts import PREFIX

if TYPE_CHECKING:
    import redis.asyncio as aioredis

KEY = PREFIX + "audit"
KEEP = 100_000


class Audit:
    def __init__(self, redis: aioredis.Redis, clock: Clock = SYSTEM_CLOCK) -> None:
        self.redis = redis
        self.clock = clock

    async def log(
        self,
        operator: str,
        action: str,
        conversation: str | None = None,
        detail: str | None = None,
    ) -> None:
        entry: dict[str, str] = {
            "at": self.clock.now().astimezone(UTC).isoformat(),
            "operator": operator,
            "action": action,
        }
        if conversation:
            entry["conversation"] = conversation
        if detail:
            entry["detail"] = detail
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(KEY, json.dumps(entry, ensure_ascii=False))
            pipe.ltrim(KEY, 0, KEEP - 1)
            await pipe.execute()

    async def recent(self, count: int = 100) -> list[dict]:
        return [json.loads(raw) for raw in await self.redis.lrange(KEY, 0, count - 1)]
