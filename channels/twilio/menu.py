"""The engine's `Outbound` for the ear (keypad menus) and for SMS (numbered lines). Pure
functions, no I/O.

Keypad rules (the phone line):
- 1–9 pick a choice, in the order the engine gave them. 0 is always "a person", * repeats the
  prompt, # goes back to the main menu; so the engine's own "main menu" and "talk to a person"
  choices are not read out as numbers (0 and # do that on every menu).
- More than 9 choices: pages of 8, and 9 is "next page" (after the last page it starts over).
- Long content (over LONG_CHARS characters, or a list of more than LONG_ITEMS items) is read
  briefly, and key 1 offers the full text by SMS (the choices then start at 2).

In SMS and WhatsApp every choice is a numbered line (no pages: a message can hold them all) and
"0" asks for a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.choices import ChoiceId, Pick
from bot.messages import Choice, Outbound
from channels.twilio.texts import tx

KEYPAD_CHOICES = 9
PAGE_SIZE = 8  # when paginated: 1–8 choices, 9 = next page
LONG_CHARS = 400
LONG_ITEMS = 3
BRIEF_ITEMS = 3

MAIN_CHOICE = str(ChoiceId(Pick.MAIN))
MAIN_CHOICES = frozenset({MAIN_CHOICE})
PERSON_CHOICES = frozenset({str(ChoiceId(Pick.PERSON)), str(ChoiceId(Pick.TOPIC, "human"))})
NAVIGATION_CHOICES = MAIN_CHOICES | PERSON_CHOICES
SMS_OFFER = "__sms__"  # the menu entry "send the full text by SMS" (not an engine choice)
NEXT_PAGE = "__next__"

_ITEM = re.compile(r"^\s*(?:[•\-*]|\d+[.)])\s+")


@dataclass(frozen=True)
class Entry:
    digit: str
    value: str  # an engine choice id, SMS_OFFER or NEXT_PAGE
    title: str


def list_items(text: str) -> list[str]:
    return [line for line in text.splitlines() if _ITEM.match(line)]


def is_long(text: str) -> bool:
    return len(text) > LONG_CHARS or len(list_items(text)) > LONG_ITEMS


def brief(text: str) -> str:
    """The first paragraph and the first few list items, within LONG_CHARS characters."""
    lines: list[str] = []
    items = 0
    size = 0
    for line in text.splitlines():
        if _ITEM.match(line):
            items += 1
            if items > BRIEF_ITEMS:
                break
        elif items and line.strip():
            break  # the paragraph after the list
        if size + len(line) > LONG_CHARS and lines:
            break
        lines.append(line)
        size += len(line) + 1
    shown = "\n".join(lines).strip()
    if len(shown) > LONG_CHARS:  # one very long line: cut at a sentence or word end
        cut = shown[:LONG_CHARS]
        end = max(cut.rfind(". "), cut.rfind("; "), cut.rfind(", "))
        shown = cut[: end + 1] if end > LONG_CHARS // 2 else cut.rsplit(" ", 1)[0]
    return shown


def keypad_choices(choices: Sequence[Choice]) -> list[Choice]:
    """The choices read out as numbers: everything but what 0 and # already do."""
    seen: set[str] = set()
    kept = []
    for c in choices:
        if c.id in NAVIGATION_CHOICES or c.id in seen:
            continue
        seen.add(c.id)
        kept.append(c)
    return kept


def page_count(choices: Sequence[Choice], sms_offer: bool) -> int:
    n = len(keypad_choices(choices)) + int(sms_offer)
    return 1 if n <= KEYPAD_CHOICES else -(-n // PAGE_SIZE)


def keypad(choices: Sequence[Choice], *, page: int = 0, sms_offer: bool = False) -> list[Entry]:
    """The keys of one page of the menu."""
    items = [Choice(id=SMS_OFFER, title=tx("voice.sms_offer_title"))] if sms_offer else []
    items += keypad_choices(choices)
    if len(items) <= KEYPAD_CHOICES:
        return [Entry(str(i), c.id, c.title) for i, c in enumerate(items, start=1)]
    pages = page_count(choices, sms_offer)
    page %= pages
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    entries = [Entry(str(i), c.id, c.title) for i, c in enumerate(shown, start=1)]
    entries.append(Entry(str(KEYPAD_CHOICES), NEXT_PAGE, ""))
    return entries


def menu_lines(entries: Sequence[Entry]) -> list[str]:
    """What is read for a page of the menu, one prompt per key."""
    lines = []
    for e in entries:
        if e.value == NEXT_PAGE:
            lines.append(tx("voice.next_page", digit=e.digit))
        else:
            lines.append(tx("voice.choice_line", title=e.title, digit=e.digit))
    return lines


def sms_text(replies: Sequence[Outbound], choices: Sequence[Choice]) -> str:
    """A messaging reply: the texts, then every choice as a numbered line and "0" for a person."""
    parts = [r.shown_text.strip() for r in replies if r.text.strip()]
    if choices:
        lines = [
            tx("messaging.choice_line", digit=i, title=c.title)
            for i, c in enumerate(choices, start=1)
        ]
        lines.append(tx("messaging.person_line"))
        parts.append("\n".join(lines))
        parts.append(tx("messaging.reply_hint"))
    return "\n\n".join(parts)


def split_message(text: str, limit: int = 1600) -> list[str]:
    """Twilio takes at most 1600 characters in one message: split at paragraph or line ends."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks
