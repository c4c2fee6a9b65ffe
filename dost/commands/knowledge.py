"""`dost knowledge import|check|show`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from knowledge.build import import_passport
from knowledge.errors import PassportImportError
from knowledge.store import PASSPORTS_DIR, merge_curated, write_passports


def import_files(files: list[str], out_dir: str | None = None) -> int:
    """Import every file or none: one bad file stops the import before anything is written."""
    directory = Path(out_dir) if out_dir else PASSPORTS_DIR
    passports, errors = [], []
    for name in files:
        path = Path(name)
        if not path.is_file():
            errors.append(f"{name}: no such file")
            continue
        try:
            passports.append(merge_curated(import_passport(path), directory))
        except PassportImportError as exc:
            errors.append(str(exc))
    seen: dict[str, str] = {}
    for p in passports:
        if p.id in seen:
            errors.append(f"{p.source.file}: same service ID {p.id} as {seen[p.id]}")
        seen[p.id] = p.source.file
    if errors:
        for error in errors:
            print(f"error: {error}", file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 1
    for path in write_passports(passports, directory):
        print(f"imported {path}")
    return 0


def check() -> int:
    from knowledge.check import check_knowledge

    problems = check_knowledge()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("knowledge base OK")
    return 0


def show(passport_id: str, as_json: bool) -> int:
    from knowledge.store import default_passports
    from knowledge.views import passport_summary, passport_text

    passport = default_passports().get(passport_id)
    if passport is None:
        return show_page(passport_id, as_json)
    if as_json:
        print(json.dumps(passport_summary(passport), ensure_ascii=False, indent=2))
    else:
        print(passport_text(passport))
    return 0


def show_page(page_id: str, as_json: bool) -> int:
    """A service page (knowledge/pages): its address, date, language, stored copy and parts."""
    from knowledge.pages import default_page_knowledge

    page = default_page_knowledge().pages.get(page_id)
    if page is None:
        print(f"no passport with id {page_id!r}, nor a service page", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(page.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return 0
    date = page.page_date.isoformat() if page.page_date else f"none ({page.date_note})"
    print(f"{page.id} — {page.title}\nurl: {page.url}\ndate: {date}\nlanguage: {page.language}")
    print(f"source: {page.source_file} ({page.shown}: {page.seen})")
    for topic, part in page.parts.items():
        print(f"\n[{topic}{', partial' if part.partial else ''}]\n{part.text}")
    return 0
