"""`dost nlu eval`: accuracy of the NLU on a TSV (text, intent, service or "-") next to a plain
baseline trained on the same data in the same run, on the file as given and with the
Azerbaijani letters stripped (as typed on a phone without them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlu.intents import TOPIC_INTENTS, build_training_set, load_examples, load_templates
from nlu.pipeline import load_classifier, passport_names

NO_SERVICE = "-"
_STRIP = str.maketrans("əƏıİşŞçÇğĞöÖüÜ", "eEiIsScCgGoOuU")


@dataclass(frozen=True)
class Row:
    text: str
    intent: str
    service: str | None


@dataclass
class Scores:
    intent_correct: int = 0
    service_correct: int = 0
    service_rows: int = 0
    none_correct: int = 0
    none_rows: int = 0
    rows: int = 0
    confusions: Counter = field(default_factory=Counter)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_correct / self.rows if self.rows else 0.0

    @property
    def service_accuracy(self) -> float:
        return self.service_correct / self.service_rows if self.service_rows else 0.0

    @property
    def none_accuracy(self) -> float:
        return self.none_correct / self.none_rows if self.none_rows else 0.0


def read_rows(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, intent, service = [*line.split("\t"), "", ""][:3]
        service = service.strip()
        rows.append(Row(text, intent.strip(), None if service in ("", NO_SERVICE) else service))
    return rows


def strip_letters(text: str) -> str:
    return text.translate(_STRIP)


def score(rows: Sequence[Row], predict: Callable[[str], tuple[str, str | None]]) -> Scores:
    scores = Scores()
    for row in rows:
        intent, service = predict(row.text)
        scores.rows += 1
        if intent == row.intent:
            scores.intent_correct += 1
        else:
            scores.confusions[(row.intent, intent)] += 1
        if row.service is None:
            scores.none_rows += 1
            scores.none_correct += service is None
        else:
            scores.service_rows += 1
            scores.service_correct += service == row.service
    return scores


def service_training_set(names: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """(text, service id or "-") from the same sources as the intent model: templates filled
    with every name of every service, and the hand examples, which name none."""
    templates = load_templates()
    pairs = [
        (template.replace("{service}", name), service_id)
        for intent in TOPIC_INTENTS
        for template in templates.get(intent, ())
        for service_id, service_names in sorted(names.items())
        for name in service_names
    ]
    pairs += [(text, NO_SERVICE) for texts in load_examples().values() for text in texts]
    return pairs


def baseline(names: Mapping[str, Sequence[str]]) -> Callable[[str], tuple[str, str | None]]:
    """Word TF-IDF + logistic regression, no Azerbaijani normalization."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    intents = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000))
    texts, labels = zip(*build_training_set(names), strict=True)
    intents.fit(texts, labels)
    services = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000))
    s_texts, s_labels = zip(*service_training_set(names), strict=True)
    services.fit(s_texts, s_labels)

    def predict(text: str) -> tuple[str, str | None]:
        service = services.predict([text])[0]
        return intents.predict([text])[0], None if service == NO_SERVICE else service

    return predict


def evaluate_file(path: Path, cache_dir: Path | None = None) -> dict[str, Scores]:
    from knowledge.store import default_passports
    from nlu.services import matcher_from_passports

    passports = default_passports()
    names = passport_names(passports)
    classifier = load_classifier(names, cache_dir)
    matcher = matcher_from_passports(passports)

    def ours(text: str) -> tuple[str, str | None]:
        match = matcher.identify(text)
        return classifier.predict(text)[0][0], match.id if match else None

    plain = baseline(names)
    rows = read_rows(path)
    stripped = [Row(strip_letters(r.text), r.intent, r.service) for r in rows]
    return {
        "dost": score(rows, ours),
        "baseline": score(rows, plain),
        "dost, letters stripped": score(stripped, ours),
        "baseline, letters stripped": score(stripped, plain),
    }


def format_report(results: Mapping[str, Scores]) -> str:
    lines = [f"{'model':28} {'rows':>5} {'intent':>8} {'service':>8} {'none':>8}"]
    for name, s in results.items():
        lines.append(
            f"{name:28} {s.rows:5d} {s.intent_accuracy:8.1%} {s.service_accuracy:8.1%} "
            f"{s.none_accuracy:8.1%}"
        )
    for name in ("dost", "dost, letters stripped"):
        confusions = results[name].confusions.most_common(10)
        if confusions:
            lines.append(f"\nconfusions ({name}): expected → predicted")
            lines += [f"  {gold} → {pred}  ×{n}" for (gold, pred), n in confusions]
    ours, base = results["dost, letters stripped"], results["baseline, letters stripped"]
    intent_gain = 100 * (ours.intent_accuracy - base.intent_accuracy)
    service_gain = 100 * (ours.service_accuracy - base.service_accuracy)
    lines.append(
        f"\nletters stripped, dost − baseline: intent {intent_gain:+.1f} points, "
        f"service {service_gain:+.1f} points"
    )
    return "\n".join(lines)
