"""What a caller or an SMS/WhatsApp sender gets while the service's store (Redis) is away: the
polite "temporary problem" text as TwiML (dost/errors.py answers with it)."""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from bot.catalog import t
from channels.twilio.voice_twiml import SAY_FALLBACK_LANGUAGE
from channels.twilio.voice_wording import say_instead


def voice_apology() -> str:
    """Said with Twilio's voice (rendering our own audio may need the store) and the line
    closes."""
    response = VoiceResponse()
    response.say(say_instead()["technical_problem"], language=SAY_FALLBACK_LANGUAGE)
    response.hangup()
    return str(response)


def message_apology() -> str:
    response = MessagingResponse()
    response.message(t("technical_problem"))
    return str(response)
