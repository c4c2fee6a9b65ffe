"""The channels' own bookkeeping, kept for them by the core so that no channel touches Redis:
records a channel names itself (a call's screen and its answered TwiML, the numbered choices of an
SMS conversation, a Telegram chat's live keyboards), ids seen once (webhook retries), locks per
conversation and rate limits.

A channel gets a `ChannelState` for its namespace ("tg", "twilio", "web") and names its records;
every key is built here, as "dost:<namespace>:<name>", and every record it writes expires unless
told otherwise. The Telegram sender's rate limiter is the one piece of a channel that still talks
to Redis itself (its Lua script is the limiter).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.ratelimit import RateLimit, hit_rate_limits

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from redis.asyncio.lock import Lock


class ChannelState:
    def __init__(self, redis: aioredis.Redis, namespace: str) -> None:
        self.redis = redis
        self.prefix = f"dost:{namespace}:"

    def key(self, name: str) -> str:
        return self.prefix + name

    # --- single values -----------------------------------------------------------------------

    async def get(self, name: str) -> str | None:
        return await self.redis.get(self.key(name))

    async def get_json(self, name: str) -> Any:
        raw = await self.get(name)
        return json.loads(raw) if raw is not None else None

    async def put(self, name: str, value: str, ttl: int | None = None) -> None:
        await self.redis.set(self.key(name), value, ex=ttl)

    async def put_json(self, name: str, value: Any, ttl: int | None = None) -> None:
        await self.put(name, json.dumps(value, ensure_ascii=False), ttl)

    async def first_time(self, name: str, ttl: int) -> bool:
        """True the first time `name` is seen within `ttl` seconds (a retried webhook: False)."""
        return bool(await self.redis.set(self.key(name), "1", nx=True, ex=ttl))

    async def claim(self, name: str, value: str, ttl: int | None = None) -> bool:
        """Set `name` only if it is not set yet; whether this call set it."""
        return bool(await self.redis.set(self.key(name), value, nx=True, ex=ttl))

    async def touch(self, name: str, ttl: int) -> None:
        """Give `name` a fresh expiry."""
        await self.redis.expire(self.key(name), ttl)

    async def exists(self, name: str) -> bool:
        return bool(await self.redis.exists(self.key(name)))

    async def delete(self, *names: str) -> None:
        if names:
            await self.redis.delete(*(self.key(n) for n in names))

    async def write(
        self, put: Mapping[str, tuple[str, int | None]] = {}, delete: Iterable[str] = ()
    ) -> None:
        """Several values set ({name: (value, ttl)}) and deleted, all at once."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for name in delete:
                pipe.delete(self.key(name))
            for name, (value, ttl) in put.items():
                pipe.set(self.key(name), value, ex=ttl)
            await pipe.execute()

    # --- sets --------------------------------------------------------------------------------

    async def add(self, name: str, member: str, ttl: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self.key(name), member)
            pipe.expire(self.key(name), ttl)
            await pipe.execute()

    async def members(self, name: str) -> set[str]:
        return set(await self.redis.smembers(self.key(name)))

    async def contains(self, name: str, member: str) -> bool:
        return bool(await self.redis.sismember(self.key(name), member))

    async def discard(self, name: str, member: str) -> None:
        await self.redis.srem(self.key(name), member)

    async def take(self, name: str) -> set[str]:
        """The members, the set forgotten at once."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.smembers(self.key(name))
            pipe.delete(self.key(name))
            members, _ = await pipe.execute()
        return set(members)

    # --- lists (logs) ------------------------------------------------------------------------

    async def append(self, name: str, entry: Any, *, limit: int, ttl: int) -> None:
        """Add a JSON entry, keeping the newest `limit`."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(self.key(name), json.dumps(entry, ensure_ascii=False))
            pipe.ltrim(self.key(name), -limit, -1)
            pipe.expire(self.key(name), ttl)
            await pipe.execute()

    async def entries(self, name: str, start: int = 0) -> list[Any]:
        return [json.loads(r) for r in await self.redis.lrange(self.key(name), start, -1)]

    async def count(self, name: str) -> int:
        return int(await self.redis.llen(self.key(name)))

    # --- records of fields -------------------------------------------------------------------

    async def update(
        self, name: str, fields: Mapping[str, str], ttl: int, *, delete: Iterable[str] = ()
    ) -> None:
        """Set some fields of a record (and delete other names), all at once."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key(name), mapping=dict(fields))
            pipe.expire(self.key(name), ttl)
            for other in delete:
                pipe.delete(self.key(other))
            await pipe.execute()

    async def fields(self, name: str) -> dict[str, str]:
        return await self.redis.hgetall(self.key(name))

    # --- locks and limits --------------------------------------------------------------------

    def lock(self, name: str, *, timeout: float, blocking_timeout: float) -> Lock:
        """One holder at a time across every process (`async with`)."""
        return self.redis.lock(self.key(name), timeout=timeout, blocking_timeout=blocking_timeout)

    async def hit_rate_limits(self, limits: Sequence[tuple[str, int, int]]) -> int | None:
        """Count one event against each (name, limit, window seconds); the seconds to wait
        when one is exceeded, else None (see `bot.ratelimit`)."""
        return await hit_rate_limits(
            self.redis, [RateLimit(self.key(n), limit, window) for n, limit, window in limits]
        )
