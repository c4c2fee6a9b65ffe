"""The service pages in the conversation: which messages the pages answer, and the replies.

A message that names a subject of the pages more specifically than any passport (the NLU's
`subject`) is answered from the pages; one that names a DOST matter nothing covers yet gets
"not in my knowledge yet", the 142 call center and the nearest covered subjects as buttons; a
follow-up ("bəs sənədlər?") stays with the subject. Requests for the assistant to do something
(book, a person, thanks) are left to the dialogue. A passport's answer is followed by what its
service's page says on the same topic, in a reply of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.catalog import t
from bot.choices import Pick, choice
from bot.flows.compiler import topic_for, topics
from bot.flows.model import ServiceFlow
from bot.messages import Choice
from bot.page_answers import (
    PageReply,
    other_topics,
    subject_replies,
    supplement_replies,
    uncovered_text,
)
from bot.state import ConversationState
from knowledge.pages import MAX_CHOICES, PageKnowledge
from nlu.normalize import fold

if TYPE_CHECKING:
    from bot.dialogue import Turn

# Intents that ask the assistant to act, not to inform: a subject named with them changes nothing.
ACTIONS = frozenset({
    "book_slot", "cancel_booking", "reschedule_booking", "my_booking", "application_status",
    "human_handoff", "unsubscribe", "thanks", "goodbye", "ask_hours",
})  # fmt: skip
INFORMING = {topic.intent for topic in topics().values() if topic.action is None}


class PageDialogue:
    def __init__(
        self,
        knowledge: PageKnowledge,
        flows: Mapping[str, ServiceFlow],
        show_sources: bool = True,
    ) -> None:
        self.knowledge = knowledge
        self.flows = flows
        self.show_sources = show_sources

    def take(
        self,
        state: ConversationState,
        parsed: dict[str, Any],
        confident: bool,
        elliptic: bool,
        turn: Turn,
    ) -> bool:
        """Answer the message from the pages when it is theirs; False to leave it to the
        dialogue. `elliptic`: the message is a "bəs …?" follow-up of the last topic."""
        intent = parsed["intent"]["name"]
        subject = parsed.get("subject")
        if subject is None:
            if parsed.get("service"):  # a passport's service now: the subject is left
                state.subject = None
                return False
            if state.subject and confident and intent in INFORMING:  # "bəs sənədlər?"
                self.answer(state, state.subject, _topic(intent, parsed), turn)
                return True
            return False
        if confident and intent in ACTIONS:
            return False
        if not subject["covered"]:
            self.uncovered(state, subject["id"], turn)
        elif elliptic and state.topic:
            self.answer(state, subject["id"], state.topic, turn)
        else:
            self.answer(state, subject["id"], _topic(intent, parsed) if confident else "info", turn)
        return True

    def answer(self, state: ConversationState, subject_id: str, topic: str, turn: Turn) -> None:
        state.subject, state.topic = subject_id, topic
        state.service, state.services = None, []  # a follow-up is about the subject now
        turn.service = None
        turn.intent = topics()[topic].intent  # what was answered ("işsiz kimi qeydiyyat": info)
        self._say(subject_replies(self.knowledge, subject_id, topic), turn)
        others = other_topics(self.knowledge, subject_id, topic, MAX_CHOICES)
        turn.replies[-1].choices = [
            *(choice(Pick.PAGE, _title(other), f"{subject_id}:{other}") for other in others),
            choice(Pick.MAIN, t("menu.back")),
        ]

    def uncovered(self, state: ConversationState, item_id: str, turn: Turn) -> None:
        state.subject = state.topic = state.service = None
        state.services = []
        turn.service = None
        if turn.intent not in INFORMING:  # a DOST question, whatever the classifier made of it
            turn.intent = "service_info"
        near = [c for n in self.knowledge.uncovered[item_id].near if (c := self._near(n))]
        turn.say(uncovered_text(self.knowledge, item_id),
                 [*near[:MAX_CHOICES], choice(Pick.MAIN, t("menu.back"))])  # fmt: skip

    def on_choice(self, state: ConversationState, argument: str, turn: Turn) -> None:
        """A subject's button: "id" (what it is about) or "id:topic"."""
        subject_id, _, topic = argument.partition(":")
        if subject_id not in self.knowledge.subjects or (topic and topic not in topics()):
            turn.say(t("stale_choice"), [choice(Pick.MAIN, t("menu.back"))])
            return
        self.answer(state, subject_id, topic or "info", turn)

    def supplement(self, passport_id: str, topic: str, turn: Turn) -> None:
        """After a passport's answer: what its service's page says on the topic, in replies of
        their own; the buttons move to the last reply."""
        replies = supplement_replies(self.knowledge, passport_id, topic)
        if not replies or not turn.replies:
            return
        choices, turn.replies[-1].choices = turn.replies[-1].choices, []
        self._say(replies, turn, service=passport_id)
        turn.replies[-1].choices = choices

    def _say(self, replies: list[PageReply], turn: Turn, **meta: Any) -> None:
        for reply in replies:
            line = reply.source_line if self.show_sources else None
            turn.say(reply.text, sources=reply.sources, source_line=line, **meta)

    def _near(self, item: str) -> Choice | None:
        """A button for a nearest topic: a subject, or a passport's service (also the one a
        subject belongs to)."""
        subject = self.knowledge.subjects.get(item)
        service = subject.passport if subject else item
        if service in self.flows:
            return choice(Pick.SERVICE, self.flows[service].name, service)
        return choice(Pick.PAGE, subject.title, item) if subject else None


def _title(topic: str) -> str:
    """A topic's button: a subject is no service, so its summary is "general information"."""
    return t("page.about") if topic == "info" else t(f"topic.{topic}")


def _topic(intent: str, parsed: dict[str, Any]) -> str:
    """The topic the question asks for (a narrower one its words name), else what it is about."""
    topic = topic_for(intent, fold(parsed.get("text", "")))
    return topic.id if topic is not None and topic.action is None else "info"
