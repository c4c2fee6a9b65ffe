"""`dost knowledge check`: every problem in the knowledge base, one line each."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.centers import CENTERS_FILE, Centers, load_centers
from knowledge.forms import (
    OPTIONS_FILE,
    OptionSet,
    layouts,
    load_option_sets,
    option_sets,
    wording_key,
)
from knowledge.model import FieldKind, FieldState, Passport, PlainStep, Step, step_refs
from knowledge.page_check import check_pages
from knowledge.pages import PAGES_DIR, SUBJECTS_FILE
from knowledge.store import PASSPORTS_DIR, load_passport
from nlu.normalize import az_lower, fold

# The label check (check_labels) ignores these in an option's wordings. Headings of the form
# that group the options ("Əhali: Fərdi sahibkarlar" is shown under the heading "Əhali");
# function words whose absence changes nothing a person is told. "ya" (or), negations and every
# other word carry meaning and are compared.
FORM_HEADINGS = ("Əhali:", "Qeyri-əhali:")
FUNCTION_WORDS = frozenset(fold(w) for w in ("və", "ilə", "da", "də", "ki"))
# A possessive ending alone does not change the meaning ("Elektron sistemləri" is "Elektron
# sistemlər"): a word is kept when the label has it with or without one of these endings
# (folded), the shorter of the two words having at least MIN_STEM letters.
_WORD = re.compile(r"\w+")
POSSESSIVE_ENDINGS = ("i", "u", "si", "su")
MIN_STEM = 5

# What a plain step (curated.steps_plain) keeps of each published step it restates: every
# number, in digits or in words, and every unit of time (a deadline, a period, a frequency).
# "bir" is left out of the number words: it is also the article "a". The forms of each unit
# are listed whole, since a stem alone would also match other words ("ilə" is "with").
NUMBER_WORDS = frozenset(("iki", "üç", "dörd", "beş", "altı", "yeddi", "səkkiz", "doqquz", "on",
                          "iyirmi", "otuz", "qırx", "əlli", "yüz", "min"))  # fmt: skip
TIME_UNITS = {
    "gün": "gün günü günə gündə gündən günün günlük",
    "ay": "ay ayı aya ayda aydan ayın aylıq",
    "il": "il ili ildə ildən ilin illik",
    "həftə": "həftə həftəyə həftədə həftədən həftənin həftəlik",
    "saat": "saat saatı saata saatda saatdan saatın saatlıq",
    "dəqiqə": "dəqiqə dəqiqəyə dəqiqədə dəqiqədən dəqiqənin dəqiqəlik",
}
_UNIT_OF_FORM = {form: unit for unit, forms in TIME_UNITS.items() for form in forms.split()}


def check_knowledge(
    passports_dir: Path = PASSPORTS_DIR,
    centers_file: Path = CENTERS_FILE,
    options_file: Path = OPTIONS_FILE,
    pages_dir: Path = PAGES_DIR,
    subjects_file: Path = SUBJECTS_FILE,
) -> list[str]:
    problems: list[str] = []
    options = option_sets()
    try:
        options = load_option_sets(options_file)
    except (OSError, yaml.YAMLError, ValidationError, TypeError, AttributeError) as exc:
        problems.append(f"{options_file.name}: cannot be read: {_first_line(exc)}")
    else:
        problems.extend(f"{options_file.name}: {p}" for p in check_labels(options))
    passports: dict[str, Passport] = {}
    for path in sorted(passports_dir.glob("*.yaml")):
        try:
            passport = load_passport(path)
        except (yaml.YAMLError, ValidationError) as exc:
            problems.append(f"{path.name}: cannot be read: {_first_line(exc)}")
            continue
        problems.extend(f"{path.name}: {p}" for p in check_passport(passport, path.stem, options))
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
    names = {pid: [p.name, p.display_name, *p.aliases] for pid, p in passports.items()}
    problems.extend(check_pages(passports, pages_dir, subjects_file, passport_aliases=names))
    return problems


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _words(text: str) -> list[tuple[str, str]]:
    """(word as written, folded word) for each word of a wording; quotes, brackets and other
    punctuation are not words."""
    pairs = [(w, fold(w)) for w in _WORD.findall(wording_key(text))]
    return [(w, f) for w, f in pairs if f]


def _content_words(text: str) -> list[tuple[str, str]]:
    """The words of a wording that carry meaning: no heading of the form, no function word."""
    words = _words(text)
    for heading in FORM_HEADINGS:
        heading_words = [f for _, f in _words(heading)]
        if [f for _, f in words[: len(heading_words)]] == heading_words:
            words = words[len(heading_words) :]
            break
    return [(w, f) for w, f in words if f not in FUNCTION_WORDS]


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= MIN_STEM and any(long == short + e for e in POSSESSIVE_ENDINGS)


def _unmatched(words: list[tuple[str, str]], others: list[tuple[str, str]]) -> list[str]:
    """The words (as written) of `words` that `others` lacks, each once."""
    return list(dict.fromkeys(w for w, f in words if not any(_same_word(f, o) for _, o in others)))


def check_labels(options: dict[str, OptionSet]) -> list[str]:
    """Each label says what each of its variants says: it drops no content word of a variant
    (a lost qualifier) and adds none (two wordings of different meaning merged into one)."""
    problems = []
    for set_name, option_set in options.items():
        for option_id, option in option_set.options.items():
            label = _content_words(option.label)
            where = f"{set_name}.{option_id}: label {option.label!r}"
            for variant in option.variants:
                words = _content_words(variant)
                if dropped := _unmatched(words, label):
                    problems.append(
                        f"{where} drops {', '.join(map(repr, dropped))} of its variant "
                        f"{variant!r} (keep every qualifier of the source in the label)"
                    )
                if added := _unmatched(label, words):
                    problems.append(
                        f"{where} adds {', '.join(map(repr, added))} to its variant "
                        f"{variant!r} (a wording of another meaning is another option)"
                    )
    return problems


def check_passport(
    passport: Passport, stem: str, options: dict[str, OptionSet] | None = None
) -> list[str]:
    options = options if options is not None else option_sets()
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
            option_set = options.get(spec.options)
            if option_set is None:
                problems.append(f"{where}: no option set {spec.options!r} in the options file")
                continue
            ids = [option_set.canonical(str(wording)) for wording in field.value]
            for wording, option_id in zip(field.value, ids, strict=True):
                if option_id is None:
                    problems.append(
                        f"{where}: wording {wording!r} matches no option of {spec.options!r} "
                        "(add it as a variant in knowledge/options.yaml)"
                    )
            if None not in ids and field.options != ids:
                problems.append(
                    f"{where}: options {field.options} are not those of its wordings {ids} "
                    "(re-import the passport after changing knowledge/options.yaml)"
                )
    extra = set(passport.fields) - {s.number for s in layout.fields}
    problems.extend(f"field {n} is not in the {layout.name} layout" for n in sorted(extra))
    curated = passport.curated
    items = [*curated.aliases, *([curated.short_name] if curated.short_name else [])]
    items += [curated.eligibility_note] if curated.eligibility_note else []
    problems.extend(f"curated item {i.text!r} has no source" for i in items if not i.source.strip())
    problems.extend(_check_partial(passport))
    problems.extend(_check_target_group(passport))
    problems.extend(check_plain_steps(passport))
    rule_ids = [r.id for r in curated.eligibility]
    problems.extend(
        f"eligibility rule {r!r} appears twice"
        for r in {x for x in rule_ids if rule_ids.count(x) > 1}
    )
    problems.extend(
        f"eligibility rule {r.id!r} has no source" for r in curated.eligibility if not r.source
    )
    return problems


def _check_target_group(passport: Passport) -> list[str]:
    """The curated target group is words of the name as printed, never a paraphrase."""
    group = passport.curated.target_group
    if group is None:
        return []
    problems = [] if group.source.strip() else ["curated target group has no source"]
    if fold(group.text) not in fold(passport.name):
        problems.append(f"curated target group {group.text!r} is not in the name as printed")
    return problems


def figures(text: str) -> set[str]:
    """The numbers (digits or words) and units of time a text states."""
    found = set()
    for word in _WORD.findall(az_lower(text)):
        if word.isdigit() or word in NUMBER_WORDS:
            found.add(word)
        elif word in _UNIT_OF_FORM:
            found.add(_UNIT_OF_FORM[word])
    return found


def check_plain_steps(passport: Passport) -> list[str]:
    """The curated plain steps restate the published ones: each names existing steps, in the
    published order, keeps their numbers and units of time and adds none, and together they
    leave none out."""
    plain = passport.curated.steps_plain
    if not plain:
        return []
    field = passport.field("steps")
    if field is None or not field.is_shown or not isinstance(field.value, list):
        return ["curated plain steps, but the passport shows no steps"]
    refs = step_refs(field.value)
    order = list(refs)
    problems, last = [], -1
    for n, step in enumerate(plain, start=1):
        where = f"curated plain step {n}"
        problems.extend(_plain_step_problems(where, step, refs))
        for ref in (r for r in step.from_steps if r in refs):
            if order.index(ref) < last:
                problems.append(f"{where}: step {ref} comes before a step already restated "
                                "(keep the published order)")  # fmt: skip
            last = max(last, order.index(ref))
    covered = {ref for step in plain for ref in step.from_steps}
    problems.extend(
        f"published step {ref} ({refs[ref].text[:40]}…) is restated by no plain step"
        for ref in order
        if ref not in covered
    )
    return problems


def _plain_step_problems(where: str, step: PlainStep, refs: dict[str, Step]) -> list[str]:
    """One plain step: its text and source, the steps it names, their figures kept, none added."""
    problems = [f"{where} has no text"] if not step.text.strip() else []
    if not step.source.strip():
        problems.append(f"{where} has no source")
    if not step.from_steps:
        problems.append(f"{where} restates no published step (from_steps is empty)")
    said, restated = figures(step.text), set()
    for ref in step.from_steps:
        if ref not in refs:
            repeated = [r for r in refs if r.startswith(f"{ref}#")]
            hint = f" (printed more than once: write {' or '.join(repeated)})" if repeated else ""
            problems.append(f"{where}: no published step {ref!r}{hint}")
            continue
        restated |= figures(refs[ref].text)
        if dropped := sorted(figures(refs[ref].text) - said):
            problems.append(f"{where} leaves out {', '.join(map(repr, dropped))} of step {ref}")
    if all(r in refs for r in step.from_steps) and (added := sorted(said - restated)):
        problems.append(f"{where} adds {', '.join(map(repr, added))}, which no step it restates "
                        "says")  # fmt: skip
    return problems


def _check_partial(passport: Passport) -> list[str]:
    """Fields in state `partial` and the curated marks that make them so agree."""
    problems = []
    marks: dict[str, int] = defaultdict(int)
    for mark in passport.curated.partial:
        marks[mark.field] += 1
        where = f"curated partial mark of field {mark.field}"
        field = passport.fields.get(mark.field)
        if not mark.source.strip():
            problems.append(f"{where} has no source")
        if field is None:
            problems.append(f"{where}: no such field")
        elif field.state is FieldState.KNOWN:
            problems.append(f"{where}: the field is still known (re-import the passport)")
        elif field.state is not FieldState.PARTIAL:
            problems.append(
                f"{where}: the field is {field.state.value}; only a field with a value "
                "can be partly shown"
            )
    problems.extend(f"field {n} has {k} curated partial marks" for n, k in marks.items() if k > 1)
    problems.extend(
        f"field {f.number} ({f.key}) is partial without a curated partial mark"
        for f in passport.fields.values()
        if f.state is FieldState.PARTIAL and f.number not in marks
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
