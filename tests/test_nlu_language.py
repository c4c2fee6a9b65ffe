"""nlu.language: Russian or Azerbaijani, in either script; and what it means for normalization."""

from __future__ import annotations

import pytest

from nlu.language import cyrillic_language, detect_language
from nlu.normalize import fold, normalize

RUSSIAN = [
    "какие документы нужны для самозанятости",
    "сколько стоит",
    "где подать",
    "можно ли онлайн",
    "записаться в очередь",
    "Здравствуйте!",
    "спасибо",
    "нет",
    "Пенсия",  # Cyrillic with no sign of Azerbaijani
    "путевка в санаторий",
    # typed in Latin letters
    "kakie dokumenty nuzhny",
    "kakie dokumenti nujni",
    "skolko stoit",
    "zapisatsya",
    "gde podat dokumenty",
    "mozhno li onlayn",
    "SKOLKO STOIT?",
    "a dlya adresnoy pomoshchi?",
    "salam, kakie dokumenty nuzhny",  # more Russian words than Azerbaijani
]

AZERBAIJANI = [
    # Cyrillic Azerbaijani: its own letters, or its words on a Russian keyboard
    "Сәнәдләр һансылардыр",
    "Сабаһ саат 10-да",
    "ҜӘНҸӘ",
    "Ҹүмә ахшамы",
    "Салам",
    "сэнэдлэр нэдир",
    "салам, мэнэ комэк лазымдыр",
    # Latin, with and without its letters
    "özünüməşğulluq üçün hansı sənədlər lazımdır",
    "ozunumesgulluq ucun hansi senedler lazimdir",
    "salam",
    "İMTİNA",
    "yox",
    "hə",
    "sag olun",
    "ona kömək edin",  # "ona": to him, not Russian "она"
    "on gün",  # "on": ten
    "ÜDSY",
]

UNDECIDED = ["ok", "10:30", "050 123 45 67", "DOST", "", "?!", "da", "no", "Yasamal"]


@pytest.mark.parametrize("text", RUSSIAN)
def test_russian_is_russian(text: str) -> None:
    assert detect_language(text) == "ru"


@pytest.mark.parametrize("text", AZERBAIJANI)
def test_azerbaijani_is_azerbaijani(text: str) -> None:
    assert detect_language(text) == "az"


@pytest.mark.parametrize("text", UNDECIDED)
def test_no_signal_decides_nothing(text: str) -> None:
    """A number, a name or "ok" keeps the conversation's language."""
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("text", "alphabet"),
    [
        ("Сәнәдләр һансылардыр", "az"),
        ("Салам, сәнәдләр", "az"),
        ("Сәнәдләр нужны", "az"),  # one word each: the Azerbaijani letters decide the alphabet
        ("нужны документы", "ru"),
        ("АГСП", "ru"),
        ("25 декабря", "ru"),
    ],
)
def test_whose_alphabet_the_cyrillic_is(text: str, alphabet: str) -> None:
    assert cyrillic_language(text) == alphabet


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("какие документы нужны", "kakie dokumenty nuzhny"),
        ("сколько стоит", "skolko stoit"),
        ("записаться в очередь", "zapisatsya v ochered"),
        ("можно ли онлайн", "mozhno li onlayn"),
        ("хочу поговорить с человеком", "khochu pogovorit s chelovekom"),
        ("помощь", "pomoshch"),
        ("путёвка", "putyovka"),
    ],
)
def test_russian_in_either_script_folds_to_one_key(cyrillic: str, latin: str) -> None:
    assert fold(cyrillic) == fold(latin)


def test_each_cyrillic_read_in_its_own_alphabet() -> None:
    # Azerbaijani Cyrillic: г is q, ж is j, ы is ı; Russian: г is g, ж is zh, ы is y.
    assert normalize("Гәнҹлик, журнал, һансы") == "qənclik jurnal hansı"
    assert normalize("Когда нужны документы") == "kogda nuzhny dokumenty"
    # One name, either alphabet on request: a Russian acronym in an Azerbaijani sentence.
    assert fold("АГСП") == fold("АГСП", "ru") == "agsp"
    assert fold("АГСП", "az") == "aqsp"
    assert fold("АГСП üçün sənədlər") == "aqsp ucun senedler"
