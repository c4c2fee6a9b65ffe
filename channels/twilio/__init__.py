"""Twilio channels: the phone line (voice IVR), SMS and WhatsApp, and the IVR simulator.

`twilio_router(settings, engine_getter, redis_getter, acknowledgements_getter)` is all the
composition root needs:
- GET /audio/<key>.wav — the prompts (always on: the simulator plays them too);
- /webhooks/twilio/voice… (the phone line, its callers waiting for live operators, and the
  calls that play notices) and
  /webhooks/twilio/messaging… — only with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN set; without
  them one log line says the Twilio channels are off;
- /simulator/ivr — by default only while Twilio is not configured (`simulator_enabled`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

from bot.logs import get_logger
from channels.twilio.audio import AudioPrompts, audio_router
from channels.twilio.messaging import (
    MessagingChannel,
    Messenger,
    messaging_router,
    status_callback_url,
)
from channels.twilio.security import Signatures
from channels.twilio.simulator import simulator_router, simulator_voice
from channels.twilio.texts import words
from channels.twilio.voice import VoiceChannel
from channels.twilio.voice_notice import NoticeCalls, notice_call_router
from channels.twilio.voice_queue import CallQueue, TwilioBridge, queue_router
from channels.twilio.voice_routes import voice_router
from channels.twilio.voice_twiml import speech_hints

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from bot.config import Settings

log = get_logger("dost.twilio")


def build_messenger(settings: Settings) -> Messenger | None:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    if not (settings.twilio_sms_number or settings.twilio_whatsapp_number):
        return None
    return Messenger(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        api_base=settings.twilio_api_base,
        sms_from=settings.twilio_sms_number,
        whatsapp_from=settings.twilio_whatsapp_number,
        status_callback=status_callback_url(settings.public_base_url),
    )


def build_voice(settings: Settings, messenger: Messenger | None) -> VoiceChannel:
    from knowledge.store import default_passports

    audio = AudioPrompts(settings.data_dir, espeak=settings.espeak_binary, sox=settings.sox_binary)
    hints = speech_hints(list(default_passports().values()), words("voice.speech_hints"))
    return VoiceChannel(
        audio, call_center_number=settings.call_center_number, messenger=messenger, hints=hints
    )


def build_bridge(settings: Settings) -> TwilioBridge | None:
    """How an operator who takes a call is put through (None without Twilio)."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    return TwilioBridge(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        api_base=settings.twilio_api_base,
        public_base_url=settings.public_base_url,
    )


def twilio_router(
    settings: Settings,
    engine_getter: Callable[[Request], Any],
    redis_getter: Callable[[Request], aioredis.Redis],
    acknowledgements_getter: Callable[[Request], Any] = lambda request: None,
) -> APIRouter:
    router = APIRouter()
    messenger = build_messenger(settings)
    voice = build_voice(settings, messenger)
    router.include_router(audio_router(voice.audio))
    base = settings.public_base_url

    if settings.twilio_configured:
        assert settings.twilio_auth_token is not None
        signatures = Signatures(settings.twilio_auth_token)
        router.include_router(voice_router(voice, signatures, base, engine_getter, redis_getter))
        calls = CallQueue(voice.audio, call_center_number=settings.call_center_number)
        router.include_router(queue_router(calls, signatures, base, engine_getter))
        messaging = MessagingChannel(conversation_ttl_seconds=settings.conversation_ttl_seconds)
        router.include_router(
            messaging_router(messaging, signatures, base, engine_getter, redis_getter)
        )
        router.include_router(
            notice_call_router(NoticeCalls(voice.audio), signatures, base, redis_getter,
                               acknowledgements_getter)
        )  # fmt: skip
        if not base:
            log.warning(
                "PUBLIC_BASE_URL is not set: Twilio signatures are checked against the URL "
                "rebuilt from the request (X-Forwarded-Proto/Host)"
            )
    else:
        log.info(
            "twilio channels off (voice, SMS, WhatsApp): TWILIO_ACCOUNT_SID and "
            "TWILIO_AUTH_TOKEN are not set"
        )

    on, why = simulator_enabled(settings)
    log.info(f"ivr simulator {'on' if on else 'off'}: {why}")
    if on:
        router.include_router(
            simulator_router(
                voice=simulator_voice(voice),
                engine_getter=engine_getter,
                redis_getter=redis_getter,
            )
        )
    return router


def simulator_enabled(settings: Settings) -> tuple[bool, str]:
    """Whether /simulator/ivr is mounted, and why (for the one log line at start-up)."""
    if settings.ivr_simulator is True:
        return True, "DOST_IVR_SIMULATOR=true"
    if settings.ivr_simulator is False:
        return False, "DOST_IVR_SIMULATOR=false"
    if settings.twilio_configured:
        return False, "Twilio is configured (DOST_IVR_SIMULATOR=true turns it on)"
    return True, "Twilio is not configured, a demo (DOST_IVR_SIMULATOR=false turns it off)"


__all__ = ["build_bridge", "twilio_router"]
