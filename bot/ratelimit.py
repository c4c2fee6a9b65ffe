"""Fixed-window rate limits in Redis, shared by every process: the web chat's messages, one-time
codes per number and per address, bookings per number and per address."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis.asyncio as aioredis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimit:
    key: str
    limit: int
    window_seconds: int


async def hit_rate_limits(
    redis: aioredis.Redis, limits: Sequence[RateLimit], *, fail_open: bool = True
) -> int | None:
    """Count one event against every limit; the seconds to wait if one is exceeded, else None.

    Fixed windows that start with a key's first event, all counted in one MULTI/EXEC:
    `SET key 0 EX window NX` opens the window (with its expiry) only when the key is new, `INCR`
    counts, `PTTL` says when the window closes. (Unlike `EXPIRE ... NX`, this works on the
    embedded Redis 6.2 too.) If Redis cannot be reached the event is let through when
    `fail_open`, else refused for a minute.
    """
    from redis.exceptions import RedisError

    try:
        async with redis.pipeline(transaction=True) as pipe:
            for rate in limits:
                pipe.set(rate.key, 0, ex=rate.window_seconds, nx=True)
                pipe.incr(rate.key)
                pipe.pttl(rate.key)
            results = await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("rate limiting skipped, Redis unavailable: %s", type(exc).__name__)
        return None if fail_open else 60

    wait: int | None = None
    for i, rate in enumerate(limits):
        count, pttl = int(results[3 * i + 1]), int(results[3 * i + 2])
        if pttl < 0:  # a counter without expiry would block forever: give it its window
            pttl = rate.window_seconds * 1000
            try:
                await redis.pexpire(rate.key, pttl)
            except (RedisError, OSError):
                log.warning("rate limit counter left without expiry")
        if count > rate.limit:
            seconds = max(1, math.ceil(pttl / 1000))
            wait = seconds if wait is None else max(wait, seconds)
    return wait
