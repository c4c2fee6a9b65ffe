"""The phone line's own wording of core texts. The core's catalog is shared with the chats, and
some of its texts are for a screen ("type your question", "the button below", a booking laid
out in lines); `twilio.voice.say_instead` in bot/catalog.yaml gives what a caller hears
instead, by the core text's key. The voice channel runs every engine turn inside
`phone_wording()` (bot.catalog.worded), so the core composes its replies in these words without
knowing the channel. A wording takes the placeholders of the text it replaces, or fewer (an
empty wording leaves the text out on the phone).

Each wording carries `of`: the first 8 hex digits of the SHA-256 of the core text it was written
for. When a core text changes, its wording is `stale` (tests/test_twilio_prompts.py fails) until
someone reads the new core text and updates the phone's wording and its `of` (the test's
message, `review_notes()`, lists them with the new fingerprints); a new core text for a screen
without a phone wording fails it too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from functools import cache
from typing import Any

from bot import catalog
from channels.twilio.texts import node, words


@cache
def screen_words() -> re.Pattern[str]:
    """Words for a screen that a caller must never hear (`voice.screen_words`: write or type,
    share, below, click...); typing digits on the keypad has its own verb."""
    return re.compile("|".join(words("voice.screen_words")), re.IGNORECASE)


@cache
def needs_wording() -> re.Pattern[str]:
    """Core texts with screen words, or a chat's buttons (`voice.chat_words`), need a phone
    wording."""
    return re.compile("|".join([*words("voice.screen_words"), *words("voice.chat_words")]),
                      re.IGNORECASE)  # fmt: skip


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _flat(group: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    """(core key, {"of", "say"}) for every wording, nested as the core's sections are."""
    for name, value in group.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and "say" in value:
            yield key, value
        elif isinstance(value, dict):
            yield from _flat(value, f"{key}.")


@cache
def wordings() -> dict[str, dict[str, str]]:
    """Every phone wording: core key → {"of": fingerprint, "say": text}."""
    return dict(_flat(node("voice.say_instead")))


@cache
def say_instead() -> dict[str, str]:
    """Core key → what the phone says instead."""
    return {key: str(w["say"]) for key, w in wordings().items()}


def phone_wording() -> AbstractContextManager[None]:
    """The block's engine turn speaks the phone's wording of the core's texts."""
    return catalog.worded(say_instead())


def stale() -> dict[str, str]:
    """Wordings whose core text changed since they were written: key → the new fingerprint."""
    found = {}
    for key, wording in wordings().items():
        core = catalog.node(key)
        if not isinstance(core, str) or fingerprint(core) != str(wording["of"]):
            found[key] = fingerprint(core) if isinstance(core, str) else "(no such text)"
    return found


def core_texts() -> Iterator[tuple[str, str]]:
    """(key, text) of every Azerbaijani text of the core's catalog: all but the channels' own
    sections."""
    channels = ("web.", "telegram.", "twilio.", "ru.")  # and the Russian tree: not the phone's
    # Nor the live operators' hand-off (chat channels only: a call goes to the call center) and
    # the operators' console.
    channels += ("live.", "operator.")
    # A notice is worded per channel already (notice.sms, notice.voice for the call); only what
    # a conversation says about notices (notice.facts) can be heard in a phone turn.
    sent = ("notice.",)
    return (
        (k, text)
        for k, text in catalog.texts()
        if not k.startswith(channels) and (not k.startswith(sent) or k.startswith("notice.facts."))
    )


def missing_wordings() -> list[str]:
    """Core texts for a screen that have no phone wording."""
    return [k for k, text in core_texts() if needs_wording().search(text) and k not in wordings()]


def review_notes() -> str:
    """What to review after core texts changed: each stale wording with the new core text and
    its new fingerprint, and each core text for a screen without a phone wording."""
    notes = []
    for key, new in stale().items():
        core = catalog.node(key) if new != "(no such text)" else new
        notes.append(f"{key}: of {wordings()[key]['of']} -> {new}\n  core:  {core}\n"
                     f"  phone: {say_instead()[key]}")  # fmt: skip
    for key in missing_wordings():
        notes.append(f"{key}: no phone wording (of {fingerprint(catalog.node(key))})\n"
                     f"  core:  {catalog.node(key)}")  # fmt: skip
    return "\n".join(notes)
