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

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

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

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphen look-alikes typed by phones
_KEEP_BETWEEN_DIGITS = ".:/"
_SPACE = " "


def _map_char(ch: str) -> str:
    """Per-character mapping after casing: old ä for ə, Cyrillic, digits, dashes."""
    low = ch.translate(_LOWER)
    if low in ("ä", "ǝ"):  # 1992–93 spelling of ə, and the turned-e look-alike
        return "ə"
    if low in _CYRILLIC:
        return _CYRILLIC[low]
    if low in _DASHES:
        return "-"
    if low.isdecimal() and not low.isascii():
        return str(unicodedata.decimal(low))
    return low


_CHAR_MAP: dict[str, str] = {}


def _mapped(ch: str) -> str:
    out = _CHAR_MAP.get(ch)
    if out is None:
        out = _map_char(ch)
        if len(_CHAR_MAP) < 65536:  # bounded memo; the bot sees a small alphabet
            _CHAR_MAP[ch] = out
    return out


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


def _normalized_items(text: str) -> _Items:
    items = [(c, s, e) for ch, s, e in _clusters(text) for c in _mapped(ch)]
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


def _folded_items(text: str) -> _Items:
    items = [(_fold_char(ch), s, e) for ch, s, e in _normalized_items(text)]
    items = _collapse_runs(_four_as_c(items), 2)
    # Collapse before and after digraphs so "sshh" and "shs" cannot leave a new pair behind.
    return _collapse_runs(_digraphs(items), 2)


def _to_mapped(items: _Items) -> MappedText:
    return MappedText(
        text="".join(ch for ch, _, _ in items),
        starts=tuple(s for _, s, _ in items),
        ends=tuple(e for _, _, e in items),
    )


# --- public functions ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """The canonical cleaned text for NLU.

    NFC; stray combining marks and invisible format characters removed; ä → ə; Azerbaijani
    and Russian Cyrillic → Latin; Azerbaijani lowercase; runs of 3+ identical letters → one
    ("salaaam" → "salam", doubles like "təşəkkür" kept); punctuation, symbols and emoji → a
    space, except "." ":" "/" between digits, "-" between two letters/digits, and "+" before a
    digit; whitespace collapsed and stripped. Idempotent; never raises for any ``str``.
    """
    return "".join(ch for ch, _, _ in _normalized_items(text))


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The diacritic-free matching key of ``normalize(text)``.

    ə → e, ı → i, ş ç ğ ö ü (and other Latin diacritics) → base letter; ASCII habits: w → s,
    "sh"/"ch"/"gh"/"kh" → s/c/g/x, "4" inside a word → c; runs of 2+ identical letters → one,
    so "təşəkkür" and "tesekur" meet. Idempotent; never raises. Because of the "4" rule, match
    codes and IDs on the original or normalized text, not on this key.
    """
    return "".join(ch for ch, _, _ in _folded_items(text))


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
    return _to_mapped(_folded_items(text))
