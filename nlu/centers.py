"""Which DOST center a message names, by its names and aliases, on folded tokens.

Tolerates inflection ("Xəzərdə", "Bərdəyə", "Yasamaldakı": the alias is a prefix of the word),
ə typed as a ("Barda"), and one-letter typos in longer names (rapidfuzz). Ordinals are one
token, so "1 saylı", "1 nömrəli", "1-ci" and "birinci" are the same and never match "2 saylı".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import NamedTuple

from rapidfuzz.distance import Levenshtein

from nlu.normalize import MappedText, fold

__all__ = ["find_centers"]

_ORDINAL_WORDS = (
    "birinci", "ikinci", "üçüncü", "dördüncü", "beşinci",
    "altıncı", "yeddinci", "səkkizinci", "doqquzuncu", "onuncu",
)  # fmt: skip
_ORDINAL_WORDS_AFTER_NUMBER = ("saylı", "nömrəli")  # "1 saylı", "1 nömrəliyə"
_ORDINAL_SUFFIXES = ("ci", "cu")  # folded -cı/-ci/-cu/-cü: "1-ci", "1-ciyə"
_MIN_FUZZY_LEN = 6  # shorter names must be typed right: "xəbər" is not "Xəzər"
_MAX_SUFFIX = 10  # letters inflection may add after a name ("Xəzərdəkilərdən")


class _Token(NamedTuple):
    key: str  # folded word, or "#n" for an ordinal
    start: int  # offsets into the folded text
    end: int


@cache
def _ordinal_stems() -> dict[str, int]:
    return {fold(word): n for n, word in enumerate(_ORDINAL_WORDS, start=1)}


@cache
def _ordinal_words_after_number() -> tuple[str, ...]:
    return tuple(fold(w) for w in _ORDINAL_WORDS_AFTER_NUMBER)


_WORD = re.compile(r"[^\W_]+")
_GLUED_ORDINAL = re.compile(r"(\d+)(?:ci|cu)[^\W\d_]*")  # "1ci" typed without the hyphen


def _ordinal_marker(folded: str, number_end: int, word: str, word_start: int) -> bool:
    if word.startswith(_ordinal_words_after_number()):
        return True
    hyphenated = word_start == number_end + 1 and folded[number_end] == "-"
    return hyphenated and word.startswith(_ORDINAL_SUFFIXES) and len(word) <= 6


def _loose(key: str) -> str:
    """ə is often typed as a ("Barda", "Xazar"); compare with e and a merged."""
    return key.replace("e", "a")


def _tokens(folded: str) -> list[_Token]:
    words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]
    out: list[_Token] = []
    k = 0
    while k < len(words):
        word, start, end = words[k]
        glued = _GLUED_ORDINAL.fullmatch(word)
        if (
            word.isdecimal()
            and k + 1 < len(words)
            and _ordinal_marker(folded, end, words[k + 1][0], words[k + 1][1])
        ):
            out.append(_Token(f"#{int(word)}", start, words[k + 1][2]))
            k += 2
            continue
        if glued:
            out.append(_Token(f"#{int(glued.group(1))}", start, end))
        else:
            number = next((n for s, n in _ordinal_stems().items() if word.startswith(s)), None)
            out.append(_Token(f"#{number}" if number else _loose(word), start, end))
        k += 1
    return out


@cache
def _alias_keys(alias: str) -> tuple[str, ...]:
    return tuple(t.key for t in _tokens(fold(alias)))


def _word_score(alias: str, word: str) -> float:
    """1.0 for the alias word itself or inflected, less for a typo, 0 for no match."""
    if alias.startswith("#") or alias.isdecimal() or word.startswith("#"):
        return 1.0 if alias == word else 0.0
    if word.startswith(alias):
        return 1.0 if len(word) - len(alias) <= _MAX_SUFFIX else 0.0
    if len(alias) < _MIN_FUZZY_LEN or alias[0] != word[:1]:
        return 0.0
    for cut in (len(alias) - 1, len(alias), len(alias) + 1):
        prefix = word[:cut]
        if len(word) - len(prefix) > _MAX_SUFFIX:
            continue
        ops = Levenshtein.editops(alias, prefix)
        # One edit, not on the alias's last letter: there a suffix begins, and "Nizami"
        # must not match "nizamnamə".
        if len(ops) == 1 and ops[0].src_pos < len(alias) - 1:
            return 0.8
    return 0.0


class _Match(NamedTuple):
    start: int  # folded offsets
    end: int
    score: float
    center: str


def _matches(tokens: list[_Token], centers: Mapping[str, Sequence[str]]) -> list[_Match]:
    found: list[_Match] = []
    for center, names in centers.items():
        for name in names:
            keys = _alias_keys(name)
            if not keys:
                continue
            for p in range(len(tokens) - len(keys) + 1):
                window = tokens[p : p + len(keys)]
                scores = [_word_score(a, t.key) for a, t in zip(keys, window, strict=True)]
                if all(scores):
                    weight = sum(s * len(a) for s, a in zip(scores, keys, strict=True))
                    found.append(_Match(window[0].start, window[-1].end, weight, center))
    return found


def find_centers(
    ft: MappedText, centers: Mapping[str, Sequence[str]] | None
) -> list[tuple[int, int, str]]:
    """(start, end, center id) for each center named, offsets into the original text.

    Where names overlap, the longest and best-scoring one wins; on a full tie the center listed
    first in ``centers`` wins.
    """
    if not centers:
        return []
    order = {center: i for i, center in enumerate(centers)}
    matches = _matches(_tokens(ft.text), centers)
    matches.sort(key=lambda m: (-(m.end - m.start), -m.score, order[m.center], m.start))
    chosen: list[_Match] = []
    for m in matches:
        if all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    return [(*ft.span(m.start, m.end), m.center) for m in sorted(chosen)]
