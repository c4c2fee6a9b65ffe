"""Which subject of the service pages, or which DOST matter not covered yet, a message names.

Subjects (knowledge/subjects.yaml) are matched by their aliases exactly as passports are
(nlu/services.py). A subject is reported only when it names the question more specifically than
any passport: "əlilliyə görə müavinət" is the uncovered disability benefit, not the institution
for children "əlilliyi olan uşaq"; "ÜDSY alan pensiyaçı" stays with the ÜDSY passport, whose
acronym is as good a name as "pensiya".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlu.services import ServiceMatcher

# How much more specific (in hundredths: letters of the matched name) a subject must be than
# the best passport. A few letters either way is no evidence: the passport, which names a
# service, keeps the question.
MARGIN = 0.05


@dataclass(frozen=True)
class SubjectCandidate:
    id: str  # the subject's or uncovered matter's id
    name: str
    covered: bool  # a subject answered from pages; False for a DOST matter not covered
    confidence: float  # 0–1

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "covered": self.covered,
                "confidence": self.confidence}  # fmt: skip


class SubjectMatcher:
    def __init__(self, names: Mapping[str, Sequence[str]], titles: Mapping[str, str]) -> None:
        """`names`: "subject:<id>" / "uncovered:<id>" → aliases; `titles`: the same keys → name."""
        self._matcher = ServiceMatcher(names, titles)
        self._titles = dict(titles)

    def identify(
        self, text: str, passports: ServiceMatcher | None = None
    ) -> SubjectCandidate | None:
        """The subject the text names, if it names one more specifically than any passport."""
        scores = self._matcher.specificity(text)
        if not scores:
            return None
        key, score = max(scores.items(), key=lambda kv: (kv[1], kv[0]))
        rival = max((passports.specificity(text) if passports else {}).values(), default=0.0)
        if score <= rival + MARGIN:
            return None
        kind, _, item = key.partition(":")
        return SubjectCandidate(item, self._titles[key], kind == "subject",
                                min(1.0, round(score / 100, 3)))  # fmt: skip


def matcher_from_pages(knowledge: object) -> SubjectMatcher:
    """A matcher over the packaged subjects and uncovered matters (knowledge.pages)."""
    names = knowledge.names()  # type: ignore[attr-defined]
    titles = {key: knowledge.title(key) for key in names}  # type: ignore[attr-defined]
    return SubjectMatcher(names, titles)
