"""Which service a message names: passport names and curated aliases, matched on folded text.

Folding (no diacritics, az casing, ASCII habits) makes "ozunumesgulluq" meet "özünüməşğulluq";
rapidfuzz's partial ratio tolerates inflection ("ictimai işlərə") and small typos.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from nlu.normalize import fold

# An alias this short is an acronym ("ÜDSY"): it must start a word, fuzzy matching is noise.
_SHORT = 5
# Below this partial-ratio score a name is not taken as mentioned.
MATCH_THRESHOLD = 88.0


@dataclass(frozen=True)
class ServiceCandidate:
    id: str
    name: str
    confidence: float  # 0–1


class ServiceMatcher:
    def __init__(self, names: Mapping[str, Sequence[str]], display: Mapping[str, str]) -> None:
        """`names`: service id → its names and aliases; `display`: id → the name to show."""
        self._display = dict(display)
        self._keys: list[tuple[str, str]] = []  # (service id, folded alias)
        for service_id, texts in names.items():
            self._keys += [
                (service_id, key) for key in sorted({fold(t) for t in texts if t.strip()})
            ]
        self._short = [
            (sid, re.compile(rf"\b{re.escape(key)}"))
            for sid, key in self._keys
            if len(key) <= _SHORT
        ]
        self._long = [(sid, key) for sid, key in self._keys if len(key) > _SHORT]

    def rank(self, text: str, limit: int = 3) -> list[ServiceCandidate]:
        key = fold(text)
        if not key:
            return []
        best: dict[str, float] = {}
        for service_id, score in self._scores(key):
            if score > best.get(service_id, 0.0):
                best[service_id] = score
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return [
            ServiceCandidate(i, self._display[i], min(1.0, round(s / 100, 3))) for i, s in ranked
        ]

    def _scores(self, key: str) -> list[tuple[str, float]]:
        """(service id, score) of every alias at or above the threshold."""
        found = [(sid, 100.0) for sid, pattern in self._short if pattern.search(key)]
        fits = [(sid, alias) for sid, alias in self._long if len(alias) <= len(key)]
        # One batched call: rapidfuzz loops in C over the aliases the message can contain.
        hits = process.extract(
            key,
            [alias for _, alias in fits],
            scorer=fuzz.partial_ratio,
            score_cutoff=MATCH_THRESHOLD,
            limit=None,
        )
        # Longer aliases are more specific: a tie between "sosial yardım" and a 25-letter name
        # goes to the longer one.
        found += [(fits[pos][0], score + min(len(alias), 40) / 100) for alias, score, pos in hits]
        for sid, alias in self._long:
            # A message shorter than a name must be (nearly) the whole name, or a single word
            # like "xidmət" would match every long name it occurs in.
            if len(alias) > len(key) and (score := fuzz.ratio(alias, key)) >= MATCH_THRESHOLD:
                found.append((sid, score))
        return found

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
