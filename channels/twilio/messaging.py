"""SMS and WhatsApp over Twilio: the messaging webhook, opt-out, outbound messages.

Inbound (POST /webhooks/twilio/messaging, signed): `From` is "+994…" for SMS and
"whatsapp:+994…" for WhatsApp; the conversation is "sms:<number>" or "whatsapp:<number>". The
sender's number identifies the person: the first message of a conversation also hands the engine
`Contact(phone, proof=carrier)`, so a booking does not ask for a phone number. The reply goes
back as TwiML `<Message>`, its choices as numbered lines:
- "1"…"N" pick choice N of the last reply; "0" asks for a person (the engine's hand-off point);
- STOP (and STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, DAYANDIR) opts the address out and START
  (UNSTOP, and the Azerbaijani word for start) back in — in the citizen registry
  (`bot.people`), which every sender respects; while opted out only START is answered.
  On a real Twilio number, Twilio's Advanced Opt-Out also handles STOP/START itself (and may
  answer them); the registry's opt-out is what this service respects for its own messages.
- A retry of the same MessageSid returns the same TwiML without a second engine turn.

Outbound messages (`Messenger.send`) go through Twilio's REST API with the async client
(`AsyncTwilioHttpClient`); `TWILIO_API_BASE` points it at another server (tests). Each one asks
for status callbacks at POST /webhooks/twilio/messaging/status, kept by the core's receipts
(`bot.receipts`). `TwilioSender` is the delivery `Sender` for "sms" and "whatsapp".

WhatsApp allows free text only within 24 hours of the person's last message (the session
window, noted on every inbound WhatsApp message). Outside it a message that names a template
(`Outbound.template`, e.g. a notice) goes as that approved template — its Content SID from
DOST_WHATSAPP_TEMPLATES, its values as content variables — or, with no approved template, is
not sent (a permanent error for this message: delivery takes the next channel). Other messages
are sent as they are; Twilio refuses them outside the window (error 63016), which delivery also
treats as "this message, not this address".

The channel's records, kept by the core's channel state (namespace "twilio"):
msg:choices:<conversation> (the last numbered choices), msg:known:<conversation>,
msg:reply:<MessageSid> (the cached TwiML), and the lock lock:<conversation>.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from fastapi import APIRouter, Request
from fastapi.responses import Response
from twilio.base.exceptions import TwilioRestException
from twilio.twiml.messaging_response import MessagingResponse

from bot.channel_state import ChannelState
from bot.delivery import SendResult
from bot.logs import get_logger
from bot.messages import ChatEngine, Choice, Command, Contact, Inbound, Outbound
from bot.people import People, Proof
from bot.receipts import Receipts
from bot.simulated import is_simulated
from channels.twilio import menu
from channels.twilio.security import Signatures, public_origin
from channels.twilio.texts import tx, words
from channels.twilio.twiml_http import TWIML_TYPE
from nlu.normalize import fold

if TYPE_CHECKING:
    import redis.asyncio as aioredis

log = get_logger("dost.twilio.messaging")

NAMESPACE = "twilio"
REPLY_TTL_SECONDS = 24 * 3600
WHATSAPP_WINDOW_SECONDS = 24 * 3600
# Twilio error codes that mean the number itself cannot take messages from us.
ADDRESS_GONE_CODES = {
    21211,  # invalid "To" number
    21408,  # region not enabled
    21610,  # the recipient replied STOP (carrier-level opt-out)
    21612,  # the "To" number cannot be reached
    21614,  # not a mobile number
    63003,  # WhatsApp: invalid destination
    63024,  # WhatsApp: invalid message recipient
}
# What a request to Twilio's REST API can fail with: its answer, or no answer at all.
SENDING_ERRORS = (TwilioRestException, TimeoutError, aiohttp.ClientError, OSError)


def failed_send(exc: BaseException) -> SendResult:
    """A failed request to Twilio as a delivery result: worth retrying (429, 5xx, no answer)
    or not, and whether the number itself cannot take messages from us."""
    if not isinstance(exc, TwilioRestException):
        return SendResult.transient(f"{type(exc).__name__}: {exc}")
    error = f"twilio {exc.status} {exc.code}: {exc.msg}"
    if exc.status == 429 or exc.status >= 500:
        return SendResult.transient(error)
    return SendResult.permanent(error, address_gone=exc.code in ADDRESS_GONE_CODES)


EngineGetter = Callable[[Request], ChatEngine]
RedisGetter = Callable[[Request], "aioredis.Redis"]


def window_name(address: str) -> str:
    """The record that a WhatsApp address wrote within the last 24 hours."""
    return f"msg:window:{address}"


def address_parts(address: str) -> tuple[str, str]:
    """("whatsapp", "+994…") for "whatsapp:+994…", ("sms", "+994…") for a plain number."""
    if address.startswith("whatsapp:"):
        return "whatsapp", address.removeprefix("whatsapp:")
    return "sms", address


class Messenger:
    """Outbound SMS and WhatsApp messages through Twilio's REST API (async client)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_base: str | None = None,
        sms_from: str | None = None,
        whatsapp_from: str | None = None,
        status_callback: str | None = None,
    ) -> None:
        from twilio.http.async_http_client import AsyncTwilioHttpClient
        from twilio.rest import Client

        # No pooled session: one is opened per request, so nothing is tied to an event loop.
        self.client = Client(
            account_sid, auth_token, http_client=AsyncTwilioHttpClient(pool_connections=False)
        )
        if api_base:
            self.client.api.base_url = api_base.rstrip("/")
        self.sms_from = sms_from
        self.whatsapp_from = whatsapp_from
        self.status_callback = status_callback
        self._lock: asyncio.Lock | None = None

    def _one_at_a_time(self) -> asyncio.Lock:
        if self._lock is None:  # made in the running loop
            self._lock = asyncio.Lock()
        return self._lock

    def can_send(self, to: str) -> bool:
        channel, _ = address_parts(to)
        return bool(self.whatsapp_from if channel == "whatsapp" else self.sms_from)

    def _from(self, to: str) -> str:
        channel, _ = address_parts(to)
        sender = self.whatsapp_from if channel == "whatsapp" else self.sms_from
        if not sender:
            raise RuntimeError(f"no Twilio number configured for {channel}")
        if channel == "whatsapp" and not sender.startswith("whatsapp:"):
            sender = f"whatsapp:{sender}"
        return sender

    async def _create(self, **fields: Any) -> str:
        if self.status_callback:
            fields["status_callback"] = self.status_callback
        # One request at a time per client: twilio's AsyncTwilioHttpClient keeps the last
        # response on the client, and a concurrent request can make another's come back None.
        async with self._one_at_a_time():
            message = await self.client.messages.create_async(**fields)
        return message.sid

    async def send(self, to: str, body: str) -> list[str]:
        """Send `body` (split into messages of at most 1600 characters); the message SIDs.
        Consent is the caller's to check (the registry's opt-outs); nothing is ever sent to a
        simulated number (the IVR simulator's)."""
        if is_simulated(to):
            log.info("outbound message not sent: simulated number")
            return []
        sender = self._from(to)
        sids = [await self._create(to=to, from_=sender, body=chunk)
                for chunk in menu.split_message(body)]  # fmt: skip
        log.info("outbound message sent", channel=address_parts(to)[0], messages=len(sids))
        return sids

    async def call(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        """Place an outbound call whose TwiML is at `url`; the call SID."""
        async with self._one_at_a_time():
            call = await self.client.calls.create_async(
                to=to, from_=from_, url=url, method="POST", status_callback=status_callback,
                status_callback_method="POST",
            )  # fmt: skip
        log.info("outbound call placed")
        return call.sid

    async def send_template(self, to: str, content_sid: str, values: dict[str, str]) -> str:
        """An approved template (Twilio's Content API): its SID and values."""
        variables = json.dumps(values, ensure_ascii=False)
        return await self._create(
            to=to, from_=self._from(to), content_sid=content_sid, content_variables=variables
        )


class TwilioSender:
    """The delivery `Sender` for SMS or WhatsApp (one instance per channel)."""

    def __init__(
        self,
        messenger: Messenger,
        channel: str,
        receipts: Receipts,
        *,
        state: ChannelState | None = None,
        templates: dict[str, str] | None = None,
    ) -> None:
        """`state` tells WhatsApp's session windows; `templates`: template name → Content SID."""
        self.messenger = messenger
        self.channel = channel
        self.receipts = receipts
        self.state = state
        self.templates = templates or {}

    async def _window_open(self, to: str) -> bool:
        return self.state is not None and await self.state.exists(window_name(to))

    async def send(self, address: str, message: Outbound) -> SendResult:
        to = address
        if self.channel == "whatsapp" and not to.startswith("whatsapp:"):
            to = f"whatsapp:{to}"
        template = None
        if self.channel == "whatsapp" and message.template and not await self._window_open(to):
            template = self.templates.get(message.template)
            if template is None:
                return SendResult.permanent(
                    f"outside WhatsApp's 24-hour window; no approved template "
                    f"{message.template!r}", address_gone=False
                )  # fmt: skip
        try:
            if template is not None:
                sids = [await self.messenger.send_template(to, template, message.template_values)]
            else:
                sids = await self.messenger.send(to, message.shown_text)
        except SENDING_ERRORS as exc:
            return failed_send(exc)
        for sid in sids:
            await self.receipts.record(
                sid, status="queued", channel=self.channel, direction="outbound"
            )
        return SendResult.delivered(*sids)


def _twiml(replies: list[str]) -> str:
    response = MessagingResponse()
    for text in replies:
        for chunk in menu.split_message(text):
            response.message(chunk)
    return str(response)


def _is_word(body: str, key: str) -> bool:
    folded = fold(body).strip().strip(".!")
    return bool(folded) and folded in {fold(w) for w in words(key)}


class MessagingChannel:
    def __init__(self, *, conversation_ttl_seconds: int = 7 * 24 * 3600) -> None:
        self.ttl = conversation_ttl_seconds

    async def handle(
        self, redis: aioredis.Redis, engine: ChatEngine, params: dict[str, str]
    ) -> str:
        address = params.get("From", "")
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        body = params.get("Body", "")
        channel, number = address_parts(address)
        conversation = f"{channel}:{number}"
        store = ChannelState(redis, NAMESPACE)
        reply = f"msg:reply:{sid}"
        async with store.lock(f"lock:{conversation}", timeout=30, blocking_timeout=30):
            if sid:
                cached = await store.get(reply)
                if cached is not None:
                    log.info("messaging retry answered from cache", channel=channel)
                    return cached
            twiml = await self._turn(redis, engine, channel, number, address, sid, body)
            if sid:
                await store.put(reply, twiml, REPLY_TTL_SECONDS)
        return twiml

    async def _turn(
        self,
        redis: aioredis.Redis,
        engine: ChatEngine,
        channel: str,
        number: str,
        address: str,
        sid: str,
        body: str,
    ) -> str:
        conversation = f"{channel}:{number}"
        people = People(redis)
        store = ChannelState(redis, NAMESPACE)
        if _is_word(body, "messaging.stop_words"):
            await people.opt_out(channel, address)
            log.info("opted out", channel=channel)
            return _twiml([tx("messaging.stopped")])
        if _is_word(body, "messaging.start_words"):
            await people.opt_in(channel, address)
            log.info("opted in", channel=channel)
            return _twiml([tx("messaging.started")])
        if await people.is_opted_out(channel, address):
            return _twiml([])

        def inbound(**kw: Any) -> Inbound:
            return Inbound(conversation_id=conversation, channel=channel, **kw)

        if channel == "whatsapp":  # free text may reach them for 24 hours
            await store.put(window_name(address), "1", WHATSAPP_WINDOW_SECONDS)
        if number.startswith("+") and await store.first_time(f"msg:known:{conversation}", self.ttl):
            # The sender's number identifies the person (as Telegram's shared contact does).
            proven = Contact(phone=number, proof=Proof.CARRIER, address=address)
            await engine.handle(inbound(contact=proven, message_id=f"{sid}:contact"))

        choices_name = f"msg:choices:{conversation}"
        choices = [Choice.model_validate(c) for c in await store.get_json(choices_name) or []]
        text = body.strip()
        if text.isdigit() and len(text) <= 2:
            n = int(text)
            if n == 0:
                person = next((c.id for c in choices if c.id in menu.PERSON_CHOICES), None)
                message = inbound(choice=person) if person else inbound(command=Command.PERSON)
            elif 1 <= n <= len(choices):
                message = inbound(choice=choices[n - 1].id)
            elif choices:
                return _twiml(
                    [menu.sms_text([Outbound(text=tx("messaging.invalid_number"))], choices)]
                )
            else:
                message = inbound(text=text)
        else:
            message = inbound(text=body)
        replies = await engine.handle(message.model_copy(update={"message_id": sid or None}))
        if not replies:
            return _twiml([])  # a duplicate the engine already answered
        offered = [c for r in replies for c in r.choices]
        await store.put_json(choices_name, [c.model_dump() for c in offered], self.ttl)
        return _twiml([menu.sms_text(replies, offered)])


def messaging_router(
    channel: MessagingChannel,
    signatures: Signatures,
    public_base_url: str | None,
    engine_getter: EngineGetter,
    redis_getter: RedisGetter,
) -> APIRouter:
    router = APIRouter(prefix="/webhooks/twilio/messaging", include_in_schema=False)

    @router.post("")
    async def incoming(request: Request) -> Response:
        params = await signatures.verify(request, public_base_url)
        twiml = await channel.handle(redis_getter(request), engine_getter(request), params)
        return Response(twiml, media_type=TWIML_TYPE)

    @router.post("/status")
    async def status(request: Request) -> Response:
        params = await signatures.verify(request, public_base_url)
        sid = params.get("MessageSid") or params.get("SmsSid")
        if sid:
            fields = {"status": params.get("MessageStatus") or params.get("SmsStatus") or ""}
            if params.get("ErrorCode"):
                fields["error_code"] = params["ErrorCode"]
            await Receipts(redis_getter(request)).record(sid, **fields)
        return Response(status_code=204)

    return router


def status_callback_url(public_base_url: str | None) -> str | None:
    return (
        f"{public_base_url.rstrip('/')}/webhooks/twilio/messaging/status"
        if public_base_url
        else None
    )


__all__ = ["MessagingChannel", "Messenger", "TwilioSender", "messaging_router", "public_origin"]
