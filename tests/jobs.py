"""Running arq jobs in tests on a controllable clock: real workers in burst mode, with the process
clock (arq's `time.time()`) moved to each job's time by time-machine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import time_machine
from arq.connections import ArqRedis

from bot.clock import BAKU, FrozenClock
from bot.jobs_keys import QUEUE
from bot.notices.policy import NoticeConfig
from bot.worker import SendersFactory, build_worker


class ProcessClock(FrozenClock):
    """Our frozen clock, with the process clock kept at the same instant."""

    def __init__(self, start: datetime, traveller: time_machine.Coordinates) -> None:
        self.traveller = traveller
        super().__init__(start)

    def set(self, moment: datetime) -> None:
        super().set(moment)
        self.traveller.move_to(self.now())


async def run_due_jobs(
    redis_url: str,
    arq: ArqRedis,
    clock: ProcessClock,
    senders: SendersFactory,
    *,
    until: datetime | None = None,
    on_jobs: Callable[[], None] | None = None,
    notices: NoticeConfig | None = None,
) -> int:
    """Run every job due by `until` (default: now) in real burst workers, in time order, moving
    the clock forward to each job's time (retries included); returns the jobs started."""
    until = until or clock.now()
    started = 0
    while True:
        now_ms = clock.now().timestamp() * 1000
        ready = await arq.zcount(QUEUE, "-inf", now_ms)
        if ready == 0:
            [*first] = await arq.zrange(QUEUE, 0, 0, withscores=True)
            if not first or first[0][1] / 1000 > until.timestamp():
                return started
            due = datetime.fromtimestamp((first[0][1] + 1) / 1000, BAKU)  # +1 ms: no rounding gap
            clock.set(max(clock.now(), due))
            continue
        worker = build_worker(redis_url, clock=clock, senders=senders, handle_signals=False,
                              burst=True, max_burst_jobs=ready, notices=notices)  # fmt: skip
        try:
            await worker.async_run()
        finally:
            await worker.close()
        started += ready
        if on_jobs is not None:
            on_jobs()
