"""A step's `Reply` as TwiML. Every prompt is `<Play>` of an Azerbaijani audio file (audio.py;
`<Say>` only when it cannot be made) inside one `<Gather input="dtmf speech" language="az-AZ">`,
so a caller can interrupt, with hints for the speech recogniser; a transfer is `<Dial>`, waiting
for a live operator `<Enqueue>` (voice_queue.py), the end `<Hangup>`. Every action URL carries
the `seq` of the step it answers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from twilio.twiml.voice_response import Enqueue, Gather, VoiceResponse

from channels.twilio import menu, voice_keys
from channels.twilio.audio import AudioPrompts
from channels.twilio.texts import tx
from channels.twilio.voice_screen import Reply, Screen
from channels.twilio.voice_speech import speakable

GATHER_TIMEOUT_SECONDS = 6
PHONE_TIMEOUT_SECONDS = 10
DIAL_TIMEOUT_SECONDS = 30
MAX_HINTS = 100
MAX_HINT_CHARS = 100
SAY_FALLBACK_LANGUAGE = "tr-TR"  # the closest Twilio voice; only when audio cannot be made


def speech_hints(passports: Sequence[object], extra: Sequence[str] = ()) -> list[str]:
    """Service names and aliases plus the channel's own words, as Twilio's `hints` wants them."""
    seen: set[str] = set()
    hints: list[str] = []
    candidates: list[str] = [*extra]
    for p in passports:
        candidates += [getattr(p, "display_name", ""), *getattr(p, "aliases", [])]
    for raw in candidates:
        hint = " ".join(raw.replace(",", " ").split())[:MAX_HINT_CHARS]
        if hint and hint.casefold() not in seen:
            seen.add(hint.casefold())
            hints.append(hint)
    return hints[:MAX_HINTS]


async def render(
    reply: Reply,
    base: str,
    *,
    audio: AudioPrompts,
    call_center: str,
    hints: Sequence[str],
    said: list[str] | None = None,
) -> str:
    """The TwiML of a reply; what it says is appended to `said` (the call's transcript)."""
    response = VoiceResponse()
    said = [] if said is None else said

    async def speak(target, texts: Sequence[str]) -> None:
        await play(target, texts, audio=audio, base=base, said=said)

    screen = reply.screen
    if reply.goodbye:
        await speak(response, [*reply.prefix, tx("voice.goodbye")])
        response.hangup()
    elif reply.dial:
        await speak(
            response, [*reply.prefix, *(screen.texts if screen else []), tx("voice.connecting")]
        )
        seq = screen.seq if screen else 0
        response.dial(
            call_center,
            action=f"{base}/webhooks/twilio/voice/dial?seq={seq}",
            method="POST",
            timeout=DIAL_TIMEOUT_SECONDS,
        )
    elif reply.enqueue is not None:
        await speak(response, [*reply.prefix, tx("voice.queue_joined")])
        response.append(enqueue(reply.enqueue, base))
    elif screen is not None:
        action = f"{base}/webhooks/twilio/voice/gather?seq={screen.seq}"
        gather = _gather(screen, action, hints)
        await speak(gather, prompts(reply, screen))
        response.append(gather)
        response.redirect(action, method="POST")  # if Twilio ever falls through the Gather
    return str(response)


async def play(
    target, texts: Sequence[str], *, audio: AudioPrompts, base: str, said: list[str]
) -> None:
    """Each text as a `<Play>` of its audio into `target` (`<Say>` when it cannot be made)."""
    spoken = [s for s in (speakable(text) for text in texts) if s]
    keys = await asyncio.gather(*(audio.ensure(s) for s in spoken))  # rendered in threads
    for text, key in zip(spoken, keys, strict=True):
        said.append(text)
        if key is not None:
            target.play(f"{base}/audio/{key}.wav")
        else:
            target.say(text, language=SAY_FALLBACK_LANGUAGE)


def queue_name(skill: str) -> str:
    """The Twilio queue of an operators' skill (a service group, a center, "general")."""
    return f"dost-{skill}"[:64]


def enqueue(skill: str, base: str) -> Enqueue:
    """Hold the caller in the skill's queue: the wait URL tells them where they stand each
    loop; the action hears how waiting ended (bridged, hung up, left for a callback)."""
    return Enqueue(
        queue_name(skill),
        action=f"{base}/webhooks/twilio/voice/queue/result",
        method="POST",
        wait_url=f"{base}/webhooks/twilio/voice/queue/wait",
        wait_url_method="POST",
    )


def prompts(reply: Reply, screen: Screen) -> list[str]:
    """What a step with a menu says, one prompt each: what went before ("I did not hear
    you"), the screen's texts, then its menu as one prompt (or what to type, or the last
    chance), then the keys that always work or "go on or end"."""
    lines = [*reply.prefix]
    if not (reply.final or reply.menu_only):
        lines += screen.texts
    if screen.mode != "menu":
        lines.append(tx(f"voice.{screen.mode}_prompt"))
        return lines
    if reply.final:
        lines.append(tx("voice.final_navigation", **menu.key_values()))
        return lines
    lines.append(menu.menu_prompt(voice_keys.entries(screen)))
    if screen.tail is not None:
        lines.append(tx(f"voice.{screen.tail}", **menu.key_values()))
    return lines


def _gather(screen: Screen, action: str, hints: Sequence[str]) -> Gather:
    """One key for a menu; digits finished with # when the engine asked for a number."""
    titles = [c.title for c in menu.keypad_choices(screen.choices)]
    common = {
        "input": "dtmf speech",
        "action": action,
        "method": "POST",
        "language": "az-AZ",
        "hints": ", ".join(speech_hints([], [*titles, *hints])),
        "speech_timeout": "auto",
        "action_on_empty_result": True,
    }
    if screen.mode != "menu":
        return Gather(finish_on_key="#", timeout=PHONE_TIMEOUT_SECONDS, **common)
    return Gather(num_digits=1, timeout=GATHER_TIMEOUT_SECONDS, **common)
