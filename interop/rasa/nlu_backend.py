"""`NLU_BACKEND=rasa`: a Rasa NLU server's `POST /model/parse` as the assistant's intent
classifier, the built-in NLU behind it.

What Rasa decides: the intent and its ranking, and the service (its `service` entity, a
passport's id or a page subject's id as the exported project's synonyms map every name; a value
that is not an id is matched by name). What stays built-in: the entities the dialogue reads as
values (dates, times, phones, centers, FIN, booking codes: rule-based and normalized), the
language, and every other attribute the dialogue uses (`services`, `threshold`, ...).

When Rasa times out or fails, the built-in NLU answers alone. One warning when an outage starts,
one info line when Rasa answers again; in between Rasa is retried every `retry_seconds`, not on
every message, so an outage costs no one a timeout after the first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import httpx

from bot.logs import get_logger
from nlu.intents import INTENTS
from nlu.pipeline import NLU
from nlu.subjects import SubjectCandidate

log = get_logger("dost.nlu.rasa")

FALLBACK_INTENT = "nlu_fallback"  # Rasa's FallbackClassifier: not sure of any intent


class RasaUnavailable(Exception):
    """Rasa did not give a usable answer (down, slow, an error status, a foreign body)."""


class RasaNLU:
    def __init__(
        self,
        url: str,
        builtin: NLU,
        services: Mapping[str, str],
        subjects: Mapping[str, str],
        *,
        timeout_seconds: float = 2.0,
        retry_seconds: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url.rstrip("/") + "/model/parse"
        self.builtin = builtin
        self.service_names = dict(services)  # passport id → the service's name
        self.subject_titles = dict(subjects)  # page-only subject id → its title
        self.retry_seconds = retry_seconds
        self.monotonic = monotonic
        self.client = httpx.Client(timeout=timeout_seconds)
        self.down_since: float | None = None  # the outage being ridden out, if any
        self.retry_at = 0.0

    def __getattr__(self, name: str) -> Any:
        # The dialogue's other needs (services, threshold, subjects, centers) are the built-in's.
        return getattr(self.builtin, name)

    def close(self) -> None:
        self.client.close()

    def parse(self, text: str, now: datetime | None = None) -> dict[str, Any]:
        parsed = self.builtin.parse(text, now=now)
        if self.down_since is not None and self.monotonic() < self.retry_at:
            return parsed
        try:
            merged = self._merged(parsed, self._ask(text))
        except (RasaUnavailable, KeyError, TypeError, ValueError) as error:  # or a foreign body
            self._failed(f"{type(error).__name__}: {error}")
            return parsed
        if self.down_since is not None:
            log.info("rasa NLU answers again", url=self.url,
                     outage_seconds=round(self.monotonic() - self.down_since, 1))  # fmt: skip
            self.down_since = None
        return merged

    def _ask(self, text: str) -> dict[str, Any]:
        try:
            response = self.client.post(self.url, json={"text": text})
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(str(error) or type(error).__name__) from error
        if not isinstance(answer, dict) or not isinstance(answer.get("intent"), dict):
            raise RasaUnavailable("the answer has no intent")
        return answer

    def _failed(self, reason: str) -> None:
        now = self.monotonic()
        if self.down_since is None:
            log.warning("rasa NLU unavailable: the built-in NLU answers until it is back",
                        url=self.url, reason=reason, retry_seconds=self.retry_seconds)  # fmt: skip
            self.down_since = now
        self.retry_at = now + self.retry_seconds

    def _merged(self, parsed: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        ranking = [
            {"name": str(item["name"]), "confidence": round(float(item["confidence"]), 4)}
            for item in answer.get("intent_ranking") or [answer["intent"]]
            if item.get("name") in INTENTS
        ]
        top = answer["intent"]
        if top.get("name") in INTENTS:
            intent = {"name": top["name"], "confidence": round(float(top["confidence"]), 4)}
        elif top.get("name") == FALLBACK_INTENT or not ranking:
            # Rasa is not sure: a confidence below the dialogue's threshold makes it ask.
            best = ranking[0]["name"] if ranking else "out_of_scope"
            intent = {"name": best, "confidence": round(float(top.get("confidence") or 0), 4)}
            intent["confidence"] = min(intent["confidence"], self.builtin.threshold / 2)
        else:
            intent = ranking[0]
        services, subject = self._services(answer.get("entities") or [])
        merged = {**parsed, "intent": intent, "intent_ranking": ranking or [intent]}
        if services:
            merged["service"], merged["services"] = services[0], services
            merged["subject"] = None
        elif subject is not None:
            merged["service"], merged["services"], merged["subject"] = None, [], subject
        return merged

    def _services(self, entities: list[dict]) -> tuple[list[dict], dict | None]:
        """Rasa's `service` entities as the built-in NLU's services (in the text's order) and
        the page subject, if one was named instead."""
        found: list[dict] = []
        subject = None
        for entity in sorted(entities, key=lambda e: e.get("start", 0)):
            if entity.get("entity") != "service":
                continue
            value = str(entity.get("value", ""))
            confidence = round(float(entity.get("confidence_entity", 1.0)), 4)
            if value in self.subject_titles:
                subject = (
                    subject
                    or SubjectCandidate(
                        value, self.subject_titles[value], True, confidence
                    ).to_dict()
                )
                continue
            named = self.service_names.get(value)
            if named is None:  # a name Rasa's synonyms did not map: matched as the text is
                candidate = self.builtin.services.identify(value)
                if candidate is None:
                    continue
                value, named, confidence = candidate.id, candidate.name, candidate.confidence
            if all(s["id"] != value for s in found):
                found.append({"id": value, "name": named, "confidence": confidence})
        return found, subject


def rasa_nlu(url: str, builtin: NLU, timeout_seconds: float = 2.0) -> RasaNLU:
    """The Rasa backend over the packaged knowledge's services and page-only subjects."""
    from knowledge.pages import default_page_knowledge
    from knowledge.store import default_passports

    services = {pid: p.display_name for pid, p in default_passports().items()}
    pages = default_page_knowledge()
    subjects = {sid: s.title for sid, s in pages.subjects.items() if s.passport is None}
    return RasaNLU(url, builtin, services, subjects, timeout_seconds=timeout_seconds)
