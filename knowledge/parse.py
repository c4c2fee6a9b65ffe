"""Split a passport's lines into its layout's fields.

A numbered line is a field header only when its text starts with that field's title: passports
also number the items inside fields (legal acts, documents, steps), and those must stay content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.errors import PassportImportError
from knowledge.forms import FieldSpec, Layout, layouts

PASSPORT_HEADING = "DOST xidmət pasportu"
_NUMBERED = re.compile(r"^\s*(\d{1,3})\.\s+(\S.*?)\s*$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SourceLine:
    number: int  # 1-based line (or paragraph) number in the source
    text: str  # stripped
    tick: bool | None = None  # a checkbox's state where the source kept it (.docx)


@dataclass
class RawField:
    spec: FieldSpec
    header_line: int
    lines: list[SourceLine] = field(default_factory=list)


@dataclass
class RawPassport:
    file: str
    layout: Layout
    fields: dict[str, RawField]


def clean(text: str) -> str:
    """Strip ordinary and non-breaking spaces; collapse inner runs."""
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def header_title(text: str) -> str:
    """A header's title without the form's asterisks, notes and example in brackets."""
    title = text.split("*", 1)[0]
    title = re.sub(r"\(strukturun nümunəsi:.*$", "", title)
    return clean(title)


def detect_layout(lines: list[SourceLine], file: str) -> Layout:
    texts = [line.text for line in lines]
    for layout in layouts().values():
        if any(layout.detect in t for t in texts):
            return layout
    if any(_is_header_of(layouts()["old"], t) for t in texts):
        return layouts()["old"]  # an old-layout passport whose ID field is missing
    raise PassportImportError(file, "not a DOST passport: no field of any known layout found")


def _is_header_of(layout: Layout, text: str) -> FieldSpec | None:
    m = _NUMBERED.match(text)
    if not m:
        return None
    spec = layout.spec(m.group(1))
    if spec and header_title(m.group(2)).startswith(spec.title):
        return spec
    return None


def _title_elsewhere(layout: Layout, text: str) -> FieldSpec | None:
    """The field whose title a numbered line carries under a different number."""
    title = header_title(text)
    # Longest title first: "… müddəti (ön ofis)" must not be taken for "… müddəti".
    for spec in sorted(layout.fields, key=lambda s: -len(s.title)):
        if title == spec.title:
            return spec
    return None


def split_fields(lines: list[SourceLine], file: str) -> RawPassport:
    layout = detect_layout(lines, file)
    if layout.name == "short":
        return _split_short(lines, file, layout)
    fields: dict[str, RawField] = {}
    current: RawField | None = None
    for line in lines:
        spec = _is_header_of(layout, line.text)
        if spec is None:
            m = _NUMBERED.match(line.text)
            if m and (current is None or current.spec.kind in ("text", "number", "choice")):
                _reject_stray_header(layout, line, m, file, fields)
            if current is not None:
                current.lines.append(line)
            continue
        if spec.number in fields:
            first = fields[spec.number].header_line
            raise PassportImportError(
                file, f"field {spec.number} appears twice (first at line {first})", line.number
            )
        current = fields[spec.number] = RawField(spec=spec, header_line=line.number)
    return RawPassport(file=file, layout=layout, fields=fields)


def _reject_stray_header(
    layout: Layout, line: SourceLine, m: re.Match[str], file: str, fields: dict[str, RawField]
) -> None:
    number, text = m.group(1), m.group(2)
    other = _title_elsewhere(layout, text)
    if other is not None:
        raise PassportImportError(
            file,
            f"field {number} carries the title of field {other.number} ({other.title!r})",
            line.number,
        )
    if int(number) > layout.max_number and header_title(text).startswith("Xidmət"):
        raise PassportImportError(
            file,
            f"unknown field number {number}: the {layout.name} layout has fields "
            f"1–{layout.max_number}",
            line.number,
        )


def _split_short(lines: list[SourceLine], file: str, layout: Layout) -> RawPassport:
    """Short layout: name, result, then two headings with (possibly empty) content."""
    by_title = {f"{spec.title}:": spec for spec in layout.fields[2:]}
    fields: dict[str, RawField] = {}
    current: RawField | None = None
    positional = iter(layout.fields[:2])
    for line in lines:
        if line.text == PASSPORT_HEADING:
            continue
        spec = by_title.get(line.text)
        if spec is not None:
            if spec.number in fields:
                raise PassportImportError(file, f"heading {line.text!r} appears twice", line.number)
            current = fields[spec.number] = RawField(spec=spec, header_line=line.number)
        elif current is not None:
            current.lines.append(line)
        else:
            spec = next(positional, None)
            if spec is None:
                raise PassportImportError(
                    file, "unexpected text before the headings of the short layout", line.number
                )
            fields[spec.number] = RawField(spec=spec, header_line=line.number, lines=[line])
    return RawPassport(file=file, layout=layout, fields=fields)
