"""The assistant's own replies to a topic, as the exported responses and the action server carry
them: composed by bot.answers and cited by bot.sources exactly as bot.dialogue does it, with
what the service's official page adds (bot.page_answers) as a reply of its own. Never written
anew here: a Rasa user reads the same facts and the same source line as the assistant's."""

from __future__ import annotations

from bot.answers import compose
from bot.flows.compiler import topics
from bot.messages import Outbound
from bot.page_answers import PageReply, subject_replies, supplement_replies
from bot.sources import source_footer
from knowledge.model import Passport
from knowledge.pages import PageKnowledge


def answered_topics() -> list[str]:
    """The topics answered with words (not an action such as booking or a hand-off)."""
    return [topic_id for topic_id, topic in topics().items() if topic.action is None]


def passport_replies(passport: Passport, pages: PageKnowledge, topic_id: str) -> list[Outbound]:
    """The replies the assistant gives to `topic_id` about the passport's service: the passport's
    answer with its source line, then what the service's page says, if it speaks to it."""
    answer = compose(passport, topic_id)
    line = source_footer(answer.sources) if answer.sources and answer.known else None
    first = Outbound(text=answer.text, source_line=line, sources=answer.sources,
                     service=passport.id)  # fmt: skip
    return [first, *_outbound(supplement_replies(pages, passport.id, topic_id), passport.id)]


def page_replies(pages: PageKnowledge, subject_id: str, topic_id: str) -> list[Outbound]:
    """The replies to `topic_id` about a subject that only official pages cover."""
    return _outbound(subject_replies(pages, subject_id, topic_id), None)


def shown(replies: list[Outbound]) -> str:
    """Several replies as one message: each with its own source line, a blank line between."""
    return "\n\n".join(reply.shown_text for reply in replies)


def _outbound(replies: list[PageReply], service: str | None) -> list[Outbound]:
    return [
        Outbound(text=r.text, source_line=r.source_line, sources=r.sources, service=service)
        for r in replies
    ]
