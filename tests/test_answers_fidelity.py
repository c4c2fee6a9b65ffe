"""Every answer from its deciding field: every passport × every topic.

Each answer names its service; each passport field it cites is either carried in its own words
(every item of a list, the options' labels with their qualifiers, the text, the number) or said
to be unknown / shown in part / not published; an answer with nothing to say says so and offers
142; and no answer says yes or no ("bəli", "xeyr", "ödənişsizdir", "ödənişlidir") unless the
field that decides it (the topic's `decides`) is known and is what it was drawn from."""

from __future__ import annotations

import re

import pytest

from bot.answers import compose
from bot.catalog import in_sentence, t
from bot.flows.compiler import compile_flows, topic_for, topics
from knowledge.forms import layouts, option_sets
from knowledge.model import FieldKind, FieldState, Passport, PassportField
from knowledge.store import default_passports
from nlu.normalize import fold, normalize

PASSPORTS = default_passports()
ANSWERED = [topic_id for topic_id, topic in topics().items() if topic.action is None]
CASES = [(pid, topic_id) for pid in sorted(PASSPORTS) for topic_id in ANSWERED]

YES_NO = re.compile(r"\b(?:bəli|xeyr)\b|ödənişsizdir|ödənişlidir")
# How answers say a field is not (all) there; every one also offers 142 or a person.
SAYS = {
    FieldState.UNKNOWN: ("dəqiq məlumat yoxdur",),
    FieldState.NOT_PUBLISHED: ("dərc olunmayıb",),
    FieldState.PARTIAL: ("tam göstərilməyib",),
}
NOT_STATED = ("dəqiq məlumat yoxdur", "dərc olunmayıb", "göstərilməyib")


def _option_set(passport: Passport, f: PassportField) -> str | None:
    spec = layouts()[passport.source.layout].spec(f.number)
    return spec.options if spec else None


def _labels(passport: Passport, f: PassportField) -> list[str]:
    name = _option_set(passport, f)
    if name and f.options:
        return [option_sets()[name].label(o) for o in f.options]
    return [str(v) for v in f.value] if isinstance(f.value, list) else [str(f.value)]


def _as_item(label: str, text: str) -> bool:
    """`label` stated as an item: quoted, or in a list (after ":", ";" or a bullet), as it
    opens a line or as it reads inside a sentence."""
    said = "|".join(re.escape(x) for x in {label, in_sentence(label)})
    pattern = rf"(?:«|:\s|;\s|•\s)(?:{said})(?:»|;|\.|\n|$)"
    return re.search(pattern, text) is not None


def _words_carried(passport: Passport, f: PassportField, text: str) -> list[str]:
    """What is wrong with how a shown field's words are carried; [] when nothing is."""
    match f.kind:
        case FieldKind.LIST:
            return [f"item {i!r} missing" for i in _labels(passport, f) if i not in text]
        case FieldKind.CHOICE:
            labels = _labels(passport, f)
            said = normalize(text)  # "ödənişsizdir" says "Ödənişsiz"
            problems = [] if any(normalize(x) in said for x in labels) else ["no option of it"]
            for label in labels:  # a qualifier in brackets is never dropped, anywhere
                head = label.split(" (")[0]
                if head != label and text.count(head) != text.count(label):
                    problems.append(f"{label!r} without its qualifier")
            return problems
        case FieldKind.NUMBER:
            return [] if str(f.value) in text else [f"number {f.value} missing"]
        case FieldKind.STEPS:
            # As published, or in the curated plain words `dost knowledge check` ties to them.
            told = [*f.value, *passport.curated.steps_plain]  # type: ignore[misc]
            steps = [s.text for s in told]
            return [] if any(s in text for s in steps) else ["no step in its words"]
        case _:
            group = passport.curated.target_group
            if str(f.value) in text or (f.key == "name" and group and group.text in text):
                return []
            return [f"text {str(f.value)[:40]!r}… missing"]


@pytest.mark.parametrize(("passport_id", "topic_id"), CASES)
def test_answer_from_its_fields_words_or_says_they_are_not_stated(
    passport_id: str, topic_id: str
) -> None:
    passport = PASSPORTS[passport_id]
    answer = compose(passport, topic_id)
    text = answer.text
    where = f"{passport_id} × {topic_id}:\n{text}"
    assert passport.display_name in text or passport.name in text, where
    for ref in answer.sources:
        if ref.field == "curated":
            assert ref.url, where
            continue
        f = passport.fields[ref.field]
        assert ref.title == f.title, where
        if f.is_shown:
            assert _words_carried(passport, f, text) == [], where
        if f.state is not FieldState.KNOWN:
            assert any(s in text for s in SAYS[f.state]), f"{ref.field} is {f.state}: {where}"
        if f.state is FieldState.UNKNOWN and f.kind is FieldKind.CHOICE:
            # The form's options of a field whose ticks were lost are never stated as items.
            assert not [x for x in _labels(passport, f) if _as_item(x, text)], where
    if not answer.known:
        assert any(s in text for s in NOT_STATED) and "142" in text, where


@pytest.mark.parametrize(("passport_id", "topic_id"), CASES)
def test_no_yes_or_no_without_its_known_deciding_field(passport_id: str, topic_id: str) -> None:
    passport, topic = PASSPORTS[passport_id], topics()[topic_id]
    answer = compose(passport, topic_id)
    where = f"{passport_id} × {topic_id}:\n{answer.text}"
    if YES_NO.search(normalize(answer.text)):
        assert answer.decided_by, where
    for f in answer.decided_by:
        assert f.is_known and f.key in topic.decides, where


def test_the_audits_examples() -> None:
    """The issue's findings, one by one, on the passports they were found on."""
    self_employment = PASSPORTS["02-04-10-00"]
    whole = compose(self_employment, "online_whole")
    assert not YES_NO.search(normalize(whole.text))  # field 26 lost its tick
    assert t("answer.whole_cannot_say") in whole.text
    assert [s.field for s in whole.sources] == ["26", "6"]
    fee = compose(self_employment, "fee")
    assert "ödənişsiz" not in fee.text and not fee.known
    representative = compose(PASSPORTS["01-09-07-00"], "representative")
    assert "«qanuni nümayəndə vasitəsilə»" in representative.text
    assert not YES_NO.search(normalize(representative.text))  # a legal one only: no plain yes
    post = compose(PASSPORTS["01-06-00-00"], "post")
    assert "«poçt vasitəsilə»" in post.text and "elektron" not in post.text.replace(
        "özünəxidmət (elektron sistemlər)", "")  # fmt: skip
    result = compose(PASSPORTS["dost-7-6-2"], "result")
    assert "təyin olunur və ya təyin olunmasından imtina edilir" in result.text


@pytest.mark.parametrize(
    ("intent", "question", "topic_id"),
    [
        ("ask_online", "özünüməşğulluq proqramına onlayn müraciət etmək olar?", "online"),
        ("ask_online", "özünüməşğulluq proqramını tam onlayn etmək olar?", "online_whole"),
        ("ask_online", "hamısını internetdən etmək olar?", "online_whole"),
        ("ask_online", "mərkəzə getmədən olar?", "online_whole"),
        ("ask_online", "şəxsən gəlmək mütləqdir?", "online_whole"),
        ("ask_online", "sənədləri e-poçtla göndərə bilərəm?", "online"),
        ("ask_online", "elektron poçtla olar?", "online"),
        ("ask_online", "poçtla göndərmək olar?", "post"),
        ("ask_procedure", "ərizəni poçt vasitəsilə göndərim?", "post"),
        ("ask_procedure", "POÇTLA", "post"),
        ("ask_documents", "sənədləri pocht ilə göndərə bilərəm", "post"),
        ("ask_procedure", "necə müraciət edim", "procedure"),
        ("ask_fee", "poçtla göndərsəm pulludur?", "fee"),  # not a question of how to apply
        ("ask_representative", "oğlum mənim yerimə gedə bilər?", "representative"),
    ],
)
def test_a_narrower_question_is_its_own_topic(intent: str, question: str, topic_id: str) -> None:
    assert topic_for(intent, fold(question)).id == topic_id


def test_topics_are_complete() -> None:
    """Every topic has a title, a composer's answer for every passport and deciding fields among
    its own; a narrower topic names the topics it narrows and is never in a menu."""
    for topic_id, topic in topics().items():
        assert t(f"topic.{topic_id}")
        assert set(topic.decides) <= set(topic.fields), topic_id
        assert set(topic.refines) <= set(topics()), topic_id
        assert bool(topic.refines) == bool(topic.words), topic_id
        if topic.refines:
            assert not topic.menu, topic_id
    for flow in compile_flows(PASSPORTS).values():
        assert not {"post", "online_whole", "amount"} & set(flow.menu)
    assert "result" in compile_flows(PASSPORTS)["dost-7-6-2"].menu
