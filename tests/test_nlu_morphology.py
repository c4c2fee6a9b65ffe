"""nlu.morphology: case suffixes with vowel harmony on dynamic words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.morphology import ablative, accusative, dative, genitive, locative

# phrase → (locative, ablative, dative, genitive, accusative)
CASES = {
    "Xəzər": ("Xəzərdə", "Xəzərdən", "Xəzərə", "Xəzərin", "Xəzəri"),
    "Abşeron": ("Abşeronda", "Abşerondan", "Abşerona", "Abşeronun", "Abşeronu"),
    "Zəngilan": ("Zəngilanda", "Zəngilandan", "Zəngilana", "Zəngilanın", "Zəngilanı"),
    "Tərtər": ("Tərtərdə", "Tərtərdən", "Tərtərə", "Tərtərin", "Tərtəri"),
    "Füzuli": ("Füzulidə", "Füzulidən", "Füzuliyə", "Füzulinin", "Füzulini"),
    "Bərdə": ("Bərdədə", "Bərdədən", "Bərdəyə", "Bərdənin", "Bərdəni"),
    "Bakı": ("Bakıda", "Bakıdan", "Bakıya", "Bakının", "Bakını"),
    "Şuşa": ("Şuşada", "Şuşadan", "Şuşaya", "Şuşanın", "Şuşanı"),
    "Göygöl": ("Göygöldə", "Göygöldən", "Göygölə", "Göygölün", "Göygölü"),
    "Oğuz": ("Oğuzda", "Oğuzdan", "Oğuza", "Oğuzun", "Oğuzu"),
    "Yasamal rayonu": (
        "Yasamal rayonunda",
        "Yasamal rayonundan",
        "Yasamal rayonuna",
        "Yasamal rayonunun",
        "Yasamal rayonunu",
    ),
    "Şuşa filialı": (
        "Şuşa filialında",
        "Şuşa filialından",
        "Şuşa filialına",
        "Şuşa filialının",
        "Şuşa filialını",
    ),
    "1 saylı Bakı DOST Mərkəzi": (
        "1 saylı Bakı DOST Mərkəzində",
        "1 saylı Bakı DOST Mərkəzindən",
        "1 saylı Bakı DOST Mərkəzinə",
        "1 saylı Bakı DOST Mərkəzinin",
        "1 saylı Bakı DOST Mərkəzini",
    ),
    "Kəlbəcər DOST məntəqəsi": (
        "Kəlbəcər DOST məntəqəsində",
        "Kəlbəcər DOST məntəqəsindən",
        "Kəlbəcər DOST məntəqəsinə",
        "Kəlbəcər DOST məntəqəsinin",
        "Kəlbəcər DOST məntəqəsini",
    ),
    "DOST": ("DOST-da", "DOST-dan", "DOST-a", "DOST-un", "DOST-u"),
    "Smart DOST": (
        "Smart DOST-da",
        "Smart DOST-dan",
        "Smart DOST-a",
        "Smart DOST-un",
        "Smart DOST-u",
    ),
    "ÜDSY": ("ÜDSY-də", "ÜDSY-dən", "ÜDSY-yə", "ÜDSY-nin", "ÜDSY-ni"),  # spelled: ...yə
    "BMT": ("BMT-də", "BMT-dən", "BMT-yə", "BMT-nin", "BMT-ni"),  # spelled: bə-em-tə
    "AMEA": ("AMEA-da", "AMEA-dan", "AMEA-ya", "AMEA-nın", "AMEA-nı"),
    "5": ("5-də", "5-dən", "5-ə", "5-in", "5-i"),  # beş
    "10": ("10-da", "10-dan", "10-a", "10-un", "10-u"),  # on
    "2026": ("2026-da", "2026-dan", "2026-ya", "2026-nın", "2026-nı"),  # ...altı
    "3": ("3-də", "3-dən", "3-ə", "3-ün", "3-ü"),  # üç
    "40": ("40-da", "40-dan", "40-a", "40-ın", "40-ı"),  # qırx
    "100": ("100-də", "100-dən", "100-ə", "100-ün", "100-ü"),  # yüz
}


@pytest.mark.parametrize(("phrase", "forms"), CASES.items())
def test_cases(phrase: str, forms: tuple[str, str, str, str, str]) -> None:
    got = (locative(phrase), ablative(phrase), dative(phrase), genitive(phrase), accusative(phrase))
    assert got == forms


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("1", "1-də"),  # bir
        ("2", "2-də"),  # iki
        ("4", "4-də"),  # dörd
        ("6", "6-da"),  # altı
        ("9", "9-da"),  # doqquz
        ("20", "20-də"),  # iyirmi
        ("30", "30-da"),  # otuz
        ("50", "50-də"),  # əlli
        ("60", "60-da"),  # altmış
        ("90", "90-da"),  # doxsan
        ("2000", "2000-də"),  # min
        ("1000000", "1000000-da"),  # milyon
        ("0", "0-da"),  # sıfır
        ("10:30", "10:30-da"),  # on otuz
    ],
)
def test_numbers_follow_their_reading(number: str, expected: str) -> None:
    assert locative(number) == expected


def test_dative_of_numbers_after_a_vowel() -> None:
    assert dative("6") == "6-ya"  # altı
    assert dative("20") == "20-yə"  # iyirmi
    assert dative("7") == "7-yə"  # yeddi


def test_capitals_are_kept() -> None:
    assert locative("BAKI") == "BAKI-da"  # a lone all-caps word reads like an acronym
    assert locative("1 SAYLI BAKI DOST MƏRKƏZİ") == "1 SAYLI BAKI DOST MƏRKƏZİNDƏ"
    assert dative("QARABAĞ REGİONAL DOST MƏRKƏZİ") == "QARABAĞ REGİONAL DOST MƏRKƏZİNƏ"
    assert locative("xəzər") == "xəzərdə"


def test_dotless_and_dotted_capitals() -> None:
    assert genitive("İmişli") == "İmişlinin"
    assert locative("IĞDIR") == "IĞDIR-da"  # ı, not i, decides the harmony


def test_compound_override() -> None:
    assert locative("Yeni Bakı", compound=False) == "Yeni Bakıda"
    assert locative("filialı", compound=True) == "filialında"


def test_trailing_space_and_empty_input() -> None:
    assert locative("Xəzər ") == "Xəzərdə"
    assert locative("") == ""
    assert locative("   ") == "   "


@given(st.text(max_size=30))
def test_never_raises_and_extends_the_phrase(phrase: str) -> None:
    for case in (locative, ablative, dative, genitive, accusative):
        out = case(phrase)
        assert out.startswith(phrase.rstrip())
