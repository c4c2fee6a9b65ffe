"""Which service a message names: passport names and curated aliases, matched on folded text.

Folding (no diacritics, az casing, ASCII habits) makes "ozunumesgulluq" meet "özünüməşğulluq";
rapidfuzz's partial ratio tolerates inflection ("ictimai işlərə") and small typos. Azerbaijani
inflects by adding suffixes; Russian changes its words' endings ("адресная помощь", "на
адресную помощь"), so Russian aliases are also matched word stem by word stem (`stem_key`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from nlu.language import has_cyrillic
from nlu.normalize import fold

# An alias this short is an acronym ("ÜDSY"): it must start a word, fuzzy matching is noise.
_SHORT = 5
# Below this partial-ratio score a name is not taken as mentioned.
MATCH_THRESHOLD = 88.0
# A Russian word's case ending once folded (-ая, -ую, -ой, -ых, -ами, -ом...), cut after a stem
# of at least four letters.
_RU_ENDING = re.compile(r"(?<=\S{4})[aeiouymxh]+(?=\s|$)")


def stem_key(key: str) -> str:
    """A folded text with each word's Russian ending cut ("adresnuyu sotsialnuyu pomosci" →
    "adresn sotsialn pomosc"). It works on the folded key, where Russian typed in either
    script meets (a Cyrillic-only stemmer would miss "putevku v sanatoriy"); words of four
    letters or fewer stay whole."""
    return _RU_ENDING.sub("", key)


def _stem_offsets(key: str) -> list[int]:
    """For each character of `stem_key(key)`, its offset in `key`."""
    cut = [False] * len(key)
    for match in _RU_ENDING.finditer(key):
        cut[match.start() : match.end()] = [True] * (match.end() - match.start())
    return [k for k in range(len(key)) if not cut[k]]


@dataclass(frozen=True)
class ServiceCandidate:
    id: str
    name: str
    confidence: float  # 0–1


class _FuzzyAliases:
    """Long aliases, matched fuzzily: those a message can contain by partial ratio, longer
    ones by ratio against the whole message (a message shorter than a name must be (nearly)
    the whole name, or a single word like "xidmət" would match every long name it occurs in).
    Sorted by length, so each kind is one batched rapidfuzz call over a slice."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        ordered = sorted(pairs, key=lambda pair: (len(pair[1]), pair))
        self.ids = [service_id for service_id, _ in ordered]
        self.aliases = [alias for _, alias in ordered]
        self._lengths = [len(alias) for alias in self.aliases]

    def hits(self, key: str) -> list[tuple[str, str, float]]:
        """(service id, alias, score) at or above the threshold. Longer aliases are more
        specific: a tie between "sosial yardım" and a 25-letter name goes to the longer one."""
        cut = bisect_right(self._lengths, len(key))
        inside = process.extract(key, self.aliases[:cut], scorer=fuzz.partial_ratio,
                                 score_cutoff=MATCH_THRESHOLD, limit=None)  # fmt: skip
        whole = process.extract(key, self.aliases[cut:], scorer=fuzz.ratio,
                                score_cutoff=MATCH_THRESHOLD, limit=None)  # fmt: skip
        return [
            *((self.ids[pos], alias, score + min(len(alias), 40) / 100)
              for alias, score, pos in inside),
            *((self.ids[cut + pos], alias, score) for alias, score, pos in whole),
        ]  # fmt: skip


def _alias_keys(text: str) -> set[str]:
    """The folded keys of a name; a Russian one read in both alphabets, as a Russian sentence
    or an Azerbaijani one may quote it ("АГСП üçün sənədlər")."""
    if not has_cyrillic(text):
        return {fold(text)}
    return {fold(text, "ru"), fold(text, "az")}


class ServiceMatcher:
    def __init__(self, names: Mapping[str, Sequence[str]], display: Mapping[str, str]) -> None:
        """`names`: service id → its names and aliases; `display`: id → the name to show."""
        self._display = dict(display)
        self._keys: list[tuple[str, str]] = []  # (service id, folded alias)
        russian: set[tuple[str, str]] = set()  # Russian aliases' keys, matched by their stems
        for service_id, texts in names.items():
            keys = {key for text in texts if text.strip() for key in _alias_keys(text)}
            self._keys += [(service_id, key) for key in sorted(keys)]
            russian |= {(service_id, key) for text in texts if has_cyrillic(text)
                        for key in _alias_keys(text)}  # fmt: skip
        self._patterns = {
            key: re.compile(rf"\b{re.escape(key)}") for _, key in self._keys if len(key) <= _SHORT
        }
        self._short = [(sid, key) for sid, key in self._keys if key in self._patterns]
        long = [(sid, key) for sid, key in self._keys if len(key) > _SHORT]
        self._long = _FuzzyAliases(pair for pair in long if pair not in russian)
        # Russian names inflect at their ends: stems against the message's stems.
        plain = set(self._long.aliases)
        stems = {(sid, stem_key(key)) for sid, key in long if (sid, key) in russian}
        self._stems = _FuzzyAliases(
            (sid, st) for sid, st in stems if len(st) > _SHORT and st not in plain
        )
        self._stem_aliases = set(self._stems.aliases)
        # A message is matched for its service, its services and its rest: once.
        self._hits = lru_cache(maxsize=512)(self._compute_hits)

    def rank(self, text: str, limit: int = 3) -> list[ServiceCandidate]:
        key = fold(text)
        if not key:
            return []
        best: dict[str, float] = {}
        for service_id, _, score in self._hits(key):
            if score > best.get(service_id, 0.0):
                best[service_id] = score
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return [self._candidate(i, s) for i, s in ranked]

    def mentioned(self, text: str) -> list[ServiceCandidate]:
        """Every service `text` names, in the order it names them ("özünüməşğulluq və peşə
        hazırlığı təqaüdü pulludur?" → both). Names that cover the same words (one inside
        another, or a loose match over another's name) are one mention: the best match's."""
        key = fold(text)
        hits = self._hits(key) if key else ()
        if len({service_id for service_id, _, _ in hits}) < 2:
            return self.rank(text, limit=1)
        spans = sorted(
            ((score, len(alias), *self._span(alias, key), sid) for sid, alias, score in hits),
            key=lambda h: (-h[0], -h[1], h[2], h[4]),
        )
        chosen: list[tuple[float, int, int, int, str]] = []
        for hit in spans:
            _, _, start, end, sid = hit
            if not any(sid == c[4] or (start < c[3] and c[2] < end) for c in chosen):
                chosen.append(hit)
        return [self._candidate(sid, score) for score, _, _, _, sid in
                sorted(chosen, key=lambda c: c[2])]  # fmt: skip

    def specificity(self, text: str) -> dict[str, float]:
        """Each named id's best match: its score plus a hundredth per letter of the alias that
        matched (an acronym's letters too), so that matches of two matchers can be weighed: the
        longer of two exact names is the more specific."""
        key = fold(text)
        best: dict[str, float] = {}
        for service_id, alias, score in self._hits(key) if key else ():
            if alias in self._patterns:  # an acronym: scored flat by _compute_hits
                score += min(len(alias), 40) / 100
            best[service_id] = max(score, best.get(service_id, 0.0))
        return best

    def _candidate(self, service_id: str, score: float) -> ServiceCandidate:
        confidence = min(1.0, round(score / 100, 3))
        return ServiceCandidate(service_id, self._display[service_id], confidence)

    def _compute_hits(self, key: str) -> tuple[tuple[str, str, float], ...]:
        """(service id, folded alias, score) of every alias at or above the threshold."""
        found = [(sid, alias, 100.0) for sid, alias in self._short
                 if self._patterns[alias].search(key)]  # fmt: skip
        # Russian aliases also by their stems, on the message's stems.
        return (*found, *self._long.hits(key), *self._stems.hits(stem_key(key)))

    def _span(self, alias: str, key: str) -> tuple[int, int]:
        """Where in `key` the alias matched: the whole message for a name longer than it."""
        if alias in self._stem_aliases:
            stemmed, where = stem_key(key), _stem_offsets(key)
            if len(alias) > len(stemmed) or not stemmed:
                return 0, len(key)
            aligned = fuzz.partial_ratio_alignment(alias, stemmed)
            return where[aligned.dest_start], where[max(aligned.dest_end - 1, 0)] + 1
        if alias in self._patterns:
            found = self._patterns[alias].search(key)
            return (found.start(), found.end()) if found else (0, len(key))
        if len(alias) > len(key):
            return 0, len(key)
        aligned = fuzz.partial_ratio_alignment(alias, key)
        return aligned.dest_start, aligned.dest_end

    def without_mention(self, text: str, service_id: str) -> str:
        """`text` less the words that name `service_id` ("bəs ünvanlı yardım üçün?" → "bəs
        üçün?"), so what is left can be classified on its own."""
        stems = {
            word[:5]
            for sid, alias in self._keys
            if sid == service_id
            for word in alias.split()
            if len(word) >= 4
        }
        words = [w for w in text.split() if fold(w)[:5] not in stems or len(fold(w)) < 4]
        return " ".join(words)

    def identify(self, text: str) -> ServiceCandidate | None:
        ranked = self.rank(text, limit=1)
        return ranked[0] if ranked else None


def matcher_from_passports(passports: Mapping[str, object]) -> ServiceMatcher:
    """A matcher over the knowledge base's passports (name, short name, aliases)."""
    names = {
        pid: [p.name, p.display_name, *p.aliases]  # type: ignore[attr-defined]
        for pid, p in passports.items()
    }
    display = {pid: p.display_name for pid, p in passports.items()}  # type: ignore[attr-defined]
    return ServiceMatcher(names, display)
