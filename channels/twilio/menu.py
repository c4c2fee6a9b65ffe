"""The engine's `Outbound` for the ear (keypad menus) and for SMS (numbered lines). Pure
functions, no I/O.

The phone line's keys mean the same in every menu (KEYS; channels/twilio/README.md):
1–4 this menu's options, 5 more options, 0 a person, * repeat, # the main menu, 9 end the call.
- A menu offers at most four options, fewer when their titles would make it longer than a
  prompt may be (voice_speech.MENU_SECONDS): the engine's choices are paged, and 5 goes to the
  next page; after the last page, to the engine's own next page when it offers one (its "more
  options", other times), else to the first page again. The engine's own "main menu" and "talk to a
  person" choices are not options: # and 0 do that in every menu.
- Long content is read briefly (voice_speech.brief) and "the full text by SMS" is then the
  menu's first option.
- A menu is one prompt: each option's title with its key, then "5 for more options".

In SMS and WhatsApp every choice is a numbered line (no pages: a message can hold them all) and
"0" asks for a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.choices import ChoiceId, Pick, is_pick
from bot.messages import Choice, Outbound
from channels.twilio.texts import node, tx
from channels.twilio.voice_speech import MENU_SECONDS, codes_spelt_briefly, fits

OPTION_KEYS = ("1", "2", "3", "4")
MORE_KEY = "5"
PERSON_KEY = "0"
REPEAT_KEY = "*"
MAIN_KEY = "#"
END_KEY = "9"
# What each key does, in every menu of the line.
KEYS = {
    **dict.fromkeys(OPTION_KEYS, "option"),
    MORE_KEY: "more",
    PERSON_KEY: "person",
    REPEAT_KEY: "repeat",
    MAIN_KEY: "main",
    END_KEY: "end",
}

MAIN_CHOICE = str(ChoiceId(Pick.MAIN))
MAIN_CHOICES = frozenset({MAIN_CHOICE})
PERSON_CHOICES = frozenset({str(ChoiceId(Pick.PERSON)), str(ChoiceId(Pick.TOPIC, "human"))})
NAVIGATION_CHOICES = MAIN_CHOICES | PERSON_CHOICES
# The engine's own "more options" (the next page of its menu, other times): key 5, like ours.
MORE_PICKS = (Pick.MORE, Pick.MORE_TIMES)
SMS_OFFER = "__sms__"  # the menu entry "send the full text by SMS" (not an engine choice)
NEXT_PAGE = "__next__"


@dataclass(frozen=True)
class Entry:
    digit: str
    value: str  # an engine choice id (the engine's "more" too), SMS_OFFER or NEXT_PAGE
    title: str


def keypad_choices(choices: Sequence[Choice]) -> list[Choice]:
    """The choices read out as options: everything but what 0, # and 5 already do."""
    seen: set[str] = set()
    kept = []
    for c in choices:
        if c.id in NAVIGATION_CHOICES or c.id in seen or is_pick(c.id, *MORE_PICKS):
            continue
        seen.add(c.id)
        kept.append(c)
    return kept


def engine_more(choices: Sequence[Choice]) -> Choice | None:
    """The engine's own "more" (the next page of its menu, other times), if it offers one."""
    return next((c for c in choices if is_pick(c.id, *MORE_PICKS)), None)


def options(choices: Sequence[Choice], sms_offer: bool) -> list[Choice]:
    """Every option of a screen, on all its pages: "by SMS" first when it is offered."""
    offer = [Choice(id=SMS_OFFER, title=tx("voice.sms_offer_title"))] if sms_offer else []
    return [*offer, *keypad_choices(choices)]


def pages(items: Sequence[Choice], *, more_after: bool = False) -> list[list[Choice]]:
    """The options in pages of at most four, each page's menu short enough for one prompt
    (with "5 for more" when there are more pages, or the engine has more after them)."""
    if len(items) <= len(OPTION_KEYS) and _fits(_entries(items, more=more_after)):
        return [list(items)] if items else []
    result: list[list[Choice]] = []
    i = 0
    while i < len(items):
        page = [items[i]]  # at least one, however long its title
        i += 1
        while (
            i < len(items)
            and len(page) < len(OPTION_KEYS)
            and _fits(_entries([*page, items[i]], more=True))
        ):
            page.append(items[i])
            i += 1
        result.append(page)
    return result


def _fits(entries: list[Entry]) -> bool:
    return fits(menu_prompt(entries), MENU_SECONDS)


def keypad(choices: Sequence[Choice], *, page: int = 0, sms_offer: bool = False) -> list[Entry]:
    """The keys of one page of the menu: its options on 1–4, and 5 for more: the next page,
    after the last one the engine's own next page if it has one, else the first page again."""
    more = engine_more(choices)
    paged = pages(options(choices, sms_offer), more_after=more is not None)
    if not paged:
        return [Entry(MORE_KEY, more.id, "")] if more else []
    page %= len(paged)
    entries = _entries(paged[page], more=False)
    if page < len(paged) - 1 or (more is None and len(paged) > 1):
        entries.append(Entry(MORE_KEY, NEXT_PAGE, ""))
    elif more is not None:
        entries.append(Entry(MORE_KEY, more.id, ""))
    return entries


def page_count(choices: Sequence[Choice], sms_offer: bool) -> int:
    more_after = engine_more(choices) is not None
    return max(1, len(pages(options(choices, sms_offer), more_after=more_after)))


def _entries(page: Sequence[Choice], *, more: bool) -> list[Entry]:
    entries = [Entry(key, c.id, c.title) for key, c in zip(OPTION_KEYS, page, strict=False)]
    if more:
        entries.append(Entry(MORE_KEY, NEXT_PAGE, ""))
    return entries


def menu_prompt(entries: Sequence[Entry]) -> str:
    """One prompt for a page of the menu: every option with its key, then "more"."""
    items = [
        tx("voice.menu_more", digit=key_name(e.digit))
        if e.digit == MORE_KEY
        else tx("voice.menu_item", title=codes_spelt_briefly(e.title), digit=key_name(e.digit))
        for e in entries
    ]
    return tx("voice.menu", items=", ".join(items)) if items else ""


def key_name(key: str) -> str:
    """A key as a caller hears it ("ulduz" for *); digits stay digits (the voice reads them)."""
    names: dict[str, str] = node("voice.key_names")
    return names.get(key, key)


def key_values() -> dict[str, str]:
    """The keys by what they do, as the line's texts name them ({person}, {main}, …)."""
    return {
        "person": key_name(PERSON_KEY),
        "repeat": key_name(REPEAT_KEY),
        "main": key_name(MAIN_KEY),
        "end": key_name(END_KEY),
        "more": key_name(MORE_KEY),
    }


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
