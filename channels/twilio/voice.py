"""The phone line (IVR) on Twilio Voice: the call flow, from a webhook's parameters to its TwiML.

An incoming call: the caller's number (`From`) identifies the person, so the engine gets
`Contact(phone=From, proof=carrier)` once and booking look-ups work; the conversation is
"voice:<CallSid>". The welcome invites the caller to say the question; keys are the other way.
Each step is then speech, a key or nothing (a timeout). Speech goes to the engine as text,
unless it is an option's own title or a key's name ("iki"). A key means the same in every menu
(menu.KEYS): 1–4 the options read out, 5 more options, 0 a person (the engine's hand-off
point: with live operators on duty it asks first, then the caller waits in their queue,
voice_queue.py; outside their hours it offers a callback; without them `<Dial>` to
DOST_CALL_CENTER_NUMBER), * repeat, # the main menu
(the engine's "main" choice when the menu has one, else its main-menu command), 9 end the call.
Every engine turn runs in the phone's wording of the core's texts (voice_wording: "say", never
"type"), and each of its texts is fitted into one prompt on its own audio: a long one is read
briefly and "the full text by SMS" becomes the first option. Silence or a key that is not in the
menu: the prompt again, twice; then "0 for a person, or the call ends"; then goodbye.

Retries: each request carries `seq`; the TwiML answered for (CallSid, seq) is kept and a retried
webhook gets it back without another engine turn (and `Inbound.message_id` is "<CallSid>:<seq>",
so the engine would not repeat the turn either). A request for any other seq than the expected
one replays the current prompt and changes nothing.

The parts: voice_screen (Screen, Reply, the engine's replies for the ear), voice_keys (what a
key or word means on a screen), voice_speech (text for the ear: spoken codes, durations, brief
readings), voice_wording (the phone's wording of core texts), voice_twiml (Reply → TwiML with
the audio prompts), voice_calls (the call's records and transcript), voice_routes (the signed
FastAPI webhooks).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.choices import ChoiceId, Pick
from bot.logs import get_logger
from bot.messages import ChatEngine, Command, Contact, Inbound, Outbound
from bot.people import People, Proof
from bot.receipts import Receipts
from channels.twilio import menu, voice_keys, voice_speech, voice_twiml
from channels.twilio.audio import AudioPrompts
from channels.twilio.messaging import Messenger
from channels.twilio.texts import tx
from channels.twilio.voice_calls import CallRecords, call_events
from channels.twilio.voice_screen import Reply, Screen, from_engine
from channels.twilio.voice_twiml import speech_hints
from channels.twilio.voice_wording import phone_wording

if TYPE_CHECKING:
    import redis.asyncio as aioredis

__all__ = ["VoiceChannel", "speech_hints"]  # speech_hints: its old import path still works

log = get_logger("dost.twilio.voice")

Params = dict[str, str]  # a webhook's form fields
Ask = Callable[..., Awaitable[Reply]]  # one engine turn for this step: ask(text=…), ask(choice=…)
Handler = Callable[[CallRecords, ChatEngine, Params, Screen, int], Awaitable[Reply]]


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
        self, redis: aioredis.Redis, engine: ChatEngine, params: Params, base: str
    ) -> str:
        call = CallRecords(redis, params.get("CallSid", ""))
        async with call.lock():
            cached = await call.answered(0)
            if cached is not None:
                return cached
            await call.event("call", from_=_masked(params.get("From", "")))
            reply = await self._start(engine, call.sid, params.get("From", ""), seq=1)
            return await self._finish(call, 0, reply, base)

    async def gather(
        self, redis: aioredis.Redis, engine: ChatEngine, params: Params, seq: int, base: str
    ) -> str:
        return await self._step(redis, engine, params, seq, base, self._on_gather)

    async def dial_ended(
        self, redis: aioredis.Redis, engine: ChatEngine, params: Params, seq: int, base: str
    ) -> str:
        return await self._step(redis, engine, params, seq, base, self._on_dial_ended)

    async def status(self, redis: aioredis.Redis, params: Params) -> None:
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
        call = CallRecords(redis, sid)
        await call.set_status(fields, ended=ended)
        await call.event("status", status=fields["status"])

    # --- one step ----------------------------------------------------------------------------

    async def _step(
        self,
        redis: aioredis.Redis,
        engine: ChatEngine,
        params: Params,
        seq: int,
        base: str,
        handler: Handler,
    ) -> str:
        call = CallRecords(redis, params.get("CallSid", ""))
        async with call.lock():
            cached = await call.answered(seq)
            if cached is not None:
                log.info("voice retry answered from cache", seq=seq)
                return cached
            screen = await call.screen()
            if screen is None:  # an unknown or expired call: start over
                reply = await self._start(engine, call.sid, params.get("From", ""), seq=seq + 1)
                return await self._finish(call, seq, reply, base)
            if seq != screen.seq:  # a stale or forged step: say the current prompt again
                log.info("voice step out of sequence", seq=seq, expected=screen.seq)
                return await self._render(Reply(screen=screen), base)
            screen.seq = seq + 1
            reply = await handler(call, engine, params, screen, seq)
            if reply.enqueue is not None:
                await self._describe_queued(call, engine, params)
            return await self._finish(call, seq, reply, base)

    async def _on_gather(
        self, call: CallRecords, engine: ChatEngine, params: Params, screen: Screen, seq: int
    ) -> Reply:
        digits = params.get("Digits", "").strip()
        speech = params.get("SpeechResult", "").strip()
        conversation = f"{self.channel}:{call.sid}"
        mid = f"{call.sid}:{seq}"

        async def ask(**kw: object) -> Reply:
            inbound = Inbound(
                conversation_id=conversation, channel=self.channel, message_id=mid, **kw
            )
            return await self._fit(from_engine(await _turn(engine, inbound), screen))

        if digits:
            await call.event("caller", digits=digits)
        elif speech:
            await call.event("caller", speech=speech)

        if screen.mode != "menu" and digits and digits not in (menu.REPEAT_KEY, menu.PERSON_KEY):
            return await ask(text=digits.rstrip("#"))  # a number being typed, not a menu key
        key = digits or (voice_keys.spoken_key(speech) if speech else None)
        if key:
            return await self._key(call, ask, params, screen, key)
        if speech:
            entry = voice_keys.spoken(screen, speech)
            if entry is not None:
                return await self._pick(call, ask, params, screen, entry)
            return await ask(text=speech)
        return voice_keys.missed(screen, tx("voice.not_heard"))

    async def _key(
        self, call: CallRecords, ask: Ask, params: Params, screen: Screen, key: str
    ) -> Reply:
        """A key means the same in every menu (menu.KEYS)."""
        match menu.KEYS.get(key):
            case "repeat":
                screen.misses = 0
                return Reply(screen=screen)
            case "main":
                if any(c.id in menu.MAIN_CHOICES for c in screen.choices):
                    return await ask(choice=menu.MAIN_CHOICE)
                return await ask(command=Command.MAIN_MENU)
            case "person":
                return await self._person(ask, screen)
            case "end":
                return Reply(goodbye=True)
        entry = voice_keys.pressed(screen, key)  # an option, or 5 when there are more pages
        if entry is None:
            return voice_keys.missed(screen, tx("voice.invalid_key"))
        return await self._pick(call, ask, params, screen, entry)

    async def _on_dial_ended(
        self, call: CallRecords, engine: ChatEngine, params: Params, screen: Screen, seq: int
    ) -> Reply:
        status = params.get("DialCallStatus", "")
        await call.event("dial_ended", status=status)
        if status in ("completed", "answered"):
            return Reply(goodbye=True)
        screen.misses = 0
        return Reply(prefix=[tx("voice.dial_failed")], screen=screen)

    async def _start(self, engine: ChatEngine, sid: str, caller: str, seq: int) -> Reply:
        conversation = f"{self.channel}:{sid}"
        if is_number(caller):
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
        replies = await _turn(engine, inbound)
        choices = [c for r in replies for c in r.choices]
        # The engine's acknowledgement of the number is for chats; a caller hears a welcome.
        can_sms = (
            is_number(caller) and self.messenger is not None and self.messenger.can_send(caller)
        )
        welcome = Screen(seq=seq, texts=[tx("voice.welcome")], choices=choices, can_sms=can_sms,
                         tail="keys")  # fmt: skip
        return Reply(screen=welcome)

    async def _fit(self, reply: Reply) -> Reply:
        """Each of the screen's texts within one prompt, measured on its own audio: a long one
        is read briefly, and the whole reply is then offered by SMS."""
        screen = reply.screen
        if screen is None or not screen.texts:
            return reply
        fits = (voice_speech.fit(text, self.audio.seconds) for text in screen.texts)
        said = await asyncio.gather(*fits)  # rendered in threads
        screen.texts = [prompt for s in said for prompt in s.prompts]
        if any(s.cut for s in said):
            screen.full_text = reply.whole
        return reply

    async def _person(self, ask: Ask, screen: Screen) -> Reply:
        """0: tell the engine's hand-off point (live operators plug in there), then dial."""
        person = next((c.id for c in screen.choices if c.id in menu.PERSON_CHOICES), None)
        reply = await (ask(choice=person) if person else ask(command=Command.PERSON))
        if reply.enqueue is not None or _asks_about_a_person(reply):
            return reply  # live operators: consent first, or their hours and a callback
        if not reply.dial:  # the engine did not hear it as a request for a person: 0 still is
            reply = Reply(
                screen=Screen(seq=screen.seq, choices=screen.choices, can_sms=screen.can_sms),
                dial=True,
            )
        return reply

    async def _describe_queued(self, call: CallRecords, engine: ChatEngine, params: Params) -> None:
        """The console's incoming-call card: the masked number, the IVR path, what was asked."""
        desk = getattr(engine, "desk", None)
        if desk is None:
            return
        events = await call_events(call.redis, call.sid)
        keys = [str(e["digits"]) for e in events if e.get("kind") == "caller" and e.get("digits")]
        asked = [str(e["speech"]) for e in events if e.get("kind") == "caller" and e.get("speech")]
        await desk.describe_call(
            f"{self.channel}:{call.sid}",
            caller=_masked(params.get("From", "")),
            ivr=" → ".join(keys),
            asked=" / ".join(asked)[-300:],
        )

    async def _pick(
        self, call: CallRecords, ask: Ask, params: Params, screen: Screen, entry: menu.Entry
    ) -> Reply:
        screen.misses = 0
        if entry.value == menu.NEXT_PAGE:  # the next options; what was said is not said again
            screen.page += 1
            return Reply(screen=screen, menu_only=True)
        if entry.value == menu.SMS_OFFER:
            return await self._send_full_text(call, params, screen)
        return await ask(choice=entry.value)

    async def _send_full_text(self, call: CallRecords, params: Params, screen: Screen) -> Reply:
        text, screen.full_text = screen.full_text or "", None  # sent once; the offer is gone
        caller = params.get("From", "")
        try:
            if await People(call.redis).is_opted_out("sms", caller):
                raise RuntimeError("the caller opted out of SMS")  # STOP / DAYANDIR earlier
            if self.messenger is not None:  # never to a simulated number (Messenger refuses)
                receipts = Receipts(call.redis)
                for message_sid in await self.messenger.send(caller, text):
                    await receipts.record(message_sid, status="queued", channel="sms",
                                          direction="outbound")  # fmt: skip
            else:
                raise RuntimeError("no messenger")
        except Exception as exc:
            log.warning("SMS from a call failed", error=f"{type(exc).__name__}: {exc}")
            return Reply(prefix=[tx("voice.sms_failed")], screen=screen, menu_only=True)
        await call.event("sms", text=text)
        return Reply(prefix=[tx("voice.sms_sent")], screen=screen, menu_only=True)

    # --- the answer ----------------------------------------------------------------------------

    async def _finish(self, call: CallRecords, seq: int, reply: Reply, base: str) -> str:
        """The step's TwiML, kept for retries with the screen that follows, and its transcript."""
        said: list[str] = []
        twiml = await self._render(reply, base, said)
        await call.save(seq, twiml, None if reply.goodbye else reply.screen)
        if said:
            await call.event("prompt", texts=said)
        if reply.dial:
            await call.event("dial", number=self.call_center)
        elif reply.enqueue is not None:
            await call.event("enqueue", queue=reply.enqueue)
        elif reply.goodbye:
            await call.event("hangup")
        return twiml

    async def _render(self, reply: Reply, base: str, said: list[str] | None = None) -> str:
        return await voice_twiml.render(
            reply, base, audio=self.audio, call_center=self.call_center, hints=self.hints, said=said
        )


async def _turn(engine: ChatEngine, inbound: Inbound) -> list[Outbound]:
    """One engine turn in the phone's wording of the core's texts ("say", never "type")."""
    with phone_wording():
        return await engine.handle(inbound)


def _asks_about_a_person(reply: Reply) -> bool:
    """The engine's answer to "a person" is a question (consent) or the operators' hours with
    a callback offer: the caller chooses next."""
    screen = reply.screen
    picks = {p.pick for c in (screen.choices if screen else [])
             if (p := ChoiceId.parse(c.id)) is not None}  # fmt: skip
    return bool(picks & {Pick.HANDOFF_YES, Pick.CALLBACK})


def is_number(caller: str) -> bool:
    """A caller's number as Twilio gives it (E.164), not "anonymous" or a browser client."""
    return caller.startswith("+") and caller[1:].isdigit() and 8 <= len(caller) <= 16


def _masked(number: str) -> str:
    return f"***{number[-2:]}" if is_number(number) else "hidden"
