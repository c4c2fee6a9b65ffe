"""`dost worker`: run the job worker (reminders) against REDIS_URL or the embedded Redis."""

from __future__ import annotations

from bot.config import get_settings
from bot.logs import configure_logging
from bot.redis_conn import redis_for


def run() -> int:
    from bot.worker import build_worker

    settings = get_settings()
    configure_logging(settings.log_level)
    with redis_for(settings) as url:
        build_worker(url).run()
    return 0
