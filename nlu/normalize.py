"""Azerbaijani text normalization: casing, cleaning, and a diacritic-free matching key.

Public API:

- ``az_lower`` / ``az_upper``: Azerbaijani casing (I↔ı, İ↔i).
- ``normalize``: the canonical cleaned text every NLU component works on.
- ``fold``: a diacritic-free key of ``normalize`` for matching text typed without
  Azerbaijani letters ("ozunumesgulluq" meets "özünüməşğulluq").
- ``normalize_spans`` / ``fold_spans``: the same texts with a map back to offsets in the
  ORIGINAL text, so extractors can match on the cleaned text and still report Rasa-style
  ``start``/``end`` offsets.

Python's built-in str casing is wrong for Azerbaijani (lowercasing "İ" leaves a combining dot,
lowercasing "I" gives "i" instead of "ı"), so casing here is done with explicit tables.
Everything is a single per-character pipeline that carries source offsets, so the plain
functions and the ``*_spans`` functions can never disagree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from nlu.language import Language, cyrillic_language, has_cyrillic

__all__ = [
    "MappedText",
    "az_lower",
    "az_upper",
    "fold",
    "fold_spans",
    "normalize",
    "normalize_spans",
]


# --- casing -----------------------------------------------------------------------------------


def _pairs(table: dict[int, str], first: int, last: int) -> None:
    """Blocks where an uppercase letter is immediately followed by its lowercase one."""
    for cp in range(first, last, 2):
        table[cp] = chr(cp + 1)


def _build_lower_table() -> dict[int, str]:
    # Covers the scripts users of the bot write in (Latin incl. Turkic letters, Cyrillic).
    # Letters of other scripts pass through unchanged, which is harmless for matching.
    table: dict[int, str] = {cp: chr(cp + 32) for cp in range(ord("A"), ord("Z") + 1)}
    table.update({cp: chr(cp + 32) for cp in range(0xC0, 0xDF) if cp != 0xD7})  # not ×
    _pairs(table, 0x100, 0x138)
    _pairs(table, 0x139, 0x149)
    _pairs(table, 0x14A, 0x178)
    table[0x178] = "\u00ff"  # Ÿ → ÿ
    _pairs(table, 0x179, 0x17F)
    table[0x18E] = "\u01dd"  # Ǝ → ǝ (sometimes typed for Ə)
    table[0x18F] = "\u0259"  # Ə → ə (not adjacent code points)
    table.update({cp: chr(cp + 0x50) for cp in range(0x400, 0x410)})  # Ѐ..Џ (incl. Ј)
    table.update({cp: chr(cp + 0x20) for cp in range(0x410, 0x430)})  # А..Я
    _pairs(table, 0x460, 0x482)
    _pairs(table, 0x48A, 0x4C0)  # Ғ Ҝ Ү Ҹ Һ ...
    table[0x4C0] = "\u04cf"
    _pairs(table, 0x4C1, 0x4CF)
    _pairs(table, 0x4D0, 0x530)  # Ә Ө ...
    # The Azerbaijani rule: dotless I is the capital of ı, dotted İ the capital of i.
    table[ord("I")] = "\u0131"
    table[0x130] = "i"
    return table


_LOWER = _build_lower_table()
_UPPER = {ord(low): chr(up) for up, low in _LOWER.items()}  # i → İ, ı → I fall out of this


def az_lower(text: str) -> str:
    """Lowercase with Azerbaijani rules: I → ı, İ → i (no combining dot left behind)."""
    # A decomposed İ (I + U+0307) is a dotted capital, not a dotless one.
    return text.replace("I\u0307", "i").translate(_LOWER)


def az_upper(text: str) -> str:
    """Uppercase with Azerbaijani rules: i → İ, ı → I."""
    return text.translate(_UPPER)


# --- the span-carrying pipeline -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MappedText:
    """A derived text plus, for each of its characters, the span it came from in the original.

    ``starts[k]``/``ends[k]`` are the offsets (end exclusive) in the original text of the
    character(s) that produced ``text[k]``. A match ``text[i:j]`` corresponds to
    ``original[starts[i]:ends[j - 1]]``; ``span(i, j)`` computes that.
    """

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original (start, end) offsets of the derived slice ``text[i:j]`` (``i < j``)."""
        if not 0 <= i < j <= len(self.text):
            raise ValueError(f"empty or out-of-range slice [{i}:{j}] of {len(self.text)} chars")
        return self.starts[i], self.ends[j - 1]


# (char, start, end) triples; a tiny internal representation.
_Items = list[tuple[str, int, int]]

_CYRILLIC = {
    # Azerbaijani Cyrillic (1958–1991) → Latin
    "а": "a", "б": "b", "в": "v", "г": "q", "ғ": "ğ", "д": "d", "е": "e", "ә": "ə",
    "ж": "j", "з": "z", "и": "i", "ы": "ı", "ј": "y", "к": "k", "ҝ": "g", "л": "l",
    "м": "m", "н": "n", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ү": "ü", "ф": "f", "х": "x", "һ": "h", "ч": "ç", "ҹ": "c", "ш": "ş",
    # Russian-only letters, as Azerbaijanis would write them in Latin
    "я": "ya", "ю": "yu", "ё": "yo", "щ": "şç", "ц": "ts", "э": "e", "й": "y",
    "ъ": "", "ь": "", "і": "i",
}  # fmt: skip

# Russian in Cyrillic → Latin as Russians type it ("нужны" → "nuzhny", "когда" → "kogda"), so
# a question typed in either script gives one folded key. Letters Russian lacks keep the
# Azerbaijani reading.
_RUSSIAN = {
    **_CYRILLIC,
    "г": "g", "ж": "zh", "х": "kh", "ы": "y", "ч": "ch", "ш": "sh", "щ": "shch",
}  # fmt: skip
_TABLES = {"az": _CYRILLIC, "ru": _RUSSIAN}

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphen look-alikes typed by phones
_KEEP_BETWEEN_DIGITS = ".:/"
_SPACE = " "


def _map_char(ch: str, cyrillic: dict[str, str]) -> str:
    """Per-character mapping after casing: old ä for ə, Cyrillic, digits, dashes."""
    low = ch.translate(_LOWER)
    if low in ("ä", "ǝ"):  # 1992–93 spelling of ə, and the turned-e look-alike
        return "ə"
    if low in cyrillic:
        return cyrillic[low]
    if low in _DASHES:
        return "-"
    if low.isdecimal() and not low.isascii():
        return str(unicodedata.decimal(low))
    return low


_CHAR_MAPS: dict[str, dict[str, str]] = {language: {} for language in _TABLES}


def _mapped(ch: str, language: str = "az") -> str:
    """``ch`` mapped, its Cyrillic read in ``language``'s alphabet."""
    memo = _CHAR_MAPS[language]
    out = memo.get(ch)
    if out is None:
        out = _map_char(ch, _TABLES[language])
        if len(memo) < 65536:  # bounded memo; the bot sees a small alphabet
            memo[ch] = out
    return out


def _alphabet(text: str) -> str:
    """Whose alphabet the text's Cyrillic is in (nlu.language): Russian or Azerbaijani."""
    return cyrillic_language(text) if has_cyrillic(text) else "az"


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def _clusters(text: str) -> _Items:
    """NFC per base character + its combining marks; marks left over afterwards are dropped.

    Working per cluster (not on the whole string) keeps offsets exact and makes the result
    stable under re-normalization. Stray marks, e.g. the U+0307 that Python's built-in
    lowercasing leaves after "i", and invisible format characters (ZWJ, soft hyphen, BOM)
    disappear.
    """
    items: _Items = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        j = i + 1
        while j < n and _is_mark(text[j]):
            j += 1
        if _is_mark(ch):  # a mark with no base character
            i = j
            continue
        if ch == "\u200b":  # zero-width space separates words
            items.append((_SPACE, i, j))
        elif unicodedata.category(ch) != "Cf":
            composed = unicodedata.normalize("NFC", text[i:j]) if j > i + 1 else ch
            items.extend((c, i, j) for c in composed if not _is_mark(c))
        i = j
    return items


def _is_word(ch: str) -> bool:
    return ch.isalpha() or ch.isdecimal()


def _keep_separator(ch: str, prev: str, nxt: str) -> bool:
    if ch in _KEEP_BETWEEN_DIGITS:  # 10:30, 25.12.2026, 25/12
        return prev.isdecimal() and nxt.isdecimal()
    if ch == "-":  # 10-da, ÜDSY-yə, 050-123
        return _is_word(prev) and _is_word(nxt)
    if ch == "+":  # +994
        return nxt.isdecimal()
    return False


def _clean(items: _Items) -> _Items:
    """Punctuation, symbols and emoji → one space, except separators inside numbers/words."""
    out: _Items = []
    n = len(items)
    for k, (ch, s, e) in enumerate(items):
        if not _is_word(ch):
            prev = items[k - 1][0] if k else ""
            nxt = items[k + 1][0] if k + 1 < n else ""
            if not _keep_separator(ch, prev, nxt):
                if not out or out[-1][0] == _SPACE:
                    continue  # no leading space, no runs of spaces
                ch = _SPACE
        out.append((ch, s, e))
    if out and out[-1][0] == _SPACE:
        out.pop()
    return out


def _collapse_runs(items: _Items, min_run: int) -> _Items:
    """Collapse runs of ``min_run``+ identical letters to one; its span covers the whole run."""
    out: _Items = []
    n = len(items)
    k = 0
    while k < n:
        ch, s, _ = items[k]
        j = k + 1
        if ch.isalpha():
            while j < n and items[j][0] == ch:
                j += 1
        if j - k >= min_run:
            out.append((ch, s, items[j - 1][2]))
        else:
            out.extend(items[k:j])
        k = j
    return out


def _normalized_items(text: str, alphabet: str | None = None) -> _Items:
    language = alphabet or _alphabet(text)
    items = [(c, s, e) for ch, s, e in _clusters(text) for c in _mapped(ch, language)]
    return _collapse_runs(_clean(items), 3)


# --- folding ------------------------------------------------------------------------------------

_FOLD_EXPLICIT = {"ə": "e", "ı": "i", "w": "s"}  # ş ç ğ ö ü lose their marks via NFD below
_DIGRAPHS = {"sh": "s", "ch": "c", "gh": "g", "kh": "x"}
_FOLD_CACHE: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    out = _FOLD_CACHE.get(ch)
    if out is not None:
        return out
    out = ch
    if not ch.isascii() and ch.isalpha():
        decomposed = unicodedata.normalize("NFD", ch)
        # Only strip marks from Latin letters (é → e, ş → s); leave other scripts intact.
        if decomposed[0].isascii() and all(_is_mark(m) for m in decomposed[1:]):
            out = decomposed[0].translate(_LOWER)  # a capital outside the casing table
    out = _FOLD_EXPLICIT.get(out, out)
    if len(_FOLD_CACHE) < 65536:
        _FOLD_CACHE[ch] = out
    return out


def _four_as_c(items: _Items) -> _Items:
    """'4' typed for ç inside a word ("4ox", "u4un") → c; never inside numbers or codes."""
    out = list(items)
    n = len(items)
    k = 0
    while k < n:
        if items[k][0] != "4":
            k += 1
            continue
        j = k
        while j < n and items[j][0] == "4":
            j += 1
        prev = items[k - 1][0] if k else ""
        nxt = items[j][0] if j < n else ""
        touches_letter = prev.isalpha() or nxt.isalpha()
        touches_number = any(c.isdecimal() or c in ".:/+-" for c in (prev, nxt) if c)
        if touches_letter and not touches_number:
            out[k:j] = [("c", s, e) for _, s, e in items[k:j]]
        k = j
    return out


def _digraphs(items: _Items) -> _Items:
    out: _Items = []
    n = len(items)
    k = 0
    while k < n:
        ch, s, e = items[k]
        if k + 1 < n and (ch + items[k + 1][0]) in _DIGRAPHS:
            out.append((_DIGRAPHS[ch + items[k + 1][0]], s, items[k + 1][2]))
            k += 2
        else:
            out.append((ch, s, e))
            k += 1
    return out


def _folded_items(text: str, alphabet: str | None = None) -> _Items:
    items = [(_fold_char(ch), s, e) for ch, s, e in _normalized_items(text, alphabet)]
    items = _collapse_runs(_four_as_c(items), 2)
    # Collapse before and after digraphs so "sshh" and "shs" cannot leave a new pair behind.
    return _collapse_runs(_digraphs(items), 2)


def _to_mapped(items: _Items) -> MappedText:
    return MappedText(
        text="".join(ch for ch, _, _ in items),
        starts=tuple(s for _, s, _ in items),
        ends=tuple(e for _, _, e in items),
    )


# --- the folding pipeline on whole strings ----------------------------------------------------
#
# ``_folded_items`` walks the text once per step, a tuple per character. For "plain" text (no
# combining marks or format characters, and nothing on which the regex classes ``\w``/``\d``
# disagree with ``_is_word``/``str.isdecimal``), ``_folded_fast`` does the same steps on the
# string: ``str.translate`` for the per-character mappings, regexes to find the few places the
# other steps change something, and the offsets are spliced only there. Any other text takes
# ``_folded_items`` itself.

_NOT_PLAIN = "\x00"  # stands for a character the string path cannot take (NUL is one of them)


def _plain_char(ch: str) -> bool:
    return ch.isalnum() == (ch.isalpha() or ch.isdecimal())


class _PlainTable(dict[int, str]):
    """``str.translate`` table: a character → its ``_mapped`` form, or ``_NOT_PLAIN``.

    With ``one_to_one`` a character that maps to no or several characters ("ъ", "я") is
    ``_NOT_PLAIN`` too, so the translated text has the original's offsets.
    """

    def __init__(self, *, one_to_one: bool, language: str = "az") -> None:
        super().__init__()
        self.one_to_one = one_to_one
        self.language = language

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        out = _NOT_PLAIN
        if ch != _NOT_PLAIN and not _is_mark(ch) and unicodedata.category(ch) != "Cf":
            mapped = _mapped(ch, self.language)
            if all(map(_plain_char, mapped)) and (len(mapped) == 1 or not self.one_to_one):
                out = mapped
        if len(self) < 65536:  # bounded, like the other per-character memos
            self[cp] = out
        return out


class _FoldTable(dict[int, str]):
    """``str.translate`` table applying ``_fold_char``."""

    def __missing__(self, cp: int) -> str:
        out = _fold_char(chr(cp))
        if len(self) < 65536:
            self[cp] = out
        return out


_ONE_TO_ONE = {language: _PlainTable(one_to_one=True, language=language) for language in _TABLES}
_EXPANDING = {language: _PlainTable(one_to_one=False, language=language) for language in _TABLES}
_FOLD_TABLE = _FoldTable()
# On plain text: a non-word character other than a space between two words (which ``_clean``
# keeps as it is); a run of one letter; a digraph.
_NON_WORD = re.compile(r"(?!(?<=[^\W_]) (?=[^\W_]))[\W_]")
_RUN2 = re.compile(r"([^\W\d_])\1+")
_DIGRAPH = re.compile("|".join(_DIGRAPHS))
_FOURS = re.compile("4+")

# Offsets of each character of a string into the original; None for "character k is k".
_Offsets = list[int] | None
# (a, b, c): the characters [a, b) become ``c`` (one character or none), spanning all of them.
_Edits = list[tuple[int, int, str]]


def _splice(
    text: str, starts: _Offsets, ends: _Offsets, edits: _Edits
) -> tuple[str, list[int], list[int]]:
    if starts is None or ends is None:
        starts, ends = list(range(len(text))), list(range(1, len(text) + 1))
    out: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    done = 0
    for a, b, c in edits:
        out.append(text[done:a])
        out_starts += starts[done:a]
        out_ends += ends[done:a]
        if c:
            out.append(c)
            out_starts.append(starts[a])
            out_ends.append(ends[b - 1])
        done = b
    out.append(text[done:])
    out_starts += starts[done:]
    out_ends += ends[done:]
    return "".join(out), out_starts, out_ends


def _clean_edits(text: str) -> _Edits:
    """``_clean``: which non-word characters it drops and which it turns into a space."""
    edits: _Edits = []
    n = len(text)
    blank = True  # the output so far is empty or ends with a space
    last = -1  # the previous non-word character
    last_space = -1  # where in ``edits`` the last space written is
    for m in _NON_WORD.finditer(text):
        k = m.start()
        if k != last + 1:
            blank = False  # words (and the spaces between them, kept as they are) in between
        last = k
        ch = text[k]
        if _keep_separator(ch, text[k - 1] if k else "", text[k + 1] if k + 1 < n else ""):
            blank = False
        elif blank:
            edits.append((k, k + 1, ""))
        else:
            last_space = len(edits)
            edits.append((k, k + 1, _SPACE))
            blank = True
    if blank and last == n - 1 and last_space >= 0:  # no trailing space
        k = edits[last_space][0]
        edits[last_space] = (k, k + 1, "")
    return [(a, b, c) for a, b, c in edits if c != _SPACE or text[a] != _SPACE]


def _four_edits(text: str) -> _Edits:
    """``_four_as_c``: which runs of "4" it turns into "c"."""
    edits: _Edits = []
    n = len(text)
    for m in _FOURS.finditer(text):
        k, j = m.span()
        prev = text[k - 1] if k else ""
        nxt = text[j] if j < n else ""
        touches_letter = prev.isalpha() or nxt.isalpha()
        touches_number = any(c.isdecimal() or c in ".:/+-" for c in (prev, nxt) if c)
        if touches_letter and not touches_number:
            edits.extend((i, i + 1, "c") for i in range(k, j))
    return edits


def _pattern_edits(pattern: re.Pattern[str], text: str, by_group: bool) -> _Edits:
    if by_group:  # a run of one letter → the letter
        return [(m.start(), m.end(), m.group(1)) for m in pattern.finditer(text)]
    return [(m.start(), m.end(), _DIGRAPHS[m.group()]) for m in pattern.finditer(text)]


def _folded_fast(text: str, alphabet: str | None) -> tuple[str, _Offsets, _Offsets] | None:
    """``_folded_items(text)`` as (text, starts, ends); None if ``text`` is not plain."""
    language = alphabet or _alphabet(text)
    s = text.translate(_ONE_TO_ONE[language])
    starts: _Offsets = None
    ends: _Offsets = None
    if _NOT_PLAIN in s:
        expanding = _EXPANDING[language]
        s = text.translate(expanding)
        if _NOT_PLAIN in s:
            return None
        starts, ends = [], []
        for k, ch in enumerate(text):
            width = len(expanding[ord(ch)])
            starts += [k] * width
            ends += [k + 1] * width
    edits = _clean_edits(s)
    if edits:
        s, starts, ends = _splice(s, starts, ends, edits)
    # No collapsing of 3+ letters here: folding keeps a run of one letter a run of one letter,
    # so the collapsing of 2+ below covers it, with the same spans.
    s = s.translate(_FOLD_TABLE)
    if "4" in s:
        edits = _four_edits(s)
        if edits:
            s, starts, ends = _splice(s, starts, ends, edits)
    if _RUN2.search(s):
        s, starts, ends = _splice(s, starts, ends, _pattern_edits(_RUN2, s, True))
    if _DIGRAPH.search(s):  # a new run can only appear where a digraph was replaced
        s, starts, ends = _splice(s, starts, ends, _pattern_edits(_DIGRAPH, s, False))
        if _RUN2.search(s):
            s, starts, ends = _splice(s, starts, ends, _pattern_edits(_RUN2, s, True))
    return s, starts, ends


@lru_cache(maxsize=1024)  # shared: a message is folded for intents and services, then spanned
def _folded(text: str, alphabet: str | None = None) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """``fold(text)`` with the ``starts`` and ``ends`` of ``fold_spans(text)``."""
    fast = _folded_fast(text, alphabet)
    if fast is None:
        mapped = _to_mapped(_folded_items(text, alphabet))
        return mapped.text, mapped.starts, mapped.ends
    folded, starts, ends = fast
    if starts is None or ends is None:
        return folded, tuple(range(len(folded))), tuple(range(1, len(folded) + 1))
    return folded, tuple(starts), tuple(ends)


# --- public functions ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def normalize(text: str, alphabet: Language | None = None) -> str:
    """The canonical cleaned text for NLU.

    NFC; stray combining marks and invisible format characters removed; ä → ə; Cyrillic →
    Latin, read as Russian or as Azerbaijani as the text reads (nlu.language: "нужны" →
    "nuzhny", "Сәнәдләр" → "sənədlər"); Azerbaijani lowercase; runs of 3+ identical letters → one
    ("salaaam" → "salam", doubles like "təşəkkür" kept); punctuation, symbols and emoji → a
    space, except "." ":" "/" between digits, "-" between two letters/digits, and "+" before a
    digit; whitespace collapsed and stripped. Idempotent; never raises for any ``str``.
    ``alphabet`` reads Cyrillic in that language's alphabet whatever the text reads as (to
    compare texts as substrings, each is read the same way).
    """
    return "".join(ch for ch, _, _ in _normalized_items(text, alphabet))


@lru_cache(maxsize=4096)
def fold(text: str, alphabet: Language | None = None) -> str:
    """The diacritic-free matching key of ``normalize(text)``.

    ə → e, ı → i, ş ç ğ ö ü (and other Latin diacritics) → base letter; ASCII habits: w → s,
    "sh"/"ch"/"gh"/"kh" → s/c/g/x, "4" inside a word → c; runs of 2+ identical letters → one,
    so "təşəkkür" and "tesekur" meet. Idempotent; never raises. Because of the "4" rule, match
    codes and IDs on the original or normalized text, not on this key. With ``alphabet``, Cyrillic
    is read in that language's alphabet whatever the text reads as (a name that may stand in a
    sentence of either language: "АГСП" is "agsp" in Russian, "aqsp" in Azerbaijani).
    """
    return _folded(text, alphabet)[0]


def normalize_spans(text: str) -> MappedText:
    """``normalize(text)`` with each character's source span in ``text``."""
    return _to_mapped(_normalized_items(text))


def fold_spans(text: str) -> MappedText:
    """``fold(text)`` with each character's source span in ``text``.

    Use it to match on the folded text and report offsets into the original::

        ft = fold_spans("SABAH SAAT 10-A")   # ft.text == "sabah sat 10-a"
        m = re.search("sat", ft.text)
        start, end = ft.span(m.start(), m.end())  # (6, 10): "SAAT" in the original
    """
    return MappedText(*_folded(text))
