"""nlu.services: which service a message names, and every service when it names several."""

from __future__ import annotations

import pytest

from knowledge.store import default_passports
from nlu.intents import load_examples, load_templates
from nlu.pipeline import passport_names
from nlu.services import ServiceMatcher, matcher_from_passports


@pytest.fixture(scope="module")
def matcher() -> ServiceMatcher:
    return matcher_from_passports(default_passports())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("özünüməşğulluq və peşə hazırlığı təqaüdü pulludur?", ["02-04-10-00", "02-04-07-00"]),
        ("ozunumesgulluq ve pese hazirligi teqaudu ucun senedler", ["02-04-10-00", "02-04-07-00"]),
        ("ÜDSY və sanatoriya putyovkası üçün sənədlər", ["01-06-00-00", "01-09-07-00"]),
        ("prezident təqaüdü ilə peşə hazırlığı təqaüdü", ["dost-7-6-2", "02-04-07-00"]),
        ("peşə hazırlığı təqaüdü, özünüməşğulluq", ["02-04-07-00", "02-04-10-00"]),
    ],
)
def test_two_services_in_one_message_in_the_order_named(
    matcher: ServiceMatcher, text: str, expected: list[str]
) -> None:
    assert [c.id for c in matcher.mentioned(text)] == expected
    assert matcher.identify(text).id in expected  # the best match is one of them


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ünvanlı sosial yardım", "01-06-00-00"),  # "sosial yardım" inside a longer alias
        ("ÜDSY, yəni ünvanlı yardım", "01-06-00-00"),  # two names of one service
        ("peşə hazırlığına cəlb olunan işsiz şəxsə verilən təqaüd", "02-04-07-00"),
        ("özünüməşğulluq proqramı üçün biznes plan", "02-04-10-00"),
    ],
)
def test_one_service_named_twice_is_one(matcher: ServiceMatcher, text: str, expected: str) -> None:
    assert [c.id for c in matcher.mentioned(text)] == [expected]


def test_no_service_is_none(matcher: ServiceMatcher) -> None:
    assert matcher.mentioned("salam, hansı sənədlər lazımdır") == []
    assert matcher.mentioned("") == []


def test_every_training_question_names_exactly_its_service(matcher: ServiceMatcher) -> None:
    """Each template (Azerbaijani or Russian) filled with each name of each service names that
    one service only, and no hand example names several."""
    wrong = []
    every = [*load_templates().values(), *load_templates(language="ru").values()]
    for templates in every:
        for template in templates:
            for service_id, names in passport_names(default_passports()).items():
                for name in names:
                    text = template.replace("{service}", name)
                    if [c.id for c in matcher.mentioned(text)] != [service_id]:
                        wrong.append(text)
    assert wrong == []
    several = [t for ts in load_examples().values() for t in ts if len(matcher.mentioned(t)) > 1]
    assert several == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Russian names inflect: the aliases are matched stem by stem
        ("какие документы нужны для самозанятости", ["02-04-10-00"]),
        ("можно ли онлайн подать на адресную социальную помощь", ["01-06-00-00"]),
        ("как получить путевку в санаторий", ["01-09-07-00"]),
        ("записаться на общественные работы", ["05-04-04-00"]),
        ("выплаты по обязательному личному страхованию", ["dost-8-1-0"]),
        ("кому положена стипендия Президента", ["dost-7-6-2"]),
        ("сертификат по охране труда", ["dost-2-2"]),
        ("где оформить АГСП", ["01-06-00-00"]),
        # and typed in Latin letters
        ("kakie dokumenty nuzhny dlya samozanyatosti", ["02-04-10-00"]),
        ("skolko stoit putevku v sanatoriy", ["01-09-07-00"]),
        ("zapisatsya na profpodgotovku", ["02-04-07-00"]),
        ("adresnaya pomosh skolko stoit", ["01-06-00-00"]),
        # two at once, in the order named
        ("документы для самозанятости и для адресной помощи", ["02-04-10-00", "01-06-00-00"]),
        # a Russian acronym inside an Azerbaijani sentence
        ("АГСП üçün sənədlər", ["01-06-00-00"]),
    ],
)
def test_russian_names_of_the_services(
    matcher: ServiceMatcher, text: str, expected: list[str]
) -> None:
    assert [c.id for c in matcher.mentioned(text)] == expected


@pytest.mark.parametrize(
    "text",
    ["какие документы нужны", "сколько стоит", "записаться в очередь", "пенсия по возрасту",
     "пособие по безработице", "kakie dokumenty nuzhny"],
)  # fmt: skip
def test_russian_without_a_service_names_none(matcher: ServiceMatcher, text: str) -> None:
    """No Russian alias is stretched over a service DOST has but the passports do not hold."""
    assert matcher.mentioned(text) == []


def test_every_russian_alias_is_russian() -> None:
    """A Cyrillic alias is a Russian one (the training fills Russian templates with them)."""
    from nlu.language import detect_language, has_cyrillic

    russian = [a for p in default_passports().values() for a in p.aliases if has_cyrillic(a)]
    assert len(russian) >= 30
    assert [a for a in russian if detect_language(a) != "ru"] == []
    for passport in default_passports().values():
        assert any(has_cyrillic(a) for a in passport.aliases), passport.id
