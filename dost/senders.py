"""The delivery senders the configured channels offer: the composition root's part of Delivery
(`bot.delivery`), shared by `dost serve`'s in-process worker, `dost worker` and
`dost telegram poll`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.delivery import Senders
from bot.worker import SendersFactory

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from bot.config import Settings


def _twilio_on(settings: Settings) -> bool:
    return bool(settings.twilio_account_sid and settings.twilio_auth_token)


def sender_channels(settings: Settings) -> frozenset[str]:
    """The channels a message we send first can go out on, with these settings."""
    channels = {"web"}
    if settings.telegram_bot_token:
        channels.add("telegram")
    if _twilio_on(settings) and settings.twilio_sms_number:
        channels.add("sms")
    if _twilio_on(settings) and settings.twilio_whatsapp_number:
        channels.add("whatsapp")
    if _twilio_on(settings) and settings.twilio_voice_number and settings.public_base_url:
        channels.add("voice")  # Twilio fetches the call's TwiML from PUBLIC_BASE_URL
    return frozenset(channels)


def senders_factory(settings: Settings) -> SendersFactory:
    def build(redis: aioredis.Redis) -> Senders:
        from bot.channel_state import ChannelState
        from bot.push import Push
        from bot.receipts import Receipts
        from channels.web_push import WebSender

        channels = sender_channels(settings)
        senders = Senders([WebSender(Push(redis))])
        if "telegram" in channels:
            from channels.telegram.channel import build_sender, make_bot

            senders.register(build_sender(make_bot(settings), redis, settings))
        if channels & {"sms", "whatsapp", "voice"}:
            from channels.twilio.messaging import Messenger, TwilioSender, status_callback_url
            from channels.twilio.voice_notice import NoticeCaller

            assert settings.twilio_account_sid and settings.twilio_auth_token
            messenger = Messenger(
                settings.twilio_account_sid, settings.twilio_auth_token,
                api_base=settings.twilio_api_base, sms_from=settings.twilio_sms_number,
                whatsapp_from=settings.twilio_whatsapp_number,
                status_callback=status_callback_url(settings.public_base_url),
            )  # fmt: skip
            state = ChannelState(redis, "twilio")
            for channel in sorted(channels & {"sms", "whatsapp"}):
                sender = TwilioSender(messenger, channel, Receipts(redis), state=state,
                                      templates=settings.whatsapp_template_ids)  # fmt: skip
                senders.register(sender)
            if "voice" in channels:
                assert settings.twilio_voice_number and settings.public_base_url
                senders.register(NoticeCaller(messenger, settings.twilio_voice_number,
                                              settings.public_base_url, state))  # fmt: skip
        return senders

    return build
