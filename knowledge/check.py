"""`dost knowledge check`: every problem in the knowledge base, one line each."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.centers import CENTERS_FILE, Centers, load_centers
from knowledge.forms import layouts, option_sets
from knowledge.model import FieldKind, FieldState, Passport
from knowledge.store import PASSPORTS_DIR, load_passport


def check_knowledge(
    passports_dir: Path = PASSPORTS_DIR, centers_file: Path = CENTERS_FILE
) -> list[str]:
    problems: list[str] = []
    passports: dict[str, Passport] = {}
    for path in sorted(passports_dir.glob("*.yaml")):
        try:
            passport = load_passport(path)
        except (yaml.YAMLError, ValidationError) as exc:
            problems.append(f"{path.name}: cannot be read: {_first_line(exc)}")
            continue
        problems.extend(f"{path.name}: {p}" for p in check_passport(passport, path.stem))
        passports[passport.id] = passport
    if not passports:
        problems.append(f"{passports_dir}: no passports")
    problems.extend(_check_aliases(passports))
    try:
        centers = load_centers(centers_file)
    except (yaml.YAMLError, ValidationError) as exc:
        problems.append(f"{centers_file.name}: cannot be read: {_first_line(exc)}")
    else:
        problems.extend(f"{centers_file.name}: {p}" for p in check_centers(centers, passports))
    return problems


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def check_passport(passport: Passport, stem: str) -> list[str]:
    problems = []
    if passport.id != stem:
        problems.append(f"id {passport.id!r} does not match the file name")
    layout = layouts().get(passport.source.layout)
    if layout is None:
        return [*problems, f"unknown layout {passport.source.layout!r}"]
    for spec in layout.fields:
        field = passport.fields.get(spec.number)
        if field is None:
            problems.append(f"field {spec.number} ({spec.key}) is missing")
            continue
        where = f"field {spec.number} ({spec.key})"
        if field.key != spec.key or field.kind != spec.kind:
            problems.append(f"{where}: key/kind differ from the {layout.name} layout")
        if not field.source:
            problems.append(f"{where}: no source")
        if field.state is FieldState.NOT_PUBLISHED:
            if field.value not in (None, [], ""):
                problems.append(f"{where}: marked not_published but has a value")
            continue
        if field.value in (None, [], ""):
            problems.append(f"{where}: marked {field.state.value} but has no value")
        if spec.kind is FieldKind.NUMBER and field.is_known and not isinstance(field.value, int):
            problems.append(f"{where}: not a number: {field.value!r}")
        if spec.kind is FieldKind.CHOICE and spec.options and isinstance(field.value, list):
            options = option_sets()[spec.options]
            for wording in field.value:
                if options.canonical(str(wording)) is None:
                    problems.append(
                        f"{where}: wording {wording!r} matches no option of {spec.options!r} "
                        "(add it as a variant in knowledge/options.yaml)"
                    )
    extra = set(passport.fields) - {s.number for s in layout.fields}
    problems.extend(f"field {n} is not in the {layout.name} layout" for n in sorted(extra))
    curated = passport.curated
    items = [*curated.aliases, *([curated.short_name] if curated.short_name else [])]
    items += [curated.eligibility_note] if curated.eligibility_note else []
    problems.extend(f"curated item {i.text!r} has no source" for i in items if not i.source.strip())
    rule_ids = [r.id for r in curated.eligibility]
    problems.extend(
        f"eligibility rule {r!r} appears twice"
        for r in {x for x in rule_ids if rule_ids.count(x) > 1}
    )
    problems.extend(
        f"eligibility rule {r.id!r} has no source" for r in curated.eligibility if not r.source
    )
    return problems


def _check_aliases(passports: dict[str, Passport]) -> list[str]:
    owners: dict[str, set[str]] = defaultdict(set)
    for passport in passports.values():
        for alias in passport.aliases:
            owners[alias].add(passport.id)
    return [
        f"alias {alias!r} names several services: {', '.join(sorted(ids))}"
        for alias, ids in owners.items()
        if len(ids) > 1
    ]


def check_centers(centers: Centers, passports: dict[str, Passport]) -> list[str]:
    problems = []
    ids = [c.id for c in centers.centers]
    problems.extend(f"center id {i!r} appears twice" for i in {x for x in ids if ids.count(x) > 1})
    for center in centers.centers:
        if center.parent and centers.get(center.parent) is None:
            problems.append(f"{center.id}: parent {center.parent!r} is not a center")
        if not center.sources:
            problems.append(f"{center.id}: no source")
        hours = centers.hours(center)
        if hours.open >= hours.close:
            problems.append(f"{center.id}: opens at {hours.open} but closes at {hours.close}")
        services = [] if center.services == "all" else center.services
        desks = center.desks.per_service if center.desks else {}
        for service_id in [*services, *desks]:
            if service_id not in passports:
                problems.append(f"{center.id}: unknown service {service_id!r}")
    return problems
