"""The job worker (arq): booking reminders and deliveries now, notifications later. Runs as
`dost worker`, or inside `dost serve` unless DOST_INPROCESS_WORKER=false."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker, func

from bot import delivery
from bot.booking.slots import SlotCalendar
from bot.booking.store import BookingStore
from bot.clock import SYSTEM_CLOCK, Clock
from bot.delivery import Deliveries, Senders
from bot.people import People
from bot.redis_conn import connect
from bot.reminders import JOB, send_booking_reminder

if TYPE_CHECKING:
    import redis.asyncio as aioredis

# Builds the channels' senders once the worker's event loop and Redis client exist (the
# composition root knows the channels; the core only the protocol).
SendersFactory = Callable[["aioredis.Redis"], Senders]


def arq_pool(redis_url: str) -> ArqRedis:
    """arq's client, connecting lazily: a service started while Redis is down still starts
    (and reports itself degraded on /healthz) instead of failing."""
    return ArqRedis.from_url(redis_url)


def build_worker(
    redis_url: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
    senders: SendersFactory | None = None,
    handle_signals: bool = True,
    burst: bool = False,
    max_burst_jobs: int = -1,
) -> Worker:
    """The worker; jobs find the clock, Redis, the booking store and deliveries in their
    context. Without `senders` nothing can be delivered (every delivery fails: no route)."""
    from knowledge.centers import default_centers
    from knowledge.store import default_passports

    async def startup(ctx: dict) -> None:
        ctx["arq"] = ctx["redis"]  # arq's own client: jobs enqueue further jobs with it
        ctx["clock"] = clock
        ctx["redis"] = connect(redis_url)
        calendar = SlotCalendar(default_centers(), default_passports(), clock=clock)
        ctx["bookings"] = BookingStore(ctx["redis"], calendar)
        ctx["senders"] = senders(ctx["redis"]) if senders is not None else Senders()
        ctx["deliveries"] = Deliveries(
            ctx["redis"], ctx["senders"], people=People(ctx["redis"], clock), clock=clock
        )

    async def shutdown(ctx: dict) -> None:
        # A worker stopped while starting has only part of its context.
        if "senders" in ctx:
            await ctx["senders"].aclose()
        if "arq" in ctx and "redis" in ctx:
            await ctx["redis"].aclose()

    return Worker(
        functions=[
            func(send_booking_reminder, name=JOB, max_tries=3),
            func(delivery.deliver, name=delivery.JOB, max_tries=delivery.MAX_TRIES),
        ],
        redis_settings=RedisSettings.from_dsn(redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        handle_signals=handle_signals,
        burst=burst,
        max_burst_jobs=max_burst_jobs,
        poll_delay=1.0,
        keep_result=24 * 3600,
    )
