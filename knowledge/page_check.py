"""`dost knowledge check` for the service pages: each page names its URL, its date or why it has
none, its language and its stored copy, and says on each topic no more than a curated text;
each subject and uncovered DOST matter points at things that exist."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.pages import (
    MAX_CHOICES,
    PAGE_SOURCES_DIR,
    PAGES_DIR,
    PART_TOPICS,
    SUBJECTS_FILE,
    ServicePage,
    SubjectsFile,
    load_page,
    load_subjects,
)
from nlu.normalize import fold

_SOURCE_LINE = re.compile(r"^# source:\s*(\S+)\s*$", re.M)
_URL = re.compile(r"^https?://\S+$")


def check_pages(
    passport_ids: Iterable[str],
    pages_dir: Path = PAGES_DIR,
    subjects_file: Path = SUBJECTS_FILE,
    sources_dir: Path = PAGE_SOURCES_DIR,
    passport_aliases: dict[str, list[str]] | None = None,
) -> list[str]:
    """Every problem of the pages and subjects, one line each."""
    problems: list[str] = []
    pages: dict[str, ServicePage] = {}
    for path in sorted(pages_dir.glob("*.yaml")):
        try:
            page = load_page(path)
        except (yaml.YAMLError, ValidationError, TypeError) as exc:
            problems.append(f"pages/{path.name}: cannot be read: {_first_line(exc)}")
            continue
        problems.extend(f"pages/{path.name}: {p}" for p in check_page(page, path.stem, sources_dir))
        pages[page.id] = page
    if not pages:
        problems.append(f"{pages_dir}: no service pages")
    try:
        subjects = load_subjects(subjects_file)
    except (OSError, yaml.YAMLError, ValidationError, TypeError) as exc:
        return [*problems, f"{subjects_file.name}: cannot be read: {_first_line(exc)}"]
    problems.extend(
        f"{subjects_file.name}: {p}"
        for p in check_subjects(subjects, pages, set(passport_ids), passport_aliases or {})
    )
    return problems


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def check_page(page: ServicePage, stem: str, sources_dir: Path = PAGE_SOURCES_DIR) -> list[str]:
    problems = []
    if page.id != stem:
        problems.append(f"id {page.id!r} does not match the file name")
    if not _URL.match(page.url):
        problems.append(f"url {page.url!r} is not a web address")
    if page.page_date is None and not (page.date_note or "").strip():
        problems.append("no page_date and no date_note saying why (write what the page shows)")
    source = sources_dir / page.source_file
    if not source.is_file():
        problems.append(f"source file {page.source_file!r} is not in {sources_dir.name}/")
    else:
        stored = _SOURCE_LINE.search(source.read_text(encoding="utf-8"))
        if stored is None or stored.group(1) != page.url:
            found = stored.group(1) if stored else None
            problems.append(f"url {page.url!r} is not the stored copy's `# source:` ({found!r})")
        if not page.source_file.endswith(f"-{page.language}.txt"):
            problems.append(f"language {page.language!r} is not that of {page.source_file!r}")
    for topic, part in page.parts.items():
        if topic not in PART_TOPICS:
            problems.append(f"part {topic!r} is not a topic ({', '.join(PART_TOPICS)})")
        if not part.text.strip():
            problems.append(f"part {topic!r} is empty")
    if not page.parts:
        problems.append("no parts: the page says nothing curated")
    if not page.seen.strip():
        problems.append("no `seen`: say what the stored copy shows")
    return problems


def check_subjects(
    subjects: SubjectsFile,
    pages: dict[str, ServicePage],
    passport_ids: set[str],
    passport_aliases: dict[str, list[str]],
) -> list[str]:
    problems = []
    used: set[str] = set()
    for subject_id, subject in subjects.subjects.items():
        where = f"subject {subject_id}"
        missing = [p for p in subject.pages if p not in pages]
        problems.extend(f"{where}: no page {p!r}" for p in missing)
        used.update(subject.pages)
        first = pages.get(subject.pages[0]) if subject.pages else None
        if not subject.pages:
            problems.append(f"{where}: no pages")
        elif first is not None and "info" not in first.parts:
            problems.append(f"{where}: its first page {first.id!r} has no `info` part")
        if subject.passport is not None and subject.passport not in passport_ids:
            problems.append(f"{where}: no passport {subject.passport!r}")
        if subject.passport is None and not subject.aliases:
            problems.append(f"{where}: no aliases and no passport: nothing reaches it")
    problems.extend(f"page {p!r} answers for no subject" for p in sorted(set(pages) - used))
    known = set(subjects.subjects) | passport_ids
    for item_id, item in subjects.uncovered.items():
        if not item.words:
            problems.append(f"uncovered {item_id}: no words")
        if not item.near:
            problems.append(f"uncovered {item_id}: no nearest topics")
        problems.extend(
            f"uncovered {item_id}: near {n!r} is neither a subject nor a passport"
            for n in item.near
            if n not in known
        )
        if len(item.near) > MAX_CHOICES:
            problems.append(
                f"uncovered {item_id}: more than {MAX_CHOICES} nearest topics (buttons)"
            )
    problems.extend(_shared_names(subjects, passport_aliases))
    return problems


def _shared_names(subjects: SubjectsFile, passport_aliases: dict[str, list[str]]) -> list[str]:
    """A name may belong to one thing only: two subjects, a subject and an uncovered matter,
    or a subject and a passport (the passport would always win it). Names are compared folded
    ("özünüməşğulluq" is "ozunumesgulluq"), reported as first written."""
    owners: dict[str, set[str]] = defaultdict(set)
    written: dict[str, str] = {}
    named = [(f"subject {i}", s.aliases) for i, s in subjects.subjects.items()]
    named += [(f"uncovered {i}", u.words) for i, u in subjects.uncovered.items()]
    for owner, names in named:
        for name in names:
            written.setdefault(fold(name), name)
            owners[fold(name)].add(owner)
    for passport_id, aliases in passport_aliases.items():
        for alias in aliases:
            if fold(alias) in owners:
                owners[fold(alias)].add(f"passport {passport_id}")
    return [
        f"the name {written[key]!r} belongs to several: {', '.join(sorted(who))}"
        for key, who in owners.items()
        if len(who) > 1
    ]
