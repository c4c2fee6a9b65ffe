"""Turn a passport's raw fields into typed fields with a state, a unit and canonical options."""

from __future__ import annotations

import re
from pathlib import Path

from knowledge.errors import PassportImportError
from knowledge.forms import FieldSpec, complete_lists, item_key, option_sets
from knowledge.model import FieldKind, FieldState, Passport, PassportField, SourceInfo, Step
from knowledge.parse import RawField, RawPassport, SourceLine, split_fields
from knowledge.readers import read_lines

_ITEM_NUMBER = re.compile(r"^(\d{1,3})\.\s*(.*)$")
_PASSPORT_ID = re.compile(r"^\d{2}-\d{2}-\d{2}-\d{2}$")
# Lines the form prints inside a field that are not values.
_FORM_LABELS = {"Rəqəmlə"}


def import_passport(path: Path) -> Passport:
    """Read, split and build one passport file (plain text or .docx)."""
    raw = split_fields(read_lines(path), path.name)
    return build_passport(raw, stem=path.stem)


def build_passport(raw: RawPassport, stem: str) -> Passport:
    built: dict[str, PassportField] = {}
    for spec in raw.layout.fields:
        built[spec.number] = _build_field(spec, raw.fields.get(spec.number), raw.file)
    for spec in raw.layout.fields:  # units need every field built first
        if spec.kind is FieldKind.NUMBER:
            built[spec.number].unit = _unit_of(spec, built)

    name = built["1"]
    if not name.is_known or not isinstance(name.value, str):
        line = raw.fields["1"].header_line if "1" in raw.fields else None
        raise PassportImportError(raw.file, "no service name (field 1 is missing or empty)", line)
    return Passport(
        id=_passport_id(built, raw.file, stem),
        name=name.value,
        source=SourceInfo(file=raw.file, layout=raw.layout.name),
        fields=built,
    )


def _passport_id(built: dict[str, PassportField], file: str, stem: str) -> str:
    id_field = next((f for f in built.values() if f.key == "id"), None)
    if id_field is None or not id_field.is_known:
        return stem  # the passport publishes no ID: its file stem stands in (DESIGN.md)
    value = str(id_field.value)
    if not _PASSPORT_ID.match(value):
        raise PassportImportError(
            file,
            f"field 2 is not a service ID like 02-04-10-00: {value!r}",
            int(id_field.source.rsplit(":", 1)[1]),
        )
    return value


def _values(raw: RawField) -> list[SourceLine]:
    return [
        line
        for line in raw.lines
        if line.text not in _FORM_LABELS and not line.text.startswith("**")
    ]


def _build_field(spec: FieldSpec, raw: RawField | None, file: str) -> PassportField:
    base = {"number": spec.number, "key": spec.key, "title": spec.title, "kind": spec.kind}
    lines = _values(raw) if raw else []
    if raw is None or not lines:
        where = f"{file}:{raw.header_line}" if raw else file
        note = "empty in the source" if raw else "absent from the source"
        return PassportField(**base, state=FieldState.NOT_PUBLISHED, source=where, note=note)
    source = f"{file}:{lines[0].number}"
    texts = [line.text for line in lines]
    match spec.kind:
        case FieldKind.TEXT:
            return PassportField(
                **base, state=FieldState.KNOWN, value=" ".join(texts), source=source
            )
        case FieldKind.LIST:
            items = [_strip_number(t) for t in texts]
            complete = complete_lists().get(spec.complete_list or "")
            if complete and len(complete) > 1 and {item_key(i) for i in items} == complete:
                return PassportField(
                    **base,
                    state=FieldState.UNKNOWN,
                    value=items,
                    source=source,
                    note="lists the form's complete list: the ticks were lost",
                )
            return PassportField(**base, state=FieldState.KNOWN, value=items, source=source)
        case FieldKind.NUMBER:
            value: str | int = " ".join(texts)
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            return PassportField(**base, state=FieldState.KNOWN, value=value, source=source)
        case FieldKind.STEPS:
            return PassportField(**base, state=FieldState.KNOWN, value=_steps(texts), source=source)
        case FieldKind.CHOICE:
            return _build_choice(spec, lines, base, source)
    raise AssertionError(spec.kind)


def _strip_number(text: str) -> str:
    m = _ITEM_NUMBER.match(text)
    return m.group(2) if m else text


def _steps(texts: list[str]) -> list[Step]:
    """Steps in published order; numbers kept as printed (the original repeats 4 and 5)."""
    steps = []
    for text in texts:
        m = _ITEM_NUMBER.match(text)
        steps.append(Step(number=m.group(1), text=m.group(2)) if m else Step(text=text))
    return steps


def _build_choice(
    spec: FieldSpec, lines: list[SourceLine], base: dict, source: str
) -> PassportField:
    options = option_sets()[spec.options] if spec.options else None
    ticks_kept = any(line.tick is not None for line in lines)
    if ticks_kept:  # a .docx with real checkboxes: the ticked ones are the selection
        lines = [line for line in lines if line.tick]
        if not lines:
            return PassportField(
                **base,
                state=FieldState.NOT_PUBLISHED,
                source=source,
                note="no option ticked in the source",
            )
    texts = [line.text for line in lines]
    ids = [options.canonical(t) if options else None for t in texts]
    canonical = [i for i in ids if i is not None]

    note = None
    if spec.single and len(texts) > 1:
        note = f"a one-tick field lists {len(texts)} options: the tick was lost"
    elif (
        not ticks_kept
        and spec.complete_set
        and options is not None
        and len(options.complete) > 1
        and set(canonical) == set(options.complete)
    ):
        note = "lists the form's complete option set: the ticks were lost"
    state = FieldState.UNKNOWN if note else FieldState.KNOWN
    return PassportField(
        **base, state=state, value=texts, options=canonical, source=source, note=note
    )


def _unit_of(spec: FieldSpec, built: dict[str, PassportField]) -> str | None:
    if spec.unit:
        return spec.unit
    unit_field = built.get(spec.unit_field or "")
    if unit_field is None or not unit_field.is_known or len(unit_field.options) != 1:
        return None
    return option_sets()["time_unit"].label(unit_field.options[0])


def import_source_info(passport: Passport, url: str | None) -> Passport:
    passport.source = SourceInfo(file=passport.source.file, layout=passport.source.layout, url=url)
    return passport


def apply_partial_marks(passport: Passport) -> Passport:
    """Mark the fields the curated section says the source showed only in part.

    Only a field the import found with a value becomes `partial`; a mark on a field that is
    empty or unknown is left for `dost knowledge check` to report.
    """
    for mark in passport.curated.partial:
        field = passport.fields.get(mark.field)
        if field is not None and field.state is FieldState.KNOWN:
            field.state = FieldState.PARTIAL
            field.note = f"only partly shown in the source: {mark.shown}"
    return passport
