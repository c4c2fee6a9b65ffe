"""The one timer of the hand-off desk: lapsed offers and silent consoles are noticed within a
second (`Desk.expire`, safe in every process at once). Everything else — a new hand-off, a chat
closed, an operator signing on — offers chats at once, in the same Redis script."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from bot.logs import get_logger

if TYPE_CHECKING:
    from bot.operators.desk import Desk

log = get_logger("dost.operators")
TICK_SECONDS = 0.5


async def run_expiry(desk: Desk, tick: float = TICK_SECONDS) -> None:
    while True:
        try:
            await desk.expire()
        except (RedisError, OSError) as exc:
            log.warning("operator timers skipped a beat", error=type(exc).__name__)
        except Exception:
            log.exception("operator timers failed")
        await asyncio.sleep(tick)
