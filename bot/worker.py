"""The job worker (arq): booking reminders, deliveries, notices and their status callbacks. Runs
as `dost worker`, or inside `dost serve` unless DOST_INPROCESS_WORKER=false.

It polls the queue every 50 ms: a notice posted to an idle system should leave at once, and a
worker with all its slots waiting on Telegram's rate limit takes the next job as soon as one
finishes (a second's poll would cap it at `max_jobs` a second)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING

from arq.connections import RedisSettings
from arq.worker import Worker, func

from bot import delivery
from bot.booking.slots import SlotCalendar
from bot.booking.store import BookingStore
from bot.clock import SYSTEM_CLOCK, Clock
from bot.delivery import Deliveries, Senders
from bot.jobs_keys import QUEUE
from bot.jobs_redis import arq_pool, migrate_untagged
from bot.logs import get_logger
from bot.notices import callbacks
from bot.notices.job import JOB as NOTICE_JOB
from bot.notices.job import NoticeJobs, send_notice
from bot.notices.policy import NoticeConfig
from bot.notices.testmode import simulated_senders
from bot.people import People
from bot.redis_conn import connect
from bot.reminders import JOB, send_booking_reminder

if TYPE_CHECKING:
    import redis.asyncio as aioredis

log = get_logger("dost.worker")
# Builds the channels' senders once the worker's event loop and Redis client exist (the
# composition root knows the channels; the core only the protocol).
SendersFactory = Callable[["aioredis.Redis"], Senders]


def build_worker(
    redis_url: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
    senders: SendersFactory | None = None,
    handle_signals: bool = True,
    burst: bool = False,
    max_burst_jobs: int = -1,
    notices: NoticeConfig | None = None,
    freeze_gc: bool = False,
    cluster: bool = False,
) -> Worker:
    """The worker; jobs find the clock, Redis, the booking store, deliveries and notices in
    their context. Without `senders` nothing can be delivered (every delivery fails: no route);
    `notices` (quiet hours, read deadline, channels per type) defaults to NoticeConfig().
    `freeze_gc`: a worker that is its own process keeps its start-up objects out of the garbage
    collector's full collections. `cluster` (REDIS_CLUSTER): `redis_url` is one node of a Redis
    Cluster; arq works on the node that owns the jobs' slot (`bot.jobs_redis`)."""
    from knowledge.centers import default_centers
    from knowledge.store import default_passports

    async def startup(ctx: dict) -> None:
        ctx["arq"] = ctx["redis"]  # arq's own client: jobs enqueue further jobs with it
        ctx["clock"] = clock
        ctx["redis"] = connect(redis_url, cluster=cluster)
        if not cluster:
            moved = await migrate_untagged(ctx["arq"])  # queued by a version without the tag
            if moved:
                log.info("jobs moved to the tagged queue", jobs=moved)
        calendar = SlotCalendar(default_centers(), default_passports(), clock=clock)
        ctx["bookings"] = BookingStore(ctx["redis"], calendar)
        ctx["senders"] = senders(ctx["redis"]) if senders is not None else Senders()
        ctx["deliveries"] = Deliveries(
            ctx["redis"], ctx["senders"], people=People(ctx["redis"], clock), clock=clock
        )
        # A test key's notices take the same path to simulated channels (bot.notices.testmode).
        simulated = Deliveries(ctx["redis"], simulated_senders(ctx["redis"]),
                               people=People(ctx["redis"], clock), clock=clock)  # fmt: skip
        # Notices also call a proven number (a reminder does not).
        noticing = Deliveries(ctx["redis"], ctx["senders"], people=People(ctx["redis"], clock),
                              clock=clock, phone_channels=("sms", "voice"))  # fmt: skip
        ctx["notices"] = NoticeJobs(ctx["redis"], ctx["arq"], noticing, simulated,
                                    notices or NoticeConfig(), clock)  # fmt: skip
        import httpx

        ctx["http"] = httpx.AsyncClient()  # status callbacks
        if freeze_gc:
            # Everything loaded so far lives as long as the worker: out of the collector's sight,
            # a full collection scans only what jobs made (one took 250 ms: a pause between
            # letting a Telegram message go and sending it bunches messages up at Telegram).
            gc.freeze()

    async def shutdown(ctx: dict) -> None:
        # A worker stopped while starting has only part of its context.
        if "senders" in ctx:
            await ctx["senders"].aclose()
        if "http" in ctx:
            await ctx["http"].aclose()
        if "arq" in ctx and "redis" in ctx:
            await ctx["redis"].aclose()

    return Worker(
        functions=[
            func(send_booking_reminder, name=JOB, max_tries=3),
            func(delivery.deliver, name=delivery.JOB, max_tries=delivery.MAX_TRIES),
            func(send_notice, name=NOTICE_JOB, max_tries=delivery.MAX_TRIES),
            func(callbacks.notice_callback, name=callbacks.JOB, max_tries=callbacks.MAX_TRIES),
        ],
        # On a cluster, a pool to the jobs' node; else arq's own, with its connection retries.
        redis_pool=arq_pool(redis_url, cluster=True) if cluster else None,
        redis_settings=None if cluster else RedisSettings.from_dsn(redis_url),
        queue_name=QUEUE,
        on_startup=startup,
        on_shutdown=shutdown,
        handle_signals=handle_signals,
        burst=burst,
        max_burst_jobs=max_burst_jobs,
        poll_delay=0.05,
        keep_result=24 * 3600,
    )
