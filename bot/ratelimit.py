"""Fixed-window rate limits in Redis, shared by every process: the web chat's messages, one-time
codes per number and per address, bookings per number and per address."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis.asyncio as aioredis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimit:
    key: str
    limit: int
    window_seconds: int


class RateLimited(Exception):
    """An event refused by a rate limit; `wait` is the seconds until its window closes."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"rate limited for {wait} s")
        self.wait = wait


def queue_rate_limits(pipe: Any, limits: Sequence[RateLimit]) -> int:
    """Queue one event's counting on `pipe` (3 commands a limit; see `hit_rate_limits`);
    returns how many results `rate_limit_wait` will read."""
    for rate in limits:
        pipe.set(rate.key, 0, ex=rate.window_seconds, nx=True)
        pipe.incr(rate.key)
        pipe.pttl(rate.key)
    return 3 * len(limits)


def rate_limit_wait(
    limits: Sequence[RateLimit], results: Sequence[Any]
) -> tuple[int | None, list[RateLimit]]:
    """From the queued commands' results: the seconds to wait if a limit is exceeded (else
    None), and the counters left without expiry (give them their window)."""
    wait: int | None = None
    unexpiring: list[RateLimit] = []
    for i, rate in enumerate(limits):
        count, pttl = int(results[3 * i + 1]), int(results[3 * i + 2])
        if pttl < 0:  # a counter without expiry would block forever
            pttl = rate.window_seconds * 1000
            unexpiring.append(rate)
        if count > rate.limit:
            seconds = max(1, math.ceil(pttl / 1000))
            wait = seconds if wait is None else max(wait, seconds)
    return wait, unexpiring


async def expire_counters(redis: aioredis.Redis, limits: Sequence[RateLimit]) -> None:
    from redis.exceptions import RedisError

    for rate in limits:
        try:
            await redis.pexpire(rate.key, rate.window_seconds * 1000)
        except (RedisError, OSError):
            log.warning("rate limit counter left without expiry")


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
            queue_rate_limits(pipe, limits)
            results = await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("rate limiting skipped, Redis unavailable: %s", type(exc).__name__)
        return None if fail_open else 60
    wait, unexpiring = rate_limit_wait(limits, results)
    await expire_counters(redis, unexpiring)
    return wait
