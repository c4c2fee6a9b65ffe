"""Text for the ear: what a prompt says aloud (`speakable`: no symbols, lines as sentences,
booking codes spelt sign by sign), how long that takes (`spoken_seconds`), and a long text's
brief reading that fits one prompt (`brief`). Pure: no I/O.

No prompt may take more than PROMPT_SECONDS (tests/test_twilio_prompts.py renders every prompt
the line can say and measures the audio with sox). `spoken_seconds` estimates the duration from
the text: Azerbaijani is written as it is spoken, so vowels (syllables) and the pauses at
punctuation predict espeak-ng's duration well; the coefficients were fitted on the catalog's
texts and every passport's answers (espeak-ng `az` at 150 words a minute, scaled to the
rate), with a margin below the limit. A screen's texts are measured on their own audio
(`fit`); menus, which are short, are kept within the estimate.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from channels.twilio.texts import node, tx
from nlu.entities import BOOKING_CODE_ALPHABET, BOOKING_CODE_LENGTH
from nlu.normalize import az_lower

PROMPT_SECONDS = 15.0  # the longest a prompt may be
SAY_SECONDS = 14.0  # what the estimate of a text may reach (its audio is measured: `fit`)
MENU_SECONDS = 13.0  # what the estimate of a menu may reach (not measured: a wider margin)
WORDS_PER_MINUTE = 160  # espeak-ng's rate (audio.py)

# Characters that are for the eye only (bullets, quotes, arrows) and pictographs.
_FOR_THE_EYE = re.compile(r"[•«»“”\"⬅➡→←▶◀✅❌]|[\U0001F300-\U0001FAFF]")
_CODE_SIGN = "[" + re.escape(BOOKING_CODE_ALPHABET) + "]"
# A booking code: its length of its alphabet's signs, at least one letter and one digit.
_CODE = re.compile(
    rf"\b(?=(?:{_CODE_SIGN})*\d)(?=(?:{_CODE_SIGN})*[A-Z]){_CODE_SIGN}{{{BOOKING_CODE_LENGTH}}}\b"
)
_ITEM = re.compile(r"^\s*(?:[•\-*]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# Seconds per vowel, per full stop (.!?:), per short pause (, ; –), per digit, and a constant.
# The vowels of az_lower(text): a e i o u, and the dotless i, the schwa, o and u with umlaut.
_VOWELS = frozenset("aeiou\u0131\u0259\u00f6\u00fc")
_PER_VOWEL, _PER_STOP, _PER_PAUSE, _PER_DIGIT, _CONSTANT = 0.196, 0.696, 0.431, 0.283, -0.056


def speakable(text: str) -> str:
    """Text as it should be read aloud: no symbols, lines as sentences, codes spelt out."""
    text = _FOR_THE_EYE.sub("", text)
    text = _CODE.sub(lambda m: spelt(m.group(0)), text)
    sentences = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if line[-1] not in ".!?:;,…":
            line += "."
        sentences.append(line)
    return " ".join(sentences)


def spelt(code: str, *, with_words: bool = True) -> str:
    """A booking code sign by sign, each letter with a word that starts with it ("K kitab"),
    so a caller can write it down by ear; digits as digits. Without the words in a menu's
    option ("cancel (K, 7, …)"): the code was just read in full."""
    words: dict[str, str] = node("voice.spelling") if with_words else {}
    signs = []
    for sign in code:
        word = words.get(sign, "")
        signs.append(tx("voice.spelt_letter", letter=sign, word=word) if word else sign)
    return ", ".join(signs)


def codes_spelt_briefly(text: str) -> str:
    """`text` with its booking codes spelt sign by sign, without the words."""
    return _CODE.sub(lambda m: spelt(m.group(0), with_words=False), text)


def spoken_seconds(text: str) -> float:
    """About how long espeak-ng takes to say `text` (already speakable)."""
    vowels = sum(ch in _VOWELS for ch in az_lower(text))
    stops = len(re.findall(r"[.!?:](?!\d)", text))  # not inside "10:30" or "2.5"
    pauses = len(re.findall(r"[,;–—()-]", text))
    digits = len(re.findall(r"\d", text))
    seconds = (_PER_VOWEL * vowels + _PER_STOP * stops + _PER_PAUSE * pauses
               + _PER_DIGIT * digits + _CONSTANT)  # fmt: skip
    return max(0.0, seconds) * 150 / WORDS_PER_MINUTE


def fits(text: str, seconds: float = SAY_SECONDS) -> bool:
    return spoken_seconds(speakable(text)) <= seconds


@dataclass(frozen=True)
class Brief:
    text: str
    cut: bool  # something was left out (the full text goes by SMS when it can)
    parts: tuple[str, ...] = ()  # a question longer than a prompt: said in these parts

    @property
    def prompts(self) -> list[str]:
        return list(self.parts) or [self.text]


async def fit(text: str, seconds_of: Callable[[str], Awaitable[float | None]]) -> Brief:
    """`text` whole if its audio takes at most PROMPT_SECONDS, else its brief reading, made
    shorter until its audio fits (`seconds_of`: the duration of a speakable text as played,
    None when there is no audio; then the estimate decides)."""
    whole = await seconds_of(speakable(text))
    if whole is None:
        return brief(text)
    if whole <= PROMPT_SECONDS:
        return Brief(text, cut=False)
    budget = SAY_SECONDS
    while True:
        said = _brief(text, budget)
        seconds = await seconds_of(speakable(said.text))
        if seconds is None or seconds <= PROMPT_SECONDS:
            return said
        if budget < 2:  # what is left is a question, always asked whole: in parts, then
            return Brief(said.text, said.cut, await _parts(said.text, seconds_of))
        # The voice is slower than estimated for this text: as much slower on the next try.
        estimate = spoken_seconds(speakable(said.text))
        budget = min(budget - 0.5, estimate * PROMPT_SECONDS / seconds - 0.5)


async def _parts(
    text: str, seconds_of: Callable[[str], Awaitable[float | None]]
) -> tuple[str, ...]:
    """A text that cannot be shortened, in parts of one prompt each: halved at the pause (a
    line's end, a comma, semicolon or colon) nearest its middle, and again if need be."""
    seconds = await seconds_of(speakable(text))
    pauses = [m.end() for m in re.finditer(r"[,;:]\s|\n", text)]
    if seconds is None or seconds <= PROMPT_SECONDS or not pauses:
        return (text,)
    middle = min(pauses, key=lambda end: abs(end - len(text) / 2))
    head, tail = text[:middle].strip(), text[middle:].strip()
    return (*await _parts(head, seconds_of), *await _parts(tail, seconds_of))


def brief(text: str, seconds: float = SAY_SECONDS) -> Brief:
    """What of `text` is read aloud within `seconds` (estimated): whole sentences and list
    items from the start, then how many items are left ("4 more items") or that this was only a
    part; a closing question is always kept. A text that fits is read whole."""
    if fits(text, seconds):
        return Brief(text, cut=False)
    return _brief(text, seconds)


def _brief(text: str, seconds: float) -> Brief:
    units = _units(text)
    question = units.pop() if units and units[-1].text.endswith("?") else None
    n = 0
    while n < len(units) and fits(_said(units[: n + 1], units[n + 1 :], question), seconds):
        n += 1
    kept, left = units[:n], units[n:]
    if left and all(u.heading for u in kept):  # only headings would be said: the start of
        head = _cut(left[0], left[1:], kept, question, seconds)  # the next sentence or item
        kept, left = [*kept, head], [_REST, *left[1:]]  # too, up to a pause
    return Brief(_said(kept, left, question), cut=bool(left))


@dataclass(frozen=True)
class _Unit:
    text: str
    item: bool  # a list item (counted when left out)

    @property
    def heading(self) -> bool:
        """A line that only announces what follows ("The documents required:")."""
        return self.text.endswith(":")


def _units(text: str) -> list[_Unit]:
    """Sentences and list items, in order."""
    units: list[_Unit] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if _ITEM.match(line):
            units.append(_Unit(line.strip(), True))
        else:
            units += [_Unit(s, False) for s in _SENTENCE_END.split(line.strip()) if s]
    return units


_REST = _Unit("", item=False)  # the rest of a sentence cut short


def _said(kept: list[_Unit], left: list[_Unit], question: _Unit | None) -> str:
    """The kept units, then what is left out (how many items of the list being read: "3 more
    items", or that this was only a part), then the closing question."""
    lines = [u.text for u in kept]
    items_left = sum(u.item for u in left)
    if items_left and kept and kept[-1].item:
        lines.append(tx("voice.brief_items_left", count=items_left))
    elif items_left and kept and kept[-1].heading:  # a list announced, none of it read
        lines.append(tx("voice.brief_items", count=items_left))
    elif left:
        lines.append(tx("voice.brief_more"))
    if question is not None:
        lines.append(question.text)
    return "\n".join(lines)


def _cut(
    unit: _Unit, left: list[_Unit], kept: list[_Unit], question: _Unit | None, seconds: float
) -> _Unit:
    """The longest start of a sentence that fits after `kept` with the note that more follows:
    up to a pause (a comma, semicolon or colon: a label is then read with the start of its
    list) unless that leaves out much more than ending at a word does."""

    def longest(pause: str) -> str:
        for end in reversed([m.start() for m in re.finditer(pause, unit.text)]):
            head = unit.text[:end].rstrip(" ,;:") + " …"
            if fits(_said([*kept, _Unit(head, unit.item)], [_REST, *left], question), seconds):
                return head
        return ""

    at_pause, at_word = longest(r"[,;:](?=\s)"), longest(r"\s")
    head = at_pause if len(at_pause) >= 0.6 * len(at_word) else at_word
    return _Unit(head or unit.text.split(" ", 1)[0] + " …", item=unit.item)
