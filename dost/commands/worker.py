"""`dost worker`: the job worker (reminders, deliveries, notices) on REDIS_URL or the embedded
Redis."""

from __future__ import annotations

import asyncio

from bot.config import get_settings
from bot.logs import configure_logging
from bot.redis_conn import redis_for


def run() -> int:
    from bot.notices.policy import NoticeConfig
    from bot.worker import build_worker
    from bot.worker_supervisor import WorkerSupervisor
    from dost.senders import senders_factory

    settings = get_settings()
    configure_logging(settings.log_level)
    with redis_for(settings) as url:
        # Supervised as inside `dost serve`: a Redis outage stops arq's worker, a fresh one
        # takes over once Redis answers again. Ctrl-C and SIGTERM end it (KeyboardInterrupt,
        # Terminated: asyncio.run cancels the supervisor, which closes the worker).
        supervisor = WorkerSupervisor(
            lambda: build_worker(
                url,
                senders=senders_factory(settings),
                notices=NoticeConfig.from_settings(settings),
                freeze_gc=True,
                handle_signals=False,
                cluster=settings.redis_cluster,
            )
        )
        asyncio.run(supervisor.run())
    return 0
