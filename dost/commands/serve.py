"""`dost serve`: uvicorn on the app factory, with an embedded Redis when `REDIS_URL` is unset."""

from __future__ import annotations

import os

import uvicorn

from bot.config import get_settings
from bot.logs import configure_logging, get_logger
from bot.redis_conn import EmbeddedRedis


def run(host: str, port: int, workers: int) -> int:
    settings = get_settings()
    configure_logging(settings.log_level)
    log = get_logger("dost.serve")
    embedded: EmbeddedRedis | None = None
    if not settings.redis_url:
        embedded = EmbeddedRedis(settings.redis_dir)
        # Workers are separate processes: they find the one server through REDIS_URL.
        os.environ["REDIS_URL"] = embedded.start()
        get_settings.cache_clear()
        log.info("redis", mode="embedded", data_dir=str(settings.data_dir.resolve()))
    else:
        log.info("redis", mode="external")
    try:
        uvicorn.run(
            "dost.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
        )
    except KeyboardInterrupt:
        pass  # Ctrl-C is the normal way to stop a foreground server
    finally:
        if embedded is not None:
            embedded.stop()
    return 0
