"""`dost worker`: the job worker (reminders, deliveries, notices) on REDIS_URL or the embedded
Redis."""

from __future__ import annotations

from bot.config import get_settings
from bot.logs import configure_logging
from bot.redis_conn import redis_for


def run() -> int:
    from bot.notices.policy import NoticeConfig
    from bot.worker import build_worker
    from dost.senders import senders_factory

    settings = get_settings()
    configure_logging(settings.log_level)
    with redis_for(settings) as url:
        build_worker(url, senders=senders_factory(settings),
                     notices=NoticeConfig.from_settings(settings)).run()  # fmt: skip
    return 0
