"""Queueing a notification's jobs (arq): one job id per phase, the priority lane, and the
release of a backlog held by the quiet hours at a steady rate.

The priority lane: arq runs due jobs in the order of their score (their due time). A priority
job due now is queued as if it had been due a day ago, so it comes before every bulk job that is
due — a decision overtakes a backlog of reminders without a second queue or worker.

After the quiet hours each held notice gets its own moment: the window's end plus its place in
the line divided by the release rate, counted per lane, so the backlog leaves at the channels'
pace instead of all at 09:00 (and priority notices lead their own line).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.jobs_keys import tagged
from bot.redis_conn import together

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from arq.connections import ArqRedis

JOB = "send_notice"
PRIORITY_LEAD = timedelta(days=1)
RELEASE_KEY = "dost:notice:release:"


def job_id(notice_id: str, phase: int) -> str:
    return tagged(f"notice:{notice_id}:{phase}")


async def schedule(
    arq: ArqRedis,
    clock: Clock,
    notice_id: str,
    phase: int,
    *,
    priority: bool = False,
    at: datetime | None = None,
    check: str | None = None,
) -> bool:
    """Queue phase `phase` of a notification, at `at` (now when None or past); with `check`,
    the job checks that the notice delivered on that channel was acknowledged. False when that
    job exists already."""
    now = clock.now()
    options: dict = {}
    if at is not None and at > now:
        options["_defer_by"] = at - now  # from arq's own now: never an absolute time
    elif priority:
        options["_defer_by"] = -PRIORITY_LEAD
        options["_expires"] = 2 * PRIORITY_LEAD
    job = await arq.enqueue_job(JOB, notice_id, phase, check, _job_id=job_id(notice_id, phase),
                                **options)  # fmt: skip
    return job is not None


async def release_time(
    redis: aioredis.Redis, end: datetime, *, priority: bool, rate: float
) -> datetime:
    """This notice's moment after a quiet window that ends at `end`."""
    key = f"{RELEASE_KEY}{'priority' if priority else 'bulk'}:{int(end.timestamp())}"
    async with together(redis) as pipe:
        pipe.incr(key)
        pipe.expire(key, 2 * 24 * 3600)
        place, _ = await pipe.execute()
    return end + timedelta(seconds=(int(place) - 1) / max(rate, 0.001))
