"""The second kind of knowledge: official service pages (DOST's and other agencies' sites).

A passport has numbered fields, each with a state. A page has none of that: it has a URL, the
date the page shows (most show none, and that is said, never guessed), the language it is
written in, and what its stored copy showed. Each page is curated into short Azerbaijani texts,
one per topic the page speaks to (`parts`, keyed by the topic ids of bot/flows/topics.yaml), in
the page's words; a part taken from an English page is a translation, and the answer says so.

Pages are grouped into *subjects* (knowledge/subjects.yaml): what a person asks about ("əmək
pensiyası", "əlilliyin müəyyən edilməsi"), matched by the subject's own aliases. A subject may
belong to a passport's service (ÜDSY, sanatorium vouchers): then the passport answers and the
page adds what it says, as a separate reply. The same file lists the DOST matters no page or
passport covers yet (`uncovered`), so that such a question is recognised as a DOST question and
answered with "not in my knowledge yet", the 142 call center and the nearest covered subjects.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

KNOWLEDGE_DIR = Path(__file__).resolve().parent
PAGES_DIR = KNOWLEDGE_DIR / "pages"
SUBJECTS_FILE = KNOWLEDGE_DIR / "subjects.yaml"
PAGE_SOURCES_DIR = KNOWLEDGE_DIR / "sources" / "service-pages"
# Buttons under an answer from the pages, besides "Əsas menyu": with it, a menu of four, which
# no channel cuts into pages (bot/dialogue.py PAGE_SIZE).
MAX_CHOICES = 3

# The topics a page can speak to: the answerable topics of bot/flows/topics.yaml (a test keeps
# the two lists in step). `info` is what the page is about: the summary every subject starts with.
PART_TOPICS: tuple[str, ...] = (
    "info",
    "result",
    "documents",
    "eligibility",
    "representative",
    "fee",
    "amount",
    "duration",
    "location",
    "performer",
    "procedure",
    "post",
    "online",
    "online_whole",
    "notification",
    "refusal",
    "legal_basis",
)


class PagePart(BaseModel):
    """What the page says on one topic, curated into Azerbaijani."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    # The stored copy stops inside this part (a list cut off): the answer says it is a part.
    partial: bool = False


class ServicePage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str  # the file's stem
    title: str  # Azerbaijani, as a person would name the page's subject
    publisher: str  # Azerbaijani: whose site it is (DOST Agentliyi, ...)
    url: str  # the page's address, the `# source:` line of its stored copy
    language: Literal["az", "en"]
    # The page's own date. Required, and None when the page shows none: `date_note` says so.
    page_date: dt.date | None
    date_note: str | None = None  # English, for maintainers: why there is no date
    source_file: str  # the stored copy, in knowledge/sources/service-pages/
    shown: Literal["whole", "part"]  # the stored copy holds the whole page body or a part
    seen: str  # English, for maintainers: what the stored copy shows (SOURCES.md)
    # English, for maintainers: why the page's rules may be superseded. The answer warns.
    outdated: str | None = None
    parts: dict[str, PagePart]

    @property
    def translated(self) -> bool:
        return self.language != "az"


class Subject(BaseModel):
    """Something a person asks about, answered from its pages (first page with a part first)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str  # Azerbaijani: button titles and answer headings
    area: str  # the DOST area (the main menu's group ids: pensions_benefits, disability, ...)
    pages: list[str]  # page ids, in the order they answer
    aliases: list[str] = Field(default_factory=list)  # matched like a passport's aliases
    # The passport of the same service, if one is loaded: the passport answers, the page adds.
    passport: str | None = None


class Uncovered(BaseModel):
    """A DOST matter neither a passport nor a page covers yet, recognised by its words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str  # Azerbaijani: named in the "not in my knowledge yet" answer
    area: str
    words: list[str]  # what people call it, matched like aliases
    near: list[str]  # the nearest covered subjects or passports (ids): buttons, MAX_CHOICES


class SubjectsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjects: dict[str, Subject]
    uncovered: dict[str, Uncovered]


class PageKnowledge(BaseModel):
    """The pages, the subjects they answer and the DOST matters not covered."""

    pages: dict[str, ServicePage]
    subjects: dict[str, Subject]
    uncovered: dict[str, Uncovered]

    def answering(self, subject_id: str, topic: str) -> list[tuple[ServicePage, PagePart]]:
        """The pages of a subject that speak to `topic`, with what they say, in order."""
        subject = self.subjects[subject_id]
        found = []
        for page_id in subject.pages:
            page = self.pages.get(page_id)
            if page is not None and topic in page.parts:
                found.append((page, page.parts[topic]))
        return found

    def topics_of(self, subject_id: str) -> list[str]:
        """The topics some page of the subject speaks to, in PART_TOPICS order."""
        have = {topic for topic, _ in self._all_parts(subject_id)}
        return [t for t in PART_TOPICS if t in have]

    def _all_parts(self, subject_id: str) -> list[tuple[str, PagePart]]:
        subject = self.subjects[subject_id]
        return [
            (topic, part)
            for page_id in subject.pages
            if page_id in self.pages
            for topic, part in self.pages[page_id].parts.items()
        ]

    def subject_of_passport(self, passport_id: str) -> str | None:
        return next((s for s, v in self.subjects.items() if v.passport == passport_id), None)

    def names(self) -> dict[str, list[str]]:
        """Matchable names: `subject:<id>` → aliases and `uncovered:<id>` → words (an id with
        none is not matchable: a subject its passport answers for)."""
        names = {f"subject:{i}": list(s.aliases) for i, s in self.subjects.items() if s.aliases}
        names.update({f"uncovered:{i}": list(u.words) for i, u in self.uncovered.items()})
        return names

    def title(self, kind_id: str) -> str:
        kind, _, item = kind_id.partition(":")
        return (self.subjects[item] if kind == "subject" else self.uncovered[item]).title


def load_page(path: Path) -> ServicePage:
    return ServicePage.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_subjects(path: Path = SUBJECTS_FILE) -> SubjectsFile:
    return SubjectsFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_page_knowledge(
    pages_dir: Path = PAGES_DIR, subjects_file: Path = SUBJECTS_FILE
) -> PageKnowledge:
    pages = {p.id: p for p in (load_page(path) for path in sorted(pages_dir.glob("*.yaml")))}
    subjects = load_subjects(subjects_file)
    return PageKnowledge(pages=pages, subjects=subjects.subjects, uncovered=subjects.uncovered)


@cache
def default_page_knowledge() -> PageKnowledge:
    """The packaged pages and subjects, read once per process."""
    return load_page_knowledge()
