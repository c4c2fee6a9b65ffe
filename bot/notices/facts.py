"""What the citizen may ask about their notices afterwards — "komissiya nə vaxtdır?", "qərar
nədir?", "monitorinq nə vaxt olacaq?" — answered from the facts DOST's back office sent, with
their dates and the notice as the source; only to the proven owner.

Which fact a question is about: the words it uses ("monitorinq", "sosial agent" → the
monitoring visit; "qərar" → the decision), else its intent (commission_date → the commission;
application_status → the newest of the status and the decision).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.catalog import format_date, t
from bot.clock import as_baku
from bot.messages import Outbound
from bot.notices.records import Notifications, subjects
from bot.notices.texts import clock_time
from bot.people import People, Person, conversation_address
from nlu.normalize import fold

if TYPE_CHECKING:
    import redis.asyncio as aioredis

INTENTS = frozenset({"commission_date", "application_status"})
_MONITORING_WORDS = ("monitorinq", "sosial agent", "yoxlama", "мониторинг")
_DECISION_WORDS = ("qerar", "решение")


def topic_of(intent: str, text: str) -> str:
    """commission, decision, monitoring or status."""
    folded = fold(text)
    if any(fold(w) in folded for w in _MONITORING_WORDS):
        return "monitoring"
    if any(fold(w) in folded for w in _DECISION_WORDS):
        return "decision"
    return "commission" if intent == "commission_date" else "status"


class NoticeFacts:
    def __init__(self, redis: aioredis.Redis, people: People) -> None:
        self.people = people
        self.records = Notifications(redis, people.clock)

    async def owner(self, person_id: str | None, conversation: str) -> Person | None:
        """The proven person of the conversation: its state's, or its address's owner."""
        if person_id:
            found = await self.people.get(person_id)
            if found is not None:
                return found
        address = conversation_address(conversation)
        return await self.people.by_address(*address) if address else None

    async def about(self, person: Person) -> dict[str, dict[str, Any]]:
        return await self.records.facts(subjects(person.id, person.fin, person.phone))


def pick(topic: str, facts: Mapping[str, dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
    """The fact answering `topic`: (its kind, the fact)."""
    if topic == "status":
        found = [(k, facts[k]) for k in ("status", "decision") if k in facts]
        return max(found, key=lambda kf: kf[1]["at"]) if found else None
    return (topic, facts[topic]) if topic in facts else None


def answer(kind: str, fact: Mapping[str, Any], services: Mapping[str, str]) -> Outbound:
    """The fact in words, its date and the notice it came in as the source."""
    event = fact["event"]
    service = services.get(event["service"], event["service"])
    if kind == "commission":
        day = dt.date.fromisoformat(event["date"])
        at = clock_time(dt.time.fromisoformat(event["time"]))
        text = t("notice.facts.commission", service=service, day=format_date(day), time=at,
                 place=event["place"])  # fmt: skip
    elif kind == "decision":
        text = t(f"notice.facts.decision_{event['decision']}", service=service)
        if event.get("reason"):
            text += "\n" + t("notice.reason", reason=event["reason"])
    elif kind == "monitoring":
        day = dt.date.fromisoformat(event["date"])
        text = t("notice.facts.monitoring", service=service, day=format_date(day))
        if event.get("time_from") and event.get("time_to"):
            start = clock_time(dt.time.fromisoformat(event["time_from"]))
            end = clock_time(dt.time.fromisoformat(event["time_to"]))
            text += "\n" + t("notice.window", start=start, end=end)
    else:
        text = t("notice.facts.status", service=service, status=event["status"])
    received = as_baku(dt.datetime.fromisoformat(fact["at"])).date()
    return Outbound(text=text, source_line=t("notice.facts.source", day=format_date(received)),
                    service=event["service"])  # fmt: skip


def none_known(topic: str) -> str:
    return t(f"notice.facts.none_{topic}")
