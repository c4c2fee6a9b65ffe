"""Telegram's sending limits, shared by every process through Redis: at most `global_rate`
messages a second for the whole bot (30 by default) and `chat_rate` a second in one chat (1).

Each limit is a "next allowed time" (GCRA): a message may go when both the bot's and the chat's
next time have come; sending moves them on by one interval. One Lua script checks and moves both
atomically, on Redis's own clock, so any number of processes share the budget. The limits carry
a safety margin for the trip to Telegram: a message granted here arrives a few milliseconds
later, and that jitter must never make arrivals look closer than allowed. So a chat gets one
message per 1 s + 50 ms, the bot N per 1 s + `global_margin` (TELEGRAM_RATE_MARGIN_MS, 40 ms by
default).

A sender that takes the bot's slot late (its process was busy when the slot came) would lose
that time for good; the bot-wide limit lets up to 5 ms of such lateness be caught up by the next
slot (never more). So N messages always leave at least 1 s + margin − 5 ms − the 2 ms a slot may
be taken early apart. A process holds its slot until its message is sent (`slot`): a message let
go just before the process pauses is never overtaken by the next, which would arrive with it.

Inside a process the callers queue on one gate for the bot-wide slot (FIFO, one Redis call per
grant instead of a stampede), but wait for their chat's slot outside it, so a chat that must
pause does not hold up the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from channels.telegram.keys import NAMESPACE

if TYPE_CHECKING:
    import redis.asyncio as aioredis

# The limiter's own keys (the one part of a channel that uses Redis directly: the Lua script is
# the limiter). They share one hash tag, so the script also runs on a Redis Cluster.
RATE_GLOBAL = f"dost:{NAMESPACE}:{{rate}}:global"


def rate_chat(chat_id: int) -> str:
    return f"dost:{NAMESPACE}:{{rate}}:chat:{chat_id}"

# KEYS[1] the bot's next allowed time, KEYS[2] the chat's (µs, Redis clock).
# ARGV[1] bot interval µs, ARGV[2] chat interval µs (0: no chat limit), ARGV[3] tolerance µs,
# ARGV[4] how much lateness the bot-wide limit catches up, µs.
# Returns {0, 0} when granted, else {wait µs, 1 if the chat is what we wait for}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local gi, ci, tol = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local catch_up = tonumber(ARGV[4])
local chat_next = 0
if ci > 0 then chat_next = tonumber(redis.call('GET', KEYS[2]) or '0') end
if chat_next - tol > now then return {chat_next - now, 1} end
local global_next = tonumber(redis.call('GET', KEYS[1]) or '0')
if global_next - tol > now then return {global_next - now, 0} end
redis.call('SET', KEYS[1], string.format('%d', math.max(now - catch_up, global_next) + gi),
           'PX', math.floor(gi / 1000) + 60000)
if ci > 0 then
  redis.call('SET', KEYS[2], string.format('%d', math.max(now, chat_next) + ci),
             'PX', math.floor(ci / 1000) + 60000)
end
return {0, 0}
"""

# Push a chat's next allowed time at least `seconds` away (Telegram asked us to wait).
# KEYS[1] the chat's key; ARGV[1] µs to wait.
_HOLD_OFF = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < until_ then
  redis.call('SET', KEYS[1], string.format('%d', until_), 'PX',
             math.floor(tonumber(ARGV[1]) / 1000) + 60000)
end
return 1
"""


class RedisRateLimiter:
    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        global_rate: float = 30.0,
        chat_rate: float = 1.0,
        margin_seconds: float = 0.05,
        global_margin_seconds: float = 0.040,
        catch_up_seconds: float = 0.005,
        tolerance_seconds: float = 0.002,
    ) -> None:
        if global_rate <= 0:
            raise ValueError("global_rate must be positive")
        self.redis = redis
        self.global_us = round(1_000_000 * (1 + global_margin_seconds) / global_rate)
        self.catch_up_us = round(1_000_000 * catch_up_seconds)
        self.chat_us = round(1_000_000 * (1 / chat_rate + margin_seconds)) if chat_rate > 0 else 0
        # Grants may come this much early (a sleeper wakes a little late, and keeps its slot).
        self.tolerance_us = round(1_000_000 * min(tolerance_seconds, margin_seconds / 4))
        self._acquire = redis.register_script(_ACQUIRE)
        self._hold_off = redis.register_script(_HOLD_OFF)
        self._gate: asyncio.Lock | None = None

    def _sleep_seconds(self, wait_us: int) -> float:
        # Wake just inside the tolerance: the slot is then granted without losing time.
        return max(wait_us - self.tolerance_us + 1000, 1000) / 1_000_000

    async def _try(self, chat_id: int | None) -> tuple[int, bool]:
        chat_key = rate_chat(chat_id) if chat_id is not None else rate_chat(0)
        chat_us = self.chat_us if chat_id is not None else 0
        wait, for_chat = await self._acquire(
            keys=[RATE_GLOBAL, chat_key],
            args=[self.global_us, chat_us, self.tolerance_us, self.catch_up_us],
        )
        return int(wait), bool(int(for_chat))

    async def acquire(self, chat_id: int | None = None) -> float:
        """Wait until one message may be sent (to `chat_id`, paced per chat too, or only within
        the bot-wide limit when None); returns the seconds waited."""
        async with self.slot(chat_id) as waited:
            return waited

    @asynccontextmanager
    async def slot(self, chat_id: int | None = None) -> AsyncIterator[float]:
        """Hold one message's slot while it is sent: this process lets no other message go
        until the block ends, so a message that was let go but not yet sent (a pause of the
        process) is never overtaken by the next one, which would arrive in the same moment.
        Yields the seconds waited."""
        if self._gate is None:
            self._gate = asyncio.Lock()
        started = time.monotonic()
        while True:
            await self._gate.acquire()
            granted = False
            try:
                while True:
                    wait_us, for_chat = await self._try(chat_id)
                    if wait_us <= 0:
                        granted = True
                        break
                    if for_chat:
                        break  # wait for the chat outside the gate
                    await asyncio.sleep(self._sleep_seconds(wait_us))
                if granted:
                    yield time.monotonic() - started
                    return
            finally:
                self._gate.release()
            await asyncio.sleep(self._sleep_seconds(wait_us))

    async def hold_off(self, chat_id: int, seconds: float) -> None:
        """Telegram said "retry after": no process sends to this chat before then."""
        await self._hold_off(keys=[rate_chat(chat_id)], args=[round(seconds * 1_000_000)])
