"""How the service answers when a request is wrong or Redis is away: never with the input echoed
back, never with a traceback, never with a 500 for something the client or an outage caused.

- A request that fails validation: 422 with each problem's location (field names) and a short
  reason; the offending value is not repeated (it may hold a lone surrogate that cannot even be
  encoded, a FIN, or 64 KiB of junk).
- JSON nested beyond what the parser can take: 400.
- Redis unreachable or full (maxmemory reached; it never evicts): 503 with Retry-After and,
  on each channel, its polite "temporary problem" text: the web chat shows it, a caller hears
  it, an SMS/WhatsApp sender gets it as the reply; Telegram is told to come back (it retries
  the update, so the person gets the real answer).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError as RedisOutOfMemory
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.catalog import t
from bot.privacy import mask_pii
from bot.text_safety import clean_text
from channels.twilio.twiml_http import TWIML_TYPE

log = logging.getLogger("dost.errors")

RETRY_AFTER_SECONDS = 5
MAX_LOC_CHARS = 64
MAX_REASON_CHARS = 160
VOICE_PREFIX = "/webhooks/twilio/voice"
MESSAGING_PREFIX = "/webhooks/twilio/messaging"


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_failed)
    app.add_exception_handler(RecursionError, too_deep)
    # Redis full (maxmemory, noeviction) is an outage too: nothing was written.
    for exc in (RedisConnectionError, RedisTimeoutError, RedisOutOfMemory):
        app.add_exception_handler(exc, redis_unavailable)


def problems(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Where and what, without the value: pydantic's `input` and `ctx` are left out."""
    out = []
    for error in exc.errors():
        loc = [part if isinstance(part, int) else _short(str(part), MAX_LOC_CHARS)
               for part in error.get("loc", ())]  # fmt: skip
        out.append({"loc": loc, "msg": _short(str(error.get("msg", "")), MAX_REASON_CHARS),
                    "type": _short(str(error.get("type", "")), MAX_LOC_CHARS)})  # fmt: skip
    return out


async def validation_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": problems(exc)}, status_code=422)


async def too_deep(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": "the request is nested too deeply"}, status_code=400)


async def redis_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("redis unavailable: %s on %s", type(exc).__name__, request.url.path)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    path = request.url.path
    if path.startswith(VOICE_PREFIX) and not path.endswith("/status"):
        # A caller hears the apology and the line closes; Twilio would otherwise play its own
        # "application error".
        from channels.twilio.outage import voice_apology

        return Response(voice_apology(), media_type=TWIML_TYPE, headers=headers)
    if path.startswith(MESSAGING_PREFIX) and not path.endswith("/status"):
        from channels.twilio.outage import message_apology

        return Response(message_apology(), media_type=TWIML_TYPE, headers=headers)
    return JSONResponse({"detail": t("technical_problem")}, status_code=503, headers=headers)


def _short(text: str, limit: int) -> str:
    text = mask_pii(clean_text(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"
