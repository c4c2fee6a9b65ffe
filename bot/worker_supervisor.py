"""Keeps the job worker running: arq's worker ends at the first Redis error of its poll loop
(Redis restarted, a failover, a network blip) and would leave the queue unserved, silently, for
as long as the process lives. The supervisor logs the stop, waits (0.5 s doubling to 30 s; back
to 0.5 s after a worker that ran a minute) and starts a fresh worker; jobs wait in Redis
meanwhile. Its state is what /healthz and /metrics report."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from arq.worker import Worker

from bot.logs import get_logger

log = get_logger("dost.worker")

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
STABLE_SECONDS = 60.0  # a worker that ran this long before failing restarts at once-ish again
CLOSE_TIMEOUT_SECONDS = 5.0

Status = Literal["starting", "running", "restarting", "stopped"]


@dataclass
class WorkerState:
    status: Status = "starting"
    restarts: int = 0
    last_error: str | None = None

    @property
    def alive(self) -> bool:
        return self.status == "running"


class WorkerSupervisor:
    """`run()` until cancelled; `make_worker` builds a fresh arq worker for every (re)start."""

    def __init__(
        self,
        make_worker: Callable[[], Worker],
        *,
        first_backoff: float = FIRST_BACKOFF_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
    ) -> None:
        self.make_worker = make_worker
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.state = WorkerState()
        self._worker: Worker | None = None

    async def run(self) -> None:
        backoff = self.first_backoff
        try:
            while True:
                worker = self._worker = self._watched(self.make_worker())
                started = time.monotonic()  # how long it lasted, not a business time
                self.state.status = "starting"
                try:
                    await worker.async_run()
                    return  # a burst worker finishes; a normal one only on cancellation
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if time.monotonic() - started > STABLE_SECONDS:
                        backoff = self.first_backoff
                    self.state.status = "restarting"
                    self.state.restarts += 1
                    self.state.last_error = type(exc).__name__
                    log.warning("job worker stopped; restarting it", error=type(exc).__name__,
                                detail=str(exc), in_seconds=backoff)  # fmt: skip
                finally:
                    await self._close(worker)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
        finally:
            self.state.status = "stopped"

    def _watched(self, worker: Worker) -> Worker:
        """The worker counts as running once its start-up (Redis reached, context built) is
        done."""
        startup = worker.on_startup

        async def started(ctx: dict) -> None:
            if startup is not None:
                await startup(ctx)
            self.state.status = "running"

        worker.on_startup = started
        return worker

    async def _close(self, worker: Worker) -> None:
        """Release what the worker holds; with Redis gone its own close cannot finish, so its
        shutdown hook (senders, HTTP client) runs here instead."""
        self._worker = None
        closing = asyncio.ensure_future(worker.close())
        # asyncio.wait: the close's own failure (or the cancellation of its jobs) stays in it;
        # only this task's cancellation comes out.
        done, _ = await asyncio.wait({closing}, timeout=CLOSE_TIMEOUT_SECONDS)
        if not done:
            closing.cancel()
        if not done or closing.cancelled() or closing.exception() is not None:
            if worker.on_shutdown is not None:
                with contextlib.suppress(Exception):
                    await worker.on_shutdown(worker.ctx)
            pool = worker._pool
            worker._pool = None
            if pool is not None:
                with contextlib.suppress(Exception):
                    await pool.aclose()
