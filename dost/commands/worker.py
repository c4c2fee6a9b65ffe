"""`dost worker`: run the job worker (reminders) against REDIS_URL or the embedded Redis."""

from __future__ import annotations

import contextlib

from bot.config import get_settings
from bot.logs import configure_logging
from bot.redis_conn import EmbeddedRedis


def run() -> int:
    from bot.worker import build_worker

    settings = get_settings()
    configure_logging(settings.log_level)
    with contextlib.ExitStack() as stack:
        url = settings.redis_url or stack.enter_context(EmbeddedRedis(settings.redis_dir))
        build_worker(url).run()
    return 0
