"""The job worker (arq): booking reminders now, notifications later. Runs as `dost worker`, or
inside `dost serve` unless DOST_INPROCESS_WORKER=false."""

from __future__ import annotations

from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker, func

from bot.booking.slots import SlotCalendar
from bot.booking.store import BookingStore
from bot.clock import SYSTEM_CLOCK, Clock
from bot.redis_conn import connect
from bot.reminders import JOB, send_booking_reminder


def arq_pool(redis_url: str) -> ArqRedis:
    """arq's client, connecting lazily: a service started while Redis is down still starts
    (and reports itself degraded on /healthz) instead of failing."""
    return ArqRedis.from_url(redis_url)


def build_worker(
    redis_url: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
    handle_signals: bool = True,
    burst: bool = False,
) -> Worker:
    """The worker; jobs find the clock, Redis and the booking store in their context."""
    from knowledge.centers import default_centers
    from knowledge.store import default_passports

    async def startup(ctx: dict) -> None:
        ctx["clock"] = clock
        ctx["redis"] = connect(redis_url)
        calendar = SlotCalendar(default_centers(), default_passports(), clock=clock)
        ctx["bookings"] = BookingStore(ctx["redis"], calendar)

    async def shutdown(ctx: dict) -> None:
        await ctx["redis"].aclose()

    return Worker(
        functions=[func(send_booking_reminder, name=JOB, max_tries=3)],
        redis_settings=RedisSettings.from_dsn(redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        handle_signals=handle_signals,
        burst=burst,
        poll_delay=1.0,
        keep_result=24 * 3600,
    )
