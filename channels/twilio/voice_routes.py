"""The phone line's webhooks, each checked against Twilio's signature (403 otherwise):
- POST /webhooks/twilio/voice — an incoming call;
- POST /webhooks/twilio/voice/gather?seq=N — what the caller pressed or said, or nothing;
- POST /webhooks/twilio/voice/dial?seq=N — how the transfer to a person ended;
- POST /webhooks/twilio/voice/status — call status callbacks (204).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.messages import ChatEngine
from channels.twilio.security import Signatures, public_origin
from channels.twilio.twiml_http import twiml_response

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from channels.twilio.voice import VoiceChannel


EngineGetter = Callable[[Request], ChatEngine]
RedisGetter = Callable[[Request], "aioredis.Redis"]


def voice_router(
    channel: VoiceChannel,
    signatures: Signatures,
    public_base_url: str | None,
    engine_getter: EngineGetter,
    redis_getter: RedisGetter,
) -> APIRouter:
    router = APIRouter(prefix="/webhooks/twilio/voice", include_in_schema=False)

    def seq_of(request: Request) -> int:
        try:
            return max(0, int(request.query_params.get("seq", "0")))
        except ValueError:
            return 0

    async def answer(request: Request, step: Callable[..., Awaitable[str]]) -> Response:
        """A signed request handed to one of the channel's steps; its TwiML, never cached."""
        params = await signatures.verify(request, public_base_url)
        base = public_origin(request, public_base_url)
        body = await step(redis_getter(request), engine_getter(request), params, base=base)
        return twiml_response(body)

    @router.post("")
    async def incoming(request: Request) -> Response:
        return await answer(request, channel.incoming)

    @router.post("/gather")
    async def gather(request: Request) -> Response:
        return await answer(request, partial(channel.gather, seq=seq_of(request)))

    @router.post("/dial")
    async def dial(request: Request) -> Response:
        return await answer(request, partial(channel.dial_ended, seq=seq_of(request)))

    @router.post("/status")
    async def status(request: Request) -> Response:
        params = await signatures.verify(request, public_base_url)
        await channel.status(redis_getter(request), params)
        return Response(status_code=204)

    return router
