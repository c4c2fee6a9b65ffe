"""Read-only views of a passport: the JSON shape of DESIGN.md and a plain-text listing."""

from __future__ import annotations

from knowledge.model import Passport, PassportField, Step


def _plain(value: object) -> object:
    if isinstance(value, list):
        return [
            (f"{v.number}. {v.text}" if v.number else v.text) if isinstance(v, Step) else v
            for v in value
        ]
    return value


def field_summary(field: PassportField) -> dict:
    summary = {"title": field.title, "state": field.state.value, "value": _plain(field.value)}
    if field.unit:
        summary["unit"] = field.unit
    return summary


def passport_summary(passport: Passport) -> dict:
    return {
        "id": passport.id,
        "name": passport.name,
        "fields": {n: field_summary(f) for n, f in passport.fields.items()},
    }


def passport_text(passport: Passport) -> str:
    lines = [f"{passport.id} — {passport.name}", f"source: {passport.source.file}"]
    for number, field in passport.fields.items():
        lines.append(f"\n{number}. {field.title}  [{field.state.value}]")
        value = _plain(field.value)
        if isinstance(value, list):
            lines.extend(f"   - {v}" for v in value)
        elif value is not None:
            lines.append(f"   {value}{' ' + field.unit if field.unit else ''}")
        if field.note:
            lines.append(f"   ({field.note})")
    if passport.aliases:
        lines.append("\naliases: " + ", ".join(passport.aliases))
    return "\n".join(lines)
