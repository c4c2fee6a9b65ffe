"""The passport's steps told in plain words: curated next to the published field (which stays as
imported), checked by `dost knowledge check` to restate every step with its numbers and time
limits, and used by the answers in place of the published text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bot.answers import compose
from bot.catalog import t
from knowledge.check import check_knowledge, check_plain_steps
from knowledge.model import FieldState, Passport, PlainStep, step_refs
from knowledge.store import PASSPORTS_DIR, default_passports, dump_passport, load_passport

PASSPORTS = default_passports()
SELF_EMPLOYMENT = "02-04-10-00"
# A time limit as the passport prints it: "10 gün", "5 (beş) iş günü", "2 (iki) il".
DEADLINE = re.compile(r"(\d+)(?:\s*\([^)]*\))?\s+((?:iş\s+)?(?:gün|ay|il|həftə|saat|dəqiqə))")


def _with_plain(passport: Passport, plain: list[PlainStep]) -> Passport:
    changed = passport.model_copy(deep=True)
    changed.curated.steps_plain = plain
    return changed


def _plain(passport: Passport) -> list[PlainStep]:
    return [s.model_copy() for s in passport.curated.steps_plain]


def test_every_passport_showing_steps_has_them_in_plain_words() -> None:
    with_steps = [p for p in PASSPORTS.values() if (f := p.field("steps")) and f.is_shown]
    assert [p.id for p in with_steps] == [SELF_EMPLOYMENT]
    for passport in with_steps:
        assert passport.curated.steps_plain, passport.id
        assert check_plain_steps(passport) == []


def test_repeated_numbers_are_told_apart_and_headings_have_no_reference() -> None:
    steps = PASSPORTS[SELF_EMPLOYMENT].field("steps").value
    refs = step_refs(steps)
    assert list(refs) == ["1", "2", "3", "4#1", "5#1", "4#2", "5#2", "6", "7", "9", "10", "11"]
    assert refs["4#2"].text.startswith("Sosial agent tərəfindən özünüməşğulluğa")
    assert "Təlim, qiymətləndirmə kabinet" not in [s.text for s in refs.values()]


def test_numbers_and_deadlines_of_each_step_stay_in_its_plain_step() -> None:
    """Independently of the check: every number in digits and every time limit ("10 gün",
    "5 iş günü") of a published step is in the plain step that restates it."""
    for passport in PASSPORTS.values():
        if not passport.curated.steps_plain:
            continue
        refs = step_refs(passport.field("steps").value)
        for plain in passport.curated.steps_plain:
            for ref in plain.from_steps:
                published = refs[ref].text
                for number in re.findall(r"\d+", published):
                    assert re.search(rf"\b{number}\b", plain.text), (ref, number, plain.text)
                for number, unit in DEADLINE.findall(published):
                    assert (number, unit) in DEADLINE.findall(plain.text), (ref, unit, plain.text)
    told = " ".join(s.text for s in PASSPORTS[SELF_EMPLOYMENT].curated.steps_plain)
    assert {("10", "gün"), ("5", "iş gün"), ("2", "il")} <= set(DEADLINE.findall(told))


def test_the_check_fails_on_a_dropped_step(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(PASSPORTS_DIR, kb)
    path = kb / f"{SELF_EMPLOYMENT}.yaml"
    passport = load_passport(path)
    dropped = passport.curated.steps_plain.pop(4)  # the step with the 10 days of assessment
    assert dropped.from_steps == ["5#1"]
    path.write_text(dump_passport(passport), encoding="utf-8")
    assert check_knowledge(passports_dir=kb) == [
        f"{SELF_EMPLOYMENT}.yaml: published step 5#1 (Dost Mərkəzinin müvafiq bölməsi 10 gün m…) "
        "is restated by no plain step"
    ]


def test_the_check_rules() -> None:
    passport = PASSPORTS[SELF_EMPLOYMENT]
    plain = _plain(passport)
    plain[4].text = plain[4].text.replace("10 gün", "on gün")  # a time limit changed
    plain[5].from_steps = ["4"]  # printed twice: which one?
    plain[6].text = " "
    plain[7].from_steps = ["8"]  # the source skips 8
    plain[8].source = ""
    plain[0], plain[1] = plain[1], plain[0]
    assert check_plain_steps(_with_plain(passport, plain)) == [
        "curated plain step 2: step 1 comes before a step already restated (keep the published "
        "order)",
        "curated plain step 5 leaves out '10' of step 5#1",
        "curated plain step 5 adds 'on', which no step it restates says",
        "curated plain step 6: no published step '4' (printed more than once: write 4#1 or 4#2)",
        "curated plain step 7 has no text",
        "curated plain step 7 leaves out '5', 'beş', 'gün' of step 5#2",
        "curated plain step 8: no published step '8'",
        "curated plain step 9 has no source",
        "published step 4#2 (Sosial agent tərəfindən özünüməşğulluğa …) is restated by no "
        "plain step",
        "published step 6 (Sosial agent biznes-planların qiymətlənd…) is restated by no plain step",
    ]
    empty = PlainStep(text="Növbə götürürsünüz.", from_steps=[], source="passport field 23")
    assert check_plain_steps(_with_plain(passport, [*_plain(passport), empty]))[-1] == (
        "curated plain step 13 restates no published step (from_steps is empty)"
    )
    no_steps = PASSPORTS["02-04-07-00"]
    assert no_steps.field("steps").state is FieldState.NOT_PUBLISHED
    assert check_plain_steps(_with_plain(no_steps, [empty])) == [
        "curated plain steps, but the passport shows no steps"
    ]


def test_the_procedure_is_told_in_plain_steps_citing_the_steps_field() -> None:
    passport = PASSPORTS[SELF_EMPLOYMENT]
    answer = compose(passport, "procedure")
    plain = passport.curated.steps_plain
    numbered = [f"{n}. {s.text}" for n, s in enumerate(plain, start=1)]
    assert "\n".join(numbered) in answer.text
    assert answer.sources[0].field == passport.field("steps").number == "23"
    for published in ("Təlim, qiymətləndirmə kabinet", "ışaxtaran", "Dost Mərkəzi",
                      "müraciət edən işsiz şəxs"):  # fmt: skip
        assert published not in answer.text
    assert not answer.partial


def test_the_commission_steps_are_the_plain_ones() -> None:
    passport = PASSPORTS[SELF_EMPLOYMENT]
    answer = compose(passport, "commission")
    told = [s.text for s in passport.curated.steps_plain if "komissiya" in s.text]
    assert len(told) == 2 and all(s in answer.text for s in told)
    assert "şəxslərin şəxsi kabinetlərində" not in answer.text  # the published third person
    assert [s.field for s in answer.sources] == ["23"]


def test_steps_shown_in_part_are_said_to_be_incomplete() -> None:
    passport = PASSPORTS[SELF_EMPLOYMENT].model_copy(deep=True)
    passport.field("steps").state = FieldState.PARTIAL
    answer = compose(passport, "procedure")
    assert answer.partial
    assert t("partial.steps", items="").strip() in answer.text
    assert t("partial.rest") in answer.text
    assert passport.curated.steps_plain[0].text in answer.text


def test_without_plain_steps_the_published_ones_are_told() -> None:
    passport = _with_plain(PASSPORTS[SELF_EMPLOYMENT], [])
    answer = compose(passport, "procedure")
    assert "1. DOST mərkəzinə müraciət edən işsiz" in answer.text
    assert "\nTəlim, qiymətləndirmə kabinet\n" in answer.text  # a heading, unnumbered
    assert "12. Sosial agent tərəfindən monitorinqin" in answer.text
    commission = compose(passport, "commission")
    assert "işaxtaran və işsiz şəxslərin şəxsi kabinetlərində" in commission.text
