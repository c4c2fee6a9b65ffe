"""Caps that keep one person or one client address from filling a day's slots: holds per
address, bookings per proven number and per address, each per 24 hours (Redis counters)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ratelimit import RateLimit, hit_rate_limits

if TYPE_CHECKING:
    import redis.asyncio as aioredis

PREFIX = "dost:cap:"
DAY_SECONDS = 24 * 3600
HOLDS_PER_ADDRESS = 30  # choosing a time holds it; people change their mind a few times
BOOKINGS_PER_NUMBER = 3
BOOKINGS_PER_ADDRESS = 6  # a family or an office may share one address


class BookingLimits:
    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        holds_per_address: int = HOLDS_PER_ADDRESS,
        bookings_per_number: int = BOOKINGS_PER_NUMBER,
        bookings_per_address: int = BOOKINGS_PER_ADDRESS,
    ) -> None:
        self.redis = redis
        self.holds_per_address = holds_per_address
        self.bookings_per_number = bookings_per_number
        self.bookings_per_address = bookings_per_address

    async def allow_hold(self, address: str) -> bool:
        limits = [RateLimit(f"{PREFIX}holds:{address}", self.holds_per_address, DAY_SECONDS)]
        return await hit_rate_limits(self.redis, limits) is None

    async def allow_booking(self, phone: str, address: str) -> bool:
        limits = [
            RateLimit(f"{PREFIX}bookings:number:{phone}", self.bookings_per_number, DAY_SECONDS),
            RateLimit(f"{PREFIX}bookings:address:{address}", self.bookings_per_address,
                      DAY_SECONDS),
        ]  # fmt: skip
        return await hit_rate_limits(self.redis, limits) is None
