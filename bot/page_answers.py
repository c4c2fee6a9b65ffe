"""Answers from official service pages (knowledge/pages), the second kind of knowledge.

Each reply comes from one page and is cited as that page: its URL and its date, or that it
shows none. A page's words are never mixed into a passport's answer: where a passport's service
has a page too, the page speaks in a reply of its own. A part taken from an English page says
it is a translation; a part the stored copy cut off says it is a part; a page whose rules may be
superseded says so. Where no page of a subject speaks to the topic asked, the answer says that,
gives what the subject is about and the 142 call center.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.catalog import t
from bot.messages import SourceRef
from knowledge.pages import PageKnowledge, PagePart, ServicePage

# Pages that answer one topic in one answer (the rest of a subject's pages stay unread).
MAX_PAGES = 2


@dataclass
class PageReply:
    text: str
    source_line: str
    sources: list[SourceRef] = field(default_factory=list)


def source_line(page: ServicePage) -> str:
    if page.page_date is not None:
        from babel.dates import format_date

        from nlu.normalize import az_lower

        date = t("page.dated", date=az_lower(format_date(page.page_date, "d MMMM y", locale="az")))
    else:
        date = t("page.undated")
    return t("page.source", url=page.url, publisher=page.publisher, date=date)


def _reference(page: ServicePage) -> SourceRef:
    return SourceRef(field="page", title=page.title, url=page.url, page=page.id)


def _reply(page: ServicePage, part: PagePart, lead: str | None, offer: bool = False) -> PageReply:
    """A reply from one page: `lead`, the part, then what the reader must know of it (cut off,
    translated, maybe superseded) and, where something is missing, the 142 call center."""
    lines = [lead] if lead else []
    lines.append(part.text)
    notes = [t("page.part_cut")] if part.partial else []
    notes += [t("page.translated")] if page.translated else []
    notes += [t("page.outdated")] if page.outdated else []
    if offer or part.partial or page.outdated:
        notes.append(t("page.call_center"))
    if notes:
        lines.append(" ".join(notes))
    return PageReply("\n\n".join(lines), source_line(page), [_reference(page)])


def subject_replies(knowledge: PageKnowledge, subject_id: str, topic: str) -> list[PageReply]:
    """The answer to `topic` about a subject: a reply from each page that speaks to it (at most
    MAX_PAGES); where none does, that, with the subject's summary and the 142 call center."""
    subject = knowledge.subjects[subject_id]
    heading = t("page.heading", subject=subject.title)
    found = knowledge.answering(subject_id, topic)[:MAX_PAGES]
    if found:
        return [
            _reply(page, part, heading if n == 0 else t("page.also"))
            for n, (page, part) in enumerate(found)
        ]
    page, summary = knowledge.answering(subject_id, "info")[0]
    missing = t("page.not_on_page", topic=t(f"phrase.topic.{topic}"))
    return [_reply(page, summary, f"{heading}\n\n{missing}", offer=True)]


def supplement_replies(knowledge: PageKnowledge, passport_id: str, topic: str) -> list[PageReply]:
    """What the official page of a passport's service says on `topic`, as a reply of its own
    after the passport's answer (none when no page of it speaks to the topic)."""
    subject_id = knowledge.subject_of_passport(passport_id)
    if subject_id is None:
        return []
    found = knowledge.answering(subject_id, topic)[:1]
    return [_reply(page, part, t("page.supplement")) for page, part in found]


def other_topics(knowledge: PageKnowledge, subject_id: str, asked: str, limit: int) -> list[str]:
    """Topics of the subject to offer after an answer: those some page speaks to, not the one
    just answered."""
    return [topic for topic in knowledge.topics_of(subject_id) if topic != asked][:limit]


def uncovered_text(knowledge: PageKnowledge, item_id: str) -> str:
    item = knowledge.uncovered[item_id]
    text = t("uncovered.answer", topic=item.title)
    return f"{text}\n\n{t('uncovered.near')}" if item.near else text
