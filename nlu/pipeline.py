"""The NLU as one call: text → intent, ranking, entities and service, in Rasa's /model/parse shape.

The intent model is trained on first use and cached under DOST_DATA_DIR/cache, keyed by a hash
of everything it is trained from, so a changed example or passport retrains it and nothing else
does.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.entities import extract_entities
from nlu.intents import CONFIDENCE_THRESHOLD, IntentClassifier, build_training_set
from nlu.language import detect_language
from nlu.services import ServiceCandidate, ServiceMatcher
from nlu.subjects import SubjectMatcher

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_VERSION = "1"  # bump when the features or the model change
SURE = 0.8  # a ranking this confident needs no second look without the service's name


class NLU:
    def __init__(
        self,
        classifier: IntentClassifier,
        services: ServiceMatcher,
        centers: Mapping[str, Sequence[str]] | None = None,
        subjects: SubjectMatcher | None = None,
    ) -> None:
        self.classifier = classifier
        self.services = services
        self.centers = centers
        self.subjects = subjects  # the service pages' subjects and uncovered DOST matters
        self.threshold = CONFIDENCE_THRESHOLD
        # What a text means apart from the time it is said at (dates are relative to `now`):
        # people ask the same few things, so it is computed once per text.
        self._meaning = lru_cache(maxsize=4096)(self._meaning_of)

    def parse(self, text: str, now: datetime | None = None) -> dict[str, Any]:
        """Rasa's /model/parse shape plus `service` (the best match), `services` (every
        service the text names, in its order: a question about two is answered for both) and
        `subject` (a subject of the service pages, or a DOST matter not covered, that the text
        names more specifically than any passport);
        `language` ("az", "ru", or None when the text does not say: nlu.language)."""
        service, mentioned, subject, ranking, language = self._meaning(text)
        name, confidence = ranking[0] if ranking else ("out_of_scope", 0.0)
        return {
            "text": text,
            "intent": {"name": name, "confidence": round(confidence, 4)},
            "intent_ranking": [{"name": n, "confidence": round(c, 4)} for n, c in ranking],
            "entities": [
                e.to_dict() for e in extract_entities(text, now=now, centers=self.centers)
            ],
            "service": _service(service) if service else None,
            "services": [_service(s) for s in mentioned],
            "subject": subject.to_dict() if subject else None,
            "language": language,
        }

    def _meaning_of(self, text: str) -> tuple[Any, ...]:
        service = self.services.identify(text)
        mentioned = tuple(self.services.mentioned(text))
        subject = self.subjects.identify(text, self.services) if self.subjects else None
        ranking = tuple(self._rank_intents(text, service.id if service else None))
        return service, mentioned, subject, ranking, detect_language(text)

    def _rank_intents(self, text: str, service_id: str | None) -> list[tuple[str, float]]:
        """Intents of the text, or of the text less the service's name when that is clearer:
        a long official name dilutes the few words that say what is asked."""
        ranking = self.classifier.predict(text)[:10]
        if service_id is None or ranking[0][1] >= SURE:
            return ranking
        rest = self.services.without_mention(text, service_id)
        if not rest or rest == text:
            return ranking
        alternative = self.classifier.predict(rest)[:10]
        return alternative if alternative[0][1] > ranking[0][1] else ranking


def _service(candidate: ServiceCandidate) -> dict[str, Any]:
    return {"id": candidate.id, "name": candidate.name, "confidence": candidate.confidence}


def passport_names(passports: Mapping[str, Any]) -> dict[str, list[str]]:
    return {pid: [p.name, p.display_name, *p.aliases] for pid, p in sorted(passports.items())}


def training_fingerprint(names: Mapping[str, Sequence[str]]) -> str:
    digest = hashlib.sha256(MODEL_VERSION.encode())
    for path in sorted(DATA_DIR.glob("*.yml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(names, ensure_ascii=False, sort_keys=True).encode())
    import sklearn

    digest.update(sklearn.__version__.encode())
    return digest.hexdigest()[:16]


def load_classifier(names: Mapping[str, Sequence[str]], cache_dir: Path | None) -> IntentClassifier:
    """The cached model for this training data, trained (and cached) when missing. Processes
    starting together (`dost serve --workers N`, `dost worker`) train it once: the first takes
    a file lock and trains, the others wait for it and load the result."""
    path = cache_dir / f"intents-{training_fingerprint(names)}.pkl" if cache_dir else None
    if path is None:
        return _trained(names)
    loaded = _load_cached(path)
    if loaded is not None:
        return loaded
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(path.with_suffix(".lock")):
        loaded = _load_cached(path)  # trained by another process while this one waited
        if loaded is not None:
            return loaded
        classifier = _trained(names)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        classifier.save(Path(tmp))
        os.replace(tmp, path)  # atomic: a reader never sees half a model
    return classifier


def _trained(names: Mapping[str, Sequence[str]]) -> IntentClassifier:
    classifier = IntentClassifier()
    classifier.fit(build_training_set(names))
    return classifier


def _load_cached(path: Path) -> IntentClassifier | None:
    if not path.exists():
        return None
    try:
        return IntentClassifier.load(path)
    except Exception:  # a damaged or foreign cache file: retrain rather than fail
        path.unlink(missing_ok=True)
        return None


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """An advisory lock on a file, across processes (released if the process dies)."""
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_nlu(cache_dir: Path | None = None) -> NLU:
    """The NLU over the packaged knowledge base."""
    from knowledge.centers import default_centers
    from knowledge.pages import default_page_knowledge
    from knowledge.store import default_passports
    from nlu.services import matcher_from_passports
    from nlu.subjects import matcher_from_pages

    passports = default_passports()
    classifier = load_classifier(passport_names(passports), cache_dir)
    subjects = matcher_from_pages(default_page_knowledge())
    return NLU(classifier, matcher_from_passports(passports), default_centers().aliases(), subjects)
