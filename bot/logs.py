"""structlog set-up: JSON lines, personal data masked in every event.

Masked means after rendering: a traceback is formatted to text first (structlog's own and the
standard library's alike) and then masked with the rest, so neither an exception's message nor
a repr in a frame carries a FIN or a phone number out. URL-encoded values (an access log's path
and query) are masked after decoding (bot.privacy).

`uvicorn_log_config` is the same set-up as uvicorn's `log_config`: uvicorn applies it in each
worker process it spawns (`dost serve --workers N`), which otherwise would log plain text
unmasked at uvicorn's own level.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from bot.privacy import SAFE_KEYS, mask_value

HANDLER_NAME = "dost"


def _mask_event(_logger: object, _name: str, event: dict) -> dict:
    return {k: v if k in SAFE_KEYS or k.startswith("_") else mask_value(v)
            for k, v in event.items()}  # fmt: skip


# Exceptions become text before the masking sees the event.
_BEFORE_RENDERING = [
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
    structlog.processors.format_exc_info,
    _mask_event,
]


def configure_logging(level: str = "INFO") -> None:
    processors = [
        structlog.contextvars.merge_contextvars,
        *_BEFORE_RENDERING,
        structlog.processors.JSONRenderer(ensure_ascii=False),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    root.handlers[:] = [masked_handler()]
    root.setLevel(level.upper())


def masked_handler() -> logging.Handler:
    """The standard library's records (uvicorn, its access log, aiogram) through the same
    masking, as JSON lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(ensure_ascii=False),
            ],
            foreign_pre_chain=_BEFORE_RENDERING,
        )
    )
    return handler


def configured_handler(log_level: str = "INFO") -> logging.Handler:
    """For logging.config.dictConfig ("()"): sets up structlog in this process (a fresh uvicorn
    worker has nothing set up) and returns the root's masked handler."""
    configure_logging(log_level)
    return logging.getLogger().handlers[0]


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's `log_config`: every logger, uvicorn's access log included, into the masked
    handler at DOST_LOG_LEVEL."""
    level = level.upper()
    handler = {"()": "bot.logs.configured_handler", "log_level": level}
    inherit = {"handlers": [], "propagate": True, "level": level}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {HANDLER_NAME: handler},
        "root": {"handlers": [HANDLER_NAME], "level": level},
        "loggers": {name: dict(inherit) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def get_logger(name: str | None = None) -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)
