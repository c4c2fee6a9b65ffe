"""Conversation tests as data: YAML stories of what the user says and what the reply must
(not) contain, which intent and service. Run by pytest and by `dost test stories FILE`.

    stories:
      - story: documents without Azerbaijani letters
        now: "2026-11-20T10:00:00+04:00"   # optional: the story's clock, frozen (see STORY_NOW)
        steps:
          - user: "ozunumesgulluq ucun hansi senedler lazimdir"
            intent: ask_documents
            service: 02-04-10-00
            contains: ["Şəxsiyyət vəsiqəsi"]
            not_contains: ["ödənişsiz"]
          - choose: "Xidmət haqqı"     # a choice of the last reply, by its title
          - choice: "t:fee"            # or by id (a stale id tests the stale-button answer)
          - code_from_sms: true        # types the one-time code last sent by SMS
          - user: "özünüməşğulluq və peşə hazırlığı təqaüdü pulludur?"
            replies:                   # each reply in order: its own contains / service
              - {service: 02-04-10-00, contains: ["dəqiq göstərilməyib"]}
              - {service: 02-04-07-00, contains: ["ödənişsizdir"]}

Every story runs on a frozen clock, never on the real date: at its `now`, or at STORY_NOW.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot.clock import BAKU, FrozenClock
from bot.messages import Contact, Inbound, Outbound
from bot.people import Proof

STORY_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=BAKU)  # a Friday morning


@dataclass
class StorySms:
    """The story's SMS outbox: one-time codes land here instead of a phone."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    async def __call__(self, phone: str, text: str) -> bool:
        self.sent.append((phone, text))
        return True

    def last_code(self) -> str | None:
        import re

        found = re.findall(r"\b\d{6}\b", self.sent[-1][1]) if self.sent else []
        return found[0] if found else None


@dataclass
class StoryResult:
    name: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_stories(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data["stories"]


def _fold_case(text: str) -> str:
    """Case and punctuation aside; Cyrillic read one way for needle and reply alike (a short
    needle may read as Azerbaijani where its reply reads as Russian)."""
    from nlu.normalize import normalize

    return normalize(text, "ru")


def story_clock(story: dict[str, Any]) -> FrozenClock:
    """The story's frozen clock: its `now` ("2026-11-23T09:00:00+04:00"), or STORY_NOW."""
    return FrozenClock(datetime.fromisoformat(str(story["now"])) if "now" in story else STORY_NOW)


async def run_story(engine: Any, story: dict[str, Any]) -> StoryResult:
    """Run one story against `engine`, on the story's own clock (`Engine.with_clock`)."""
    result = StoryResult(story["story"])
    conversation = f"story:{uuid.uuid4().hex[:12]}"
    last: list[Outbound] = []
    sms = StorySms()
    engine = engine.with_clock(story_clock(story), send_sms=sms)
    for number, step in enumerate(story["steps"], start=1):
        where = f"step {number}"
        inbound = Inbound(conversation_id=conversation, channel=story.get("channel", "test"))
        if "contact" in step:
            pass
        elif "user" in step:
            inbound.text = step["user"]
        elif "code_from_sms" in step:
            code = sms.last_code()
            if code is None:
                result.failures.append(f"{where}: no code was sent by SMS")
                return result
            inbound.text = code
        elif "choice" in step:
            inbound.choice = step["choice"]
        elif "choose" in step:
            offered = {c.title: c.id for out in last for c in out.choices}
            if step["choose"] not in offered:
                result.failures.append(f"{where}: no choice {step['choose']!r} in {list(offered)}")
                return result
            inbound.choice = offered[step["choose"]]
        else:
            result.failures.append(f"{where}: needs user, choice or choose")
            return result
        if "contact" in step:
            inbound.contact = Contact(phone=step["contact"], proof=Proof.TELEGRAM_CONTACT)
        last = await engine.handle(inbound)
        text = "\n".join(out.shown_text for out in last)
        _expect(result, where, step, last, text)
    return result


def _expect(
    result: StoryResult, where: str, step: dict, replies: list[Outbound], text: str
) -> None:
    folded = _fold_case(text)
    for needle in step.get("contains", []):
        if _fold_case(needle) not in folded:
            result.failures.append(f"{where}: reply lacks {needle!r}:\n{text}")
    for needle in step.get("not_contains", []):
        if _fold_case(needle) in folded:
            result.failures.append(f"{where}: reply must not contain {needle!r}:\n{text}")
    final = replies[-1] if replies else None
    for key in ("intent", "service"):
        if key in step:
            got = getattr(final, key) if final else None
            if got != step[key]:
                result.failures.append(f"{where}: {key} {got!r}, expected {step[key]!r}")
    if "handoff" in step and any(o.handoff for o in replies) != step["handoff"]:
        result.failures.append(f"{where}: handoff expected {step['handoff']}")
    if "choices" in step:
        titles = [c.title for o in replies for c in o.choices]
        missing = [c for c in step["choices"] if c not in titles]
        if missing:
            result.failures.append(f"{where}: choices {missing} not offered (got {titles})")
    if "replies" in step:
        if len(replies) != len(step["replies"]):
            result.failures.append(f"{where}: {len(replies)} replies, expected "
                                   f"{len(step['replies'])}")  # fmt: skip
        for k, (expected, reply) in enumerate(zip(step["replies"], replies, strict=False), start=1):
            _expect(result, f"{where}, reply {k}", expected, [reply], reply.shown_text)
    if "sources" in step:
        fields = {s.field for o in replies for s in o.sources}
        missing = [str(f) for f in step["sources"] if str(f) not in fields]
        if missing:
            result.failures.append(f"{where}: source fields {missing} missing (got {fields})")
