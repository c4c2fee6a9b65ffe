"""Notices by phone: an outbound Twilio call that plays the notice in Azerbaijani (audio
prompts, as the phone line's), then the keys: 1 — heard, 2 — again. Key 1, or listening to the
end, counts as delivered (the notice is acknowledged); key 2 or any other key plays it again. A
call nobody answered, or that ended before the end of the notice, was not delivered: the notice
goes on to its next channel.

- `NoticeCaller` is the delivery `Sender` for "voice": it keeps the call's text under a random
  token (the core's channel state) and asks Twilio to call, with the token in the webhook URLs.
- The webhooks (signed by Twilio, 403 otherwise), under /webhooks/twilio/voice/notice:
  `?n=TOKEN` the call's TwiML; `/key?n=TOKEN` the key pressed; `/end?n=TOKEN` played to the
  end; `/status?n=TOKEN` Twilio's status callback.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from twilio.twiml.voice_response import Gather, VoiceResponse

from bot.catalog import t
from bot.channel_state import ChannelState
from bot.delivery import SendResult
from bot.logs import get_logger
from bot.messages import Outbound
from bot.notices.texts import ACK_PREFIX
from bot.simulated import is_simulated
from channels.twilio.audio import AudioPrompts
from channels.twilio.messaging import SENDING_ERRORS, Messenger, failed_send
from channels.twilio.security import Signatures
from channels.twilio.twiml_http import twiml_response
from channels.twilio.voice_speech import speakable
from channels.twilio.voice_twiml import SAY_FALLBACK_LANGUAGE

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from bot.notices.ack import Acknowledgements

log = get_logger("dost.twilio.notice_call")

CHANNEL = "voice"
NAMESPACE = "twilio"
CALL_TTL_SECONDS = 3 * 24 * 3600
KEY_TIMEOUT_SECONDS = 5
PATH = "/webhooks/twilio/voice/notice"
ENDED = ("completed", "busy", "failed", "no-answer", "canceled")


def _record(token: str) -> str:
    return f"notice-call:{token}"


class NoticeCaller:
    """The delivery `Sender` for "voice": a call that plays the notice."""

    channel = CHANNEL

    def __init__(
        self, messenger: Messenger, from_number: str, public_base_url: str, state: ChannelState
    ) -> None:
        self.messenger = messenger
        self.from_number = from_number
        self.base = public_base_url.rstrip("/")
        self.state = state

    async def send(self, address: str, message: Outbound) -> SendResult:
        if is_simulated(address):
            return SendResult.permanent("simulated number", address_gone=False)
        token = secrets.token_urlsafe(16)
        notice = next((c.id.removeprefix(ACK_PREFIX) for c in message.choices
                       if c.id.startswith(ACK_PREFIX)), None)  # fmt: skip
        record = {"text": message.text, "notice": notice, "to": address}
        await self.state.put_json(_record(token), record, CALL_TTL_SECONDS)
        try:
            sid = await self.messenger.call(
                to=address, from_=self.from_number, url=f"{self.base}{PATH}?n={token}",
                status_callback=f"{self.base}{PATH}/status?n={token}",
            )  # fmt: skip
        except SENDING_ERRORS as exc:
            return failed_send(exc)
        await self.state.put(f"{_record(token)}:sid", sid, CALL_TTL_SECONDS)
        return SendResult.delivered(sid)


class NoticeCalls:
    """The call's side: its TwiML, the keys, how it ended."""

    def __init__(self, audio: AudioPrompts) -> None:
        self.audio = audio

    async def _speak(self, target: Any, texts: list[str], base: str) -> None:
        spoken = [s for s in (speakable(text) for text in texts) if s]
        keys = await asyncio.gather(*(self.audio.ensure(s) for s in spoken))
        for text, key in zip(spoken, keys, strict=True):
            if key is not None:
                target.play(f"{base}/audio/{key}.wav")
            else:
                target.say(text, language=SAY_FALLBACK_LANGUAGE)

    async def play(self, record: dict[str, Any], token: str, base: str) -> str:
        """The notice, then the keys; played to the end without a key: /end."""
        response = VoiceResponse()
        gather = Gather(num_digits=1, timeout=KEY_TIMEOUT_SECONDS, method="POST",
                        action=f"{base}{PATH}/key?n={token}", input="dtmf")  # fmt: skip
        await self._speak(gather, [record["text"], t("notice.voice.keys")], base)
        response.append(gather)
        response.redirect(f"{base}{PATH}/end?n={token}", method="POST")
        return str(response)

    async def goodbye(self, base: str) -> str:
        response = VoiceResponse()
        await self._speak(response, [t("notice.voice.thanks")], base)
        response.hangup()
        return str(response)


def notice_call_router(
    calls: NoticeCalls,
    signatures: Signatures,
    public_base_url: str | None,
    redis_getter: Callable[[Request], aioredis.Redis],
    acknowledgements_getter: Callable[[Request], Acknowledgements | None],
) -> APIRouter:
    from channels.twilio.security import public_origin

    router = APIRouter(prefix=PATH, include_in_schema=False)

    async def call_of(request: Request) -> tuple[dict[str, str], str, dict[str, Any] | None]:
        params = await signatures.verify(request, public_base_url)
        token = request.query_params.get("n", "")
        store = ChannelState(redis_getter(request), NAMESPACE)
        record = await store.get_json(_record(token)) if token else None
        return params, token, record

    def twiml(body: str) -> Response:
        return twiml_response(body)

    async def heard(request: Request, token: str, record: dict[str, Any]) -> None:
        store = ChannelState(redis_getter(request), NAMESPACE)
        await store.put(f"{_record(token)}:heard", "1", CALL_TTL_SECONDS)
        acks = acknowledgements_getter(request)
        if acks is not None and record.get("notice"):
            await acks.read(record["notice"], CHANNEL, record["to"])

    @router.post("")
    async def answered(request: Request) -> Response:
        _, token, record = await call_of(request)
        base = public_origin(request, public_base_url)
        if record is None:
            return twiml(await calls.goodbye(base))
        return twiml(await calls.play(record, token, base))

    @router.post("/key")
    async def key(request: Request) -> Response:
        params, token, record = await call_of(request)
        base = public_origin(request, public_base_url)
        if record is None:
            return twiml(await calls.goodbye(base))
        if params.get("Digits") == "1":  # heard
            await heard(request, token, record)
            return twiml(await calls.goodbye(base))
        return twiml(await calls.play(record, token, base))  # 2 (again) or another key

    @router.post("/end")
    async def end(request: Request) -> Response:
        _, token, record = await call_of(request)
        base = public_origin(request, public_base_url)
        if record is not None:  # played to the end: that counts as heard
            await heard(request, token, record)
        return twiml(await calls.goodbye(base))

    @router.post("/status")
    async def status(request: Request) -> Response:
        params, token, record = await call_of(request)
        ended = params.get("CallStatus", "")
        if record is None or ended not in ENDED or not record.get("notice"):
            return Response(status_code=204)
        store = ChannelState(redis_getter(request), NAMESPACE)
        if not await store.exists(f"{_record(token)}:heard"):
            acks = acknowledgements_getter(request)
            reason = ("the call ended before the notice was heard" if ended == "completed"
                      else f"call {ended}")  # fmt: skip
            if acks is not None:
                await acks.unheard(record["notice"], reason)
        return Response(status_code=204)

    return router
