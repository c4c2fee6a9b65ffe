"""POST /webhooks/telegram inside `dost serve`.

Only Telegram may call it: the `X-Telegram-Bot-Api-Secret-Token` header must equal the secret the
webhook was registered with (compared in constant time), else 403 and nothing runs. A good
request is parsed, its `update_id` checked against the ones already accepted (Redis, a day),
handed to the channel to be handled in the background, and answered 200 at once — Telegram
never waits for the engine, and a retried update has no second effect.

Without TELEGRAM_BOT_TOKEN the channel is off: no route, one log line. aiogram is imported only
when the channel is on.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from bot.logs import get_logger
from channels.telegram.chat_state import secret_digest

if TYPE_CHECKING:
    from bot.config import Settings

log = get_logger("dost.telegram")

WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

AppGetter = Callable[[FastAPI], Any]


def telegram_router(
    settings: Settings,
    *,
    engine_getter: AppGetter = lambda app: app.state.engine,
    redis_getter: AppGetter = lambda app: app.state.redis,
) -> APIRouter:
    """The webhook route with its lifespan (which builds the channel once the engine and Redis
    exist); an empty router when no token is configured."""
    if not settings.telegram_bot_token:
        log.info("telegram channel off: TELEGRAM_BOT_TOKEN is not set")
        return APIRouter()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from channels.telegram.channel import TelegramChannel

        channel = TelegramChannel.from_settings(settings, engine_getter(app), redis_getter(app))
        app.state.telegram = channel
        if not await channel.webhook_secret_digest():
            log.warning(
                "telegram webhook has no secret and refuses every request: set "
                "TELEGRAM_WEBHOOK_SECRET or run `dost telegram set-webhook`"
            )
        log.info("telegram channel on", mode="webhook", path=WEBHOOK_PATH)
        try:
            yield
        finally:
            await channel.close()

    router = APIRouter(lifespan=lifespan)

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        channel = request.app.state.telegram
        expected = await channel.webhook_secret_digest()
        given = request.headers.get(SECRET_HEADER)
        if not expected or given is None or not hmac.compare_digest(secret_digest(given), expected):
            log.warning("telegram webhook refused: wrong or missing secret token")
            return Response(status_code=403)
        try:
            data = json.loads(await request.body())
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past the parser
            return Response(status_code=400)
        if await channel.accept(data) == "bad":
            return Response(status_code=400)
        return Response(status_code=200)

    return router
