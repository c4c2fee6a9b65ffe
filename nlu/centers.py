"""Which DOST center a message names, by its names and aliases, on folded tokens.

Tolerates inflection ("Xəzərdə", "Bərdəyə", "Yasamaldakı": the alias is a prefix of the word),
ə typed as a ("Barda"), and one-letter typos in longer names (rapidfuzz). Ordinals are one
token, so "1 saylı", "1 nömrəli", "1-ci" and "birinci" are the same and never match "2 saylı".

What depends only on the ``centers`` mapping (alias keys, which keys a word scores against) is
worked out once per mapping and kept while the mapping is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
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


# A token: its key (the folded word, or "#n" for an ordinal), start and end in the folded text.
_Token = tuple[str, int, int]


@cache
def _ordinal_stems() -> dict[str, int]:
    return {fold(word): n for n, word in enumerate(_ORDINAL_WORDS, start=1)}


@cache
def _ordinal_stem_prefixes() -> tuple[str, ...]:
    return tuple(_ordinal_stems())


@cache
def _maybe_ordinal() -> re.Pattern[str]:
    """Found in any text where ``_tokens`` makes an ordinal: a digit, or a word that begins
    with an ordinal stem."""
    stems = "|".join(map(re.escape, _ordinal_stems()))
    return re.compile(rf"\d|(?<![^\W_])(?:{stems})")


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
    if not _maybe_ordinal().search(folded):  # every word is its loose key
        return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(_loose(folded))]
    words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]
    stems = _ordinal_stem_prefixes()
    out: list[_Token] = []
    k = 0
    while k < len(words):
        word, start, end = words[k]
        if word[0].isdecimal():  # a number ("1 saylı") or a glued ordinal ("1ci")
            if (
                word.isdecimal()
                and k + 1 < len(words)
                and _ordinal_marker(folded, end, words[k + 1][0], words[k + 1][1])
            ):
                out.append((f"#{int(word)}", start, words[k + 1][2]))
                k += 2
                continue
            glued = _GLUED_ORDINAL.fullmatch(word)
            if glued:
                out.append((f"#{int(glued.group(1))}", start, end))
                k += 1
                continue
        if word.startswith(stems):
            number = next(n for s, n in _ordinal_stems().items() if word.startswith(s))
            out.append((f"#{number}", start, end))
        else:
            out.append((_loose(word), start, end))
        k += 1
    return out


@cache
def _alias_keys(alias: str) -> tuple[str, ...]:
    return tuple(key for key, _, _ in _tokens(fold(alias)))


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


# An alias as matched: its keys, the center it names, and its key lengths (for the weight).
_Alias = tuple[tuple[str, ...], str, tuple[int, ...]]
_MAX_SCORED_WORDS = 20000  # per compiled mapping; the cache is emptied when it is full


class _Compiled:
    """Everything about one ``centers`` mapping that does not depend on the text."""

    def __init__(self, centers: Mapping[str, Sequence[str]]) -> None:
        self.order = {center: i for i, center in enumerate(centers)}
        # Aliases by their first key, in mapping order (the order matches are found in).
        self.by_first_key: dict[str, list[_Alias]] = {}
        # Every alias key by its first character: a word scores above 0 only against a key
        # that begins with its own first character (see ``_word_score``).
        self.keys_by_letter: dict[str, list[str]] = {}
        seen: set[str] = set()
        for center, names in centers.items():
            for name in names:
                keys = _alias_keys(name)
                if not keys:
                    continue
                alias = (keys, center, tuple(map(len, keys)))
                self.by_first_key.setdefault(keys[0], []).append(alias)
                for key in keys:
                    if key not in seen:
                        seen.add(key)
                        self.keys_by_letter.setdefault(key[0], []).append(key)
        self.scored: dict[str, tuple[tuple[str, float], ...]] = {}

    def scores(self, word: str) -> tuple[tuple[str, float], ...]:
        """(alias key, score) for each alias key ``word`` scores above 0 against."""
        found = self.scored.get(word)
        if found is None:
            candidates = self.keys_by_letter.get(word[0], ())
            found = tuple((key, score) for key in candidates if (score := _word_score(key, word)))
            if len(self.scored) >= _MAX_SCORED_WORDS:
                self.scored.clear()
            self.scored[word] = found
        return found

    def matches(self, tokens: list[_Token]) -> list[_Match]:
        # Where each alias key matches: (token index, key) → score.
        at: dict[tuple[int, str], float] = {}
        starts: dict[str, list[int]] = {}
        scored = self.scored
        by_first_key = self.by_first_key
        for p, (word, _, _) in enumerate(tokens):
            found = scored.get(word)
            for key, score in self.scores(word) if found is None else found:
                at[p, key] = score
                if key in by_first_key:
                    starts.setdefault(key, []).append(p)
        if not starts:
            return []
        matches: list[_Match] = []
        n = len(tokens)
        for first, positions in starts.items():
            for keys, center, lengths in self.by_first_key[first]:
                size = len(keys)
                for p in positions:
                    if p + size > n:
                        break
                    scores = [at.get((p + i, key), 0.0) for i, key in enumerate(keys)]
                    if all(scores):
                        weight = sum(s * w for s, w in zip(scores, lengths, strict=True))
                        end = tokens[p + size - 1][2]
                        matches.append(_Match(tokens[p][1], end, weight, center))
        return matches


@lru_cache(maxsize=8)
def _compiled(frozen: tuple[tuple[str, tuple[str, ...]], ...]) -> _Compiled:
    return _Compiled(dict(frozen))


# The mapping compiled last, a copy of its items (or None) and its compiled form: the same
# mapping object, unchanged, is told apart by one comparison instead of a frozen copy.
_last: tuple[object, list[tuple[str, Sequence[str]]] | None, _Compiled | None] = (None, None, None)


def _compile(centers: Mapping[str, Sequence[str]]) -> _Compiled:
    global _last
    last, snapshot, compiled = _last
    items = list(centers.items())
    if centers is last and items == snapshot and compiled is not None:
        return compiled
    compiled = _compiled(tuple([(center, tuple(names)) for center, names in items]))
    if all(type(names) in (list, tuple) for _, names in items):  # copies compare by content
        snapshot = [
            (center, list(names) if type(names) is list else names) for center, names in items
        ]
        _last = (centers, snapshot, compiled)
    return compiled


def find_centers(
    ft: MappedText, centers: Mapping[str, Sequence[str]] | None
) -> list[tuple[int, int, str]]:
    """(start, end, center id) for each center named, offsets into the original text.

    Where names overlap, the longest and best-scoring one wins; on a full tie the center listed
    first in ``centers`` wins.
    """
    if not centers:
        return []
    compiled = _compile(centers)
    matches = compiled.matches(_tokens(ft.text))
    if not matches:
        return []
    order = compiled.order
    matches.sort(key=lambda m: (-(m.end - m.start), -m.score, order[m.center], m.start))
    chosen: list[_Match] = []
    for m in matches:
        if all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    return [(*ft.span(m.start, m.end), m.center) for m in sorted(chosen)]
