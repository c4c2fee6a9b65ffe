"""The phone line (IVR) on Twilio Voice: the call flow, from a webhook's parameters to its TwiML.

An incoming call: the caller's number (`From`) identifies the person, so the engine gets
`Contact(phone=From, proof=carrier)` once and booking look-ups work; the conversation is
"voice:<CallSid>". Then each step is a key, speech or nothing (a timeout): 1–9 pick a choice
(menu.py: pages of 8 plus 9 = next when there are more than 9), 0 = a person (`<Dial>` to
DOST_CALL_CENTER_NUMBER, after telling the engine's hand-off point), * = repeat, # = the main
menu (the engine's "main" choice when the menu has one, else the engine's main-menu command).
Speech goes through the NLU, except a choice's own title or a digit's name ("iki"), which pick
that choice. Long content is read briefly with "1 – the full text by SMS". Silence or a key that
is not in the menu: the prompt again, twice; then "0 for a person, or the call ends"; then goodbye.

Retries: each request carries `seq`; the TwiML answered for (CallSid, seq) is kept and a retried
webhook gets it back without another engine turn (and `Inbound.message_id` is "<CallSid>:<seq>",
so the engine would not repeat the turn either). A request for any other seq than the expected
one replays the current prompt and changes nothing.

The parts: voice_screen (Screen, Reply, the engine's replies for the ear), voice_keys (what a
key or word means on a screen), voice_twiml (Reply → TwiML with the audio prompts), voice_routes
(the signed FastAPI webhooks).

The call's records, kept by the core's channel state (namespace "twilio"):
call:<CallSid>:screen (what is being offered), …:twiml:<seq>, …:status, …:events (the call's
transcript), and the lock lock:voice:<CallSid>.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.channel_state import ChannelState
from bot.logs import get_logger
from bot.messages import ChatEngine, Command, Contact, Inbound
from bot.people import People, Proof
from bot.receipts import Receipts
from channels.twilio import menu, voice_keys, voice_twiml
from channels.twilio.audio import AudioPrompts
from channels.twilio.messaging import Messenger
from channels.twilio.texts import tx
from channels.twilio.voice_screen import Reply, Screen, from_engine
from channels.twilio.voice_twiml import speech_hints

if TYPE_CHECKING:
    import redis.asyncio as aioredis

# speech_hints lives in voice_twiml; its old import path still works.
__all__ = ["VoiceChannel", "call_event_count", "call_events", "speech_hints"]

log = get_logger("dost.twilio.voice")

NAMESPACE = "twilio"
CALL_TTL_SECONDS = 4 * 3600
EVENTS_LIMIT = 500


class VoiceChannel:
    def __init__(
        self,
        audio: AudioPrompts,
        *,
        call_center_number: str = "142",
        messenger: Messenger | None = None,
        hints: Sequence[str] = (),
        channel: str = "voice",
    ) -> None:
        self.channel = channel  # the IVR simulator's own copy says "simulator"
        self.audio = audio
        self.call_center = call_center_number
        self.messenger = messenger
        self.hints = list(hints)

    # --- the webhooks ------------------------------------------------------------------------

    async def incoming(
        self, redis: aioredis.Redis, engine: ChatEngine, params: dict[str, str], base: str
    ) -> str:
        sid = params.get("CallSid", "")
        async with self._lock(redis, sid):
            cached = await ChannelState(redis, NAMESPACE).get(_name(sid, "twiml:0"))
            if cached is not None:
                return cached
            await self._event(redis, sid, "call", from_=_masked(params.get("From", "")))
            reply = await self._start(engine, sid, params.get("From", ""), seq=1)
            return await self._finish(redis, sid, 0, reply, base)

    async def gather(
        self, redis: aioredis.Redis, engine: ChatEngine, params: dict[str, str], seq: int, base: str
    ) -> str:
        return await self._step(redis, engine, params, seq, base, self._on_gather)

    async def dial_ended(
        self, redis: aioredis.Redis, engine: ChatEngine, params: dict[str, str], seq: int, base: str
    ) -> str:
        return await self._step(redis, engine, params, seq, base, self._on_dial_ended)

    async def status(self, redis: aioredis.Redis, params: dict[str, str]) -> None:
        sid = params.get("CallSid", "")
        if not sid:
            return
        fields = {
            "status": params.get("CallStatus", ""),
            "updated_at": datetime.now(UTC).isoformat(),
        }
        if params.get("CallDuration"):
            fields["duration"] = params["CallDuration"]
        ended = fields["status"] in ("completed", "busy", "failed", "no-answer", "canceled")
        await ChannelState(redis, NAMESPACE).update(
            _name(sid, "status"), fields, CALL_TTL_SECONDS,
            delete=[_name(sid, "screen")] if ended else [],  # the TwiML cache stays for retries
        )  # fmt: skip
        await self._event(redis, sid, "status", status=fields["status"])

    # --- one step ----------------------------------------------------------------------------

    async def _step(
        self,
        redis: aioredis.Redis,
        engine: ChatEngine,
        params: dict[str, str],
        seq: int,
        base: str,
        handler: Callable[..., Awaitable[Reply]],
    ) -> str:
        sid = params.get("CallSid", "")
        store = ChannelState(redis, NAMESPACE)
        async with self._lock(redis, sid):
            cached = await store.get(_name(sid, f"twiml:{seq}"))
            if cached is not None:
                log.info("voice retry answered from cache", seq=seq)
                return cached
            raw = await store.get(_name(sid, "screen"))
            if raw is None:  # an unknown or expired call: start over
                reply = await self._start(engine, sid, params.get("From", ""), seq=seq + 1)
                return await self._finish(redis, sid, seq, reply, base)
            screen = Screen.model_validate_json(raw)
            if seq != screen.seq:  # a stale or forged step: say the current prompt again
                log.info("voice step out of sequence", seq=seq, expected=screen.seq)
                return await self._render(Reply(screen=screen), base)
            screen.seq = seq + 1
            reply = await handler(redis, engine, sid, params, screen, seq)
            return await self._finish(redis, sid, seq, reply, base)

    async def _on_gather(self, redis, engine, sid, params, screen: Screen, seq: int) -> Reply:
        digits = params.get("Digits", "").strip()
        speech = params.get("SpeechResult", "").strip()
        conversation = f"{self.channel}:{sid}"
        mid = f"{sid}:{seq}"

        async def ask(**kw: object) -> Reply:
            inbound = Inbound(
                conversation_id=conversation, channel=self.channel, message_id=mid, **kw
            )
            return from_engine(await engine.handle(inbound), screen)

        if digits:
            await self._event(redis, sid, "caller", digits=digits)
        elif speech:
            await self._event(redis, sid, "caller", speech=speech)

        if screen.mode != "menu" and digits and digits not in ("*", "0"):
            return await ask(text=digits.rstrip("#"))
        if digits == "*":
            screen.misses = 0
            return Reply(screen=screen)
        if digits == "#":
            if any(c.id in menu.MAIN_CHOICES for c in screen.choices):
                return await ask(choice=menu.MAIN_CHOICE)
            return await ask(command=Command.MAIN_MENU)
        if digits == "0":
            return await self._person(ask, screen)
        if digits:
            entry = voice_keys.pressed(screen, digits)
            if entry is None:
                return voice_keys.missed(screen, tx("voice.invalid_key"))
            return await self._pick(redis, ask, sid, params, screen, entry)
        if speech:
            entry = voice_keys.spoken(screen, speech)
            if entry is not None:
                return await self._pick(redis, ask, sid, params, screen, entry)
            return await ask(text=speech)
        return voice_keys.missed(screen, tx("voice.not_heard"))

    async def _on_dial_ended(self, redis, engine, sid, params, screen: Screen, seq: int) -> Reply:
        status = params.get("DialCallStatus", "")
        await self._event(redis, sid, "dial_ended", status=status)
        if status in ("completed", "answered"):
            return Reply(goodbye=True)
        screen.misses = 0
        return Reply(prefix=[tx("voice.dial_failed")], screen=screen)

    async def _start(self, engine: ChatEngine, sid: str, caller: str, seq: int) -> Reply:
        conversation = f"{self.channel}:{sid}"
        if _is_number(caller):
            inbound = Inbound(
                conversation_id=conversation,
                channel=self.channel,
                contact=Contact(phone=caller, proof=Proof.CARRIER, address=caller),
                message_id=f"{sid}:start",
            )
        else:  # a hidden number: no identity, just the main menu
            inbound = Inbound(
                conversation_id=conversation,
                channel=self.channel,
                command=Command.MAIN_MENU,
                message_id=f"{sid}:start",
            )
        replies = await engine.handle(inbound)
        choices = [c for r in replies for c in r.choices]
        # The engine's acknowledgement of the number is for chats; a caller hears a welcome.
        can_sms = (
            _is_number(caller) and self.messenger is not None and self.messenger.can_send(caller)
        )
        return Reply(
            screen=Screen(seq=seq, texts=[tx("voice.welcome")], choices=choices, can_sms=can_sms)
        )

    async def _person(self, ask, screen: Screen) -> Reply:
        """0: tell the engine's hand-off point (live operators plug in there), then dial."""
        person = next((c.id for c in screen.choices if c.id in menu.PERSON_CHOICES), None)
        reply = await (ask(choice=person) if person else ask(command=Command.PERSON))
        if not reply.dial:  # the engine did not hear it as a request for a person: 0 still is
            reply = Reply(
                screen=Screen(seq=screen.seq, choices=screen.choices, can_sms=screen.can_sms),
                dial=True,
            )
        return reply

    async def _pick(self, redis, ask, sid, params, screen: Screen, entry: menu.Entry) -> Reply:
        screen.misses = 0
        if entry.value == menu.NEXT_PAGE:
            screen.page += 1
            return Reply(screen=screen)
        if entry.value == menu.SMS_OFFER:
            return await self._send_full_text(redis, sid, params, screen)
        return await ask(choice=entry.value)

    async def _send_full_text(
        self, redis, sid: str, params: dict[str, str], screen: Screen
    ) -> Reply:
        text, screen.full_text = screen.full_text or "", None  # sent once; the offer is gone
        caller = params.get("From", "")
        try:
            if await People(redis).is_opted_out("sms", caller):
                raise RuntimeError("the caller opted out of SMS")  # STOP / DAYANDIR earlier
            if self.messenger is not None:  # never to a simulated number (Messenger refuses)
                receipts = Receipts(redis)
                for message_sid in await self.messenger.send(caller, text):
                    await receipts.record(message_sid, status="queued", channel="sms",
                                          direction="outbound")  # fmt: skip
            else:
                raise RuntimeError("no messenger")
        except Exception as exc:
            log.warning("SMS from a call failed", error=f"{type(exc).__name__}: {exc}")
            return Reply(prefix=[tx("voice.sms_failed")], screen=screen, menu_only=True)
        await self._event(redis, sid, "sms", text=text)
        return Reply(prefix=[tx("voice.sms_sent")], screen=screen, menu_only=True)

    # --- the answer ----------------------------------------------------------------------------

    async def _finish(self, redis, sid: str, seq: int, reply: Reply, base: str) -> str:
        said: list[str] = []
        twiml = await self._render(reply, base, said)
        put = {_name(sid, f"twiml:{seq}"): (twiml, CALL_TTL_SECONDS)}
        gone: list[str] = []
        if reply.screen is not None and not reply.goodbye:
            put[_name(sid, "screen")] = (reply.screen.model_dump_json(), CALL_TTL_SECONDS)
        else:
            gone.append(_name(sid, "screen"))
        await ChannelState(redis, NAMESPACE).write(put, gone)
        if said:
            await self._event(redis, sid, "prompt", texts=said)
        if reply.dial:
            await self._event(redis, sid, "dial", number=self.call_center)
        elif reply.goodbye:
            await self._event(redis, sid, "hangup")
        return twiml

    async def _render(self, reply: Reply, base: str, said: list[str] | None = None) -> str:
        return await voice_twiml.render(
            reply, base, audio=self.audio, call_center=self.call_center, hints=self.hints, said=said
        )

    # --- the call's records --------------------------------------------------------------------

    @staticmethod
    def _lock(redis: aioredis.Redis, sid: str):
        return ChannelState(redis, NAMESPACE).lock(
            f"lock:voice:{sid}", timeout=60, blocking_timeout=60
        )

    async def _event(self, redis: aioredis.Redis, sid: str, kind: str, **data: object) -> None:
        entry = {
            "at": datetime.now(UTC).isoformat(),
            "kind": kind,
            **{k.rstrip("_"): v for k, v in data.items()},
        }
        await ChannelState(redis, NAMESPACE).append(
            _name(sid, "events"), entry, limit=EVENTS_LIMIT, ttl=CALL_TTL_SECONDS
        )


def _name(sid: str, part: str) -> str:
    return f"call:{sid}:{part}"


async def call_events(redis: aioredis.Redis, sid: str, start: int = 0) -> list[dict]:
    """The call's transcript as the caller experienced it (prompts, keys, speech, SMS, dial)."""
    return await ChannelState(redis, NAMESPACE).entries(_name(sid, "events"), start)


async def call_event_count(redis: aioredis.Redis, sid: str) -> int:
    return await ChannelState(redis, NAMESPACE).count(_name(sid, "events"))


def _is_number(caller: str) -> bool:
    return caller.startswith("+") and caller[1:].isdigit() and 8 <= len(caller) <= 16


def _masked(number: str) -> str:
    return f"***{number[-2:]}" if _is_number(number) else "hidden"
