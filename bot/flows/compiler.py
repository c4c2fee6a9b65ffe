"""Compile passports into service flows. Adding a passport file adds a flow; no code changes."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

from bot.flows.model import MainMenu, ServiceFlow, Topic
from knowledge.model import Passport

TOPICS_FILE = Path(__file__).resolve().parent / "topics.yaml"
GROUP_ORDER = (
    "employment", "targeted_assistance", "social_services", "disability", "pensions_benefits",
    "presidential_stipend", "labour_relations", "references", "insured_registration",
    "functional_support", "adoption", "other",
)  # fmt: skip


@cache
def topics() -> dict[str, Topic]:
    data = yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))
    return {topic_id: Topic(id=topic_id, **body) for topic_id, body in data.items()}


def topic_for_intent(intent: str) -> Topic | None:
    """The topic an intent asks for (never a narrower one: those need the question's words)."""
    return next((t for t in topics().values() if t.intent == intent and not t.refines), None)


def topic_for(intent: str, folded_question: str = "") -> Topic | None:
    """The topic a question asks for: the intent's, or a narrower one its words name
    ("poçtla göndərmək olar?" asks how to apply, by post). `folded_question` is the question
    as nlu.normalize.fold gives it."""
    topic = topic_for_intent(intent)
    if topic is None or not folded_question:
        return topic
    return next(
        (t for t in _refinements(topic.id) if any(p.search(folded_question) for p in t.patterns)),
        topic,
    )


@cache
def _refinements(topic_id: str) -> tuple[Topic, ...]:
    return tuple(t for t in topics().values() if topic_id in t.refines)


def group_of(passport: Passport) -> str:
    """The curated group, else the passport's own classification when exactly one is known."""
    if passport.curated.group:
        return passport.curated.group.text
    classification = passport.field("classification")
    if classification and classification.is_known and len(classification.options) == 1:
        return classification.options[0]
    return "other"


def _answerable(passport: Passport, topic: Topic) -> bool:
    if any(getattr(passport.curated, section) for section in topic.curated):
        return True
    fields = [passport.field(key) for key in topic.fields]
    shown = [f for f in fields if f is not None and f.is_shown]  # all of it, or a part
    if topic.requires_text:
        return any(topic.requires_text in str(f.value) for f in shown)
    return bool(shown)


def compile_flow(passport: Passport) -> ServiceFlow:
    answerable = {t.id: _answerable(passport, t) for t in topics().values() if t.action is None}
    menu = [t for t, ok in answerable.items() if ok and topics()[t].menu]
    menu += [t.id for t in topics().values() if t.action is not None]
    return ServiceFlow(
        service_id=passport.id,
        name=passport.display_name,
        group=group_of(passport),
        menu=menu,
        answerable=answerable,
    )


def compile_flows(passports: Mapping[str, Passport]) -> dict[str, ServiceFlow]:
    return {pid: compile_flow(p) for pid, p in sorted(passports.items())}


def main_menu(flows: Mapping[str, ServiceFlow]) -> MainMenu:
    groups: dict[str, list[str]] = {}
    for group in GROUP_ORDER:
        members = sorted((f for f in flows.values() if f.group == group), key=lambda f: f.name)
        if members:
            groups[group] = [f.service_id for f in members]
    return MainMenu(groups=groups)
