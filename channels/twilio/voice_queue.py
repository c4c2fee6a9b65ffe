"""A caller waiting for a live operator (bot/operators/calls.py), on Twilio's queues. Each
webhook is signed like the line's others (403 otherwise):

- POST /webhooks/twilio/voice/queue/wait — the `<Enqueue>`'s wait URL, each loop: the caller's
  place and estimated wait (the desk's, as a chat's), and a key for a callback instead (the
  place in the queue is kept; the caller leaves the line);
- POST …/queue/key — that key;
- POST …/queue/result — the `<Enqueue>` action: QueueResult and QueueTime are stored on the
  hand-off; a caller who hung up while waiting abandoned it (counted by `dost report`);
- POST …/queue/connect?operator=NAME — an operator took the call (`TwilioBridge` moved the
  caller here): `<Dial>` to their number or SIP address, or their browser client, with a
  whisper that reads the context to the operator first;
- POST …/queue/whisper?conversation=… — that whisper (the operator's leg, before bridging);
- POST …/queue/bridged — how the call to the operator ended: the hand-off is closed (or, not
  answered, ended and the caller put through to the call center).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from bot.catalog import t
from bot.logs import get_logger
from bot.operators.calls import call_sid_of
from bot.operators.desk import minutes_of
from channels.twilio import voice_twiml
from channels.twilio.audio import AudioPrompts
from channels.twilio.security import Signatures, public_origin
from channels.twilio.texts import tx
from channels.twilio.twiml_http import twiml_response
from channels.twilio.voice import is_number

if TYPE_CHECKING:
    from bot.operators.accounts import Account
    from bot.operators.desk import Desk, Placement

log = get_logger("dost.twilio.queue")

PREFIX = "/webhooks/twilio/voice/queue"
CALLBACK_KEY = "1"
KEY_TIMEOUT_SECONDS = 5
HOLD_SECONDS = 20  # silence between two announcements of the place in the queue
OPERATOR_RING_SECONDS = 30
ASKED_CHARS = 120  # what the caller asked, read to the operator: one prompt's worth

Params = dict[str, str]
EngineGetter = Callable[[Request], Any]


class CallQueue:
    """What a waiting caller and the operator who takes the call hear."""

    def __init__(self, audio: AudioPrompts, *, call_center_number: str = "142") -> None:
        self.audio = audio
        self.call_center = call_center_number

    async def _say(self, target: Any, texts: list[str], base: str) -> None:
        await voice_twiml.play(target, texts, audio=self.audio, base=base, said=[])

    # --- the caller ----------------------------------------------------------------------------

    async def wait(self, desk: Desk, params: Params, base: str) -> str:
        """One wait loop: where the caller stands, then a key for a callback, then a pause."""
        conversation = f"voice:{params.get('CallSid', '')}"
        await desk.queue.mark(conversation, queue_sid=params.get("QueueSid", ""), twiml_base=base)
        placement = await desk.placement(conversation)
        response = VoiceResponse()
        if placement.status not in ("queued", "offered", "assigned"):
            response.leave()  # the hand-off ended meanwhile (closed, abandoned)
            return str(response)
        if placement.status != "queued":
            await self._say(response, [tx("voice.queue_connecting")], base)
            response.pause(length=HOLD_SECONDS)
            return str(response)
        texts = [position_text(placement)]
        if is_number(params.get("From", "")):
            gather = Gather(
                input="dtmf",
                num_digits=1,
                timeout=KEY_TIMEOUT_SECONDS,
                action=f"{base}{PREFIX}/key",
                method="POST",
            )
            await self._say(gather, [*texts, tx("voice.queue_callback_offer", digit=CALLBACK_KEY)],
                            base)  # fmt: skip
            response.append(gather)
        else:  # a hidden number cannot be called back
            await self._say(response, texts, base)
        response.pause(length=HOLD_SECONDS)
        return str(response)

    async def key(self, desk: Desk, params: Params, base: str) -> str:
        """The callback key: a task for the console, the place kept; the caller leaves."""
        conversation = f"voice:{params.get('CallSid', '')}"
        caller = params.get("From", "")
        response = VoiceResponse()
        record = await desk.handoff(conversation)
        if params.get("Digits") != CALLBACK_KEY or not is_number(caller) or not record:
            return str(response)  # back to the wait URL's loop
        task = await desk.request_callback(
            conversation,
            phone=caller,
            preferred=t("live.callback_asap"),
            reason=record.get("reason", ""),
            service=record.get("service") or None,
        )
        log.info("callback instead of waiting", conversation=conversation, task=task)
        response.leave()
        return str(response)

    async def result(self, desk: Desk, params: Params, base: str) -> str:
        """How waiting ended: stored; a hang-up is an abandoned hand-off."""
        conversation = f"voice:{params.get('CallSid', '')}"
        result = params.get("QueueResult", "")
        try:
            seconds = int(params.get("QueueTime", "0"))
        except ValueError:
            seconds = 0
        abandoned = await desk.call_left_queue(conversation, result, seconds)
        log.info("call left the queue", conversation=conversation, result=result,
                 seconds=seconds, abandoned=abandoned)  # fmt: skip
        response = VoiceResponse()
        record = await desk.handoff(conversation)
        if result == "leave" and record.get("callback"):
            await self._say(response, [tx("voice.queue_callback_done"), tx("voice.goodbye")], base)
            response.hangup()
        elif result in ("error", "system-error", "queue-full"):
            await self._say(response, [tx("voice.operator_unavailable")], base)
            response.dial(self.call_center)
        elif result in ("leave", "bridged"):
            await self._say(response, [tx("voice.goodbye")], base)
            response.hangup()
        return str(response)  # hangup, redirected: nobody hears it

    # --- the operator --------------------------------------------------------------------------

    async def connect(self, desk: Desk, params: Params, operator: str, base: str) -> str:
        """The caller, taken out of the queue: rung through to the operator who took it."""
        conversation = f"voice:{params.get('CallSid', '')}"
        record = await desk.handoff(conversation)
        account = await desk.accounts.get(operator)
        response = VoiceResponse()
        if account is None or record.get("operator") != operator:  # not theirs (any more)
            await self._say(response, [tx("voice.operator_unavailable")], base)
            response.dial(self.call_center)
            return str(response)
        await self._say(response, [tx("voice.queue_connecting")], base)
        whisper = f"{base}{PREFIX}/whisper?conversation={conversation}"
        dial = Dial(action=f"{base}{PREFIX}/bridged", method="POST",
                    timeout=OPERATOR_RING_SECONDS)  # fmt: skip
        dial_operator(dial, account, whisper)
        response.append(dial)
        return str(response)

    async def whisper(self, desk: Desk, conversation: str, names: dict[str, str], base: str) -> str:
        """Read to the operator before the caller is bridged: the service, what was asked, the
        proven number (masked)."""
        record = await desk.handoff(conversation)
        await desk.queue.mark_once(conversation, "first_reply_at", desk.now_ms())
        service = names.get(record.get("service", ""), "")
        texts = [tx("voice.whisper_intro")]
        tail = "".join(ch for ch in record.get("caller", "") if ch.isdigit())
        if tail:
            texts.append(tx("voice.whisper_number", tail=tail))
        if service:
            texts.append(tx("voice.whisper_service", service=service))
        asked = (record.get("asked") or "")[:ASKED_CHARS]
        if asked:
            texts.append(tx("voice.whisper_asked", asked=asked))
        response = VoiceResponse()
        await self._say(response, texts, base)
        return str(response)

    async def bridged(self, desk: Desk, params: Params, base: str) -> str:
        """The call with the operator ended: the hand-off is closed (the operator's seat is
        free again); if they did not answer, it ends and the caller goes to the call center."""
        conversation = f"voice:{params.get('CallSid', '')}"
        record = await desk.handoff(conversation)
        response = VoiceResponse()
        if params.get("DialCallStatus") in ("completed", "answered"):
            if record.get("operator"):
                await desk.close(conversation, record["operator"])
            await self._say(response, [tx("voice.goodbye")], base)
            response.hangup()
        else:
            await desk.leave_queue(conversation)
            await self._say(response, [tx("voice.operator_unavailable")], base)
            response.dial(self.call_center)
        return str(response)


def position_text(placement: Placement) -> str:
    ahead = max(0, (placement.position or 1) - 1)
    if placement.estimate_seconds is None:
        return tx("voice.queue_unknown", ahead=ahead) if ahead else tx("voice.queue_first_unknown")
    minutes = minutes_of(placement.estimate_seconds)
    if ahead == 0:
        return tx("voice.queue_first", minutes=minutes)
    return tx("voice.queue_position", ahead=ahead, minutes=minutes)


def dial_operator(dial: Dial, account: Account, whisper: str) -> None:
    """The operator's number, SIP address or (no phone) browser client, with the whisper."""
    phone = account.phone or ""
    if phone.startswith("sip:"):
        dial.sip(phone, url=whisper, method="POST")
    elif phone:
        dial.number(phone, url=whisper, method="POST")
    else:
        dial.client(identity=account.name, url=whisper, method="POST")


class TwilioBridge:
    """The desk's `CallBridge` on Twilio's REST API: the waiting caller is moved to the connect
    webhook: by redirecting the call (an operator with a phone or SIP address), or by
    dequeuing the queue member (an operator answering in the browser)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_base: str | None = None,
        public_base_url: str | None = None,
    ) -> None:
        from twilio.http.async_http_client import AsyncTwilioHttpClient
        from twilio.rest import Client

        self.client = Client(
            account_sid, auth_token, http_client=AsyncTwilioHttpClient(pool_connections=False)
        )
        if api_base:
            self.client.api.base_url = api_base.rstrip("/")
        self.public_base_url = public_base_url

    async def connect(self, conversation: str, record: dict[str, str], account: Account) -> bool:
        base = (self.public_base_url or record.get("twiml_base") or "").rstrip("/")
        call_sid = call_sid_of(conversation)
        if not base or not call_sid:
            return False
        url = f"{base}{PREFIX}/connect?operator={account.name}"
        if account.phone:
            await self.client.calls(call_sid).update_async(url=url, method="POST")
        elif record.get("queue_sid"):
            member = self.client.queues(record["queue_sid"]).members(call_sid)
            await member.update_async(url=url, method="POST")
        else:
            return False
        return True


def queue_router(
    queue: CallQueue,
    signatures: Signatures,
    public_base_url: str | None,
    engine_getter: EngineGetter,
) -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    async def answer(
        request: Request, step: Callable[[Desk, Params, str], Awaitable[str]]
    ) -> Response:
        params = await signatures.verify(request, public_base_url)
        base = public_origin(request, public_base_url)
        desk = getattr(engine_getter(request), "desk", None)
        if desk is None:  # no live operators: nothing waits in a queue
            body = str(VoiceResponse().leave())
        else:
            body = await step(desk, params, base)
        return twiml_response(body)

    @router.post("/wait")
    async def wait(request: Request) -> Response:
        return await answer(request, queue.wait)

    @router.post("/key")
    async def key(request: Request) -> Response:
        return await answer(request, queue.key)

    @router.post("/result")
    async def result(request: Request) -> Response:
        return await answer(request, queue.result)

    @router.post("/connect")
    async def connect(request: Request) -> Response:
        operator = request.query_params.get("operator", "")
        return await answer(
            request, lambda desk, params, base: queue.connect(desk, params, operator, base)
        )

    @router.post("/whisper")
    async def whisper(request: Request) -> Response:
        conversation = request.query_params.get("conversation", "")
        engine = engine_getter(request)
        names = {sid: f.name for sid, f in getattr(engine, "flows", {}).items()}
        return await answer(
            request, lambda desk, params, base: queue.whisper(desk, conversation, names, base)
        )

    @router.post("/bridged")
    async def bridged(request: Request) -> Response:
        return await answer(request, queue.bridged)

    return router
