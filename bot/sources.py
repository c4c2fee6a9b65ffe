"""Where an answer came from: the references it carries (passport fields with their numbers, or
official pages) and the one short line a screen shows under it."""

from __future__ import annotations

from bot.catalog import has, t
from bot.messages import SourceRef
from knowledge.model import Passport, PassportField
from nlu.normalize import az_lower


def field_ref(passport: Passport, f: PassportField) -> SourceRef:
    return SourceRef(passport=passport.id, field=f.number, title=f.title, key=f.key,
                     service=passport.display_name)  # fmt: skip


def source_footer(sources: list[SourceRef]) -> str:
    """One short line: the passport and the parts of it the answer came from, said as
    phrases (the field numbers stay in `sources` for staff and the API), and any page."""
    fields = [ref for ref in sources if ref.field != "curated"]
    pages = [ref.url for ref in sources if ref.field == "curated" and ref.url]
    urls = ", ".join(dict.fromkeys(pages))
    if not fields:
        return t("answer.source_curated", url=urls)
    what = ", ".join(dict.fromkeys(_ref_phrase(ref) for ref in fields))
    service = fields[0].service or fields[0].passport
    key = "answer.source_both" if urls else "answer.source"
    return t(key, service=service, what=what, url=urls)


def _ref_phrase(ref: SourceRef) -> str:
    key = f"phrase.field.{ref.key}"
    return t(key) if ref.key and has(key) else az_lower(ref.title)
