"""Catalog texts that do not come from catalog.yaml: dates as they appear mid-sentence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.catalog import format_date
from nlu.normalize import az_lower, az_upper

MONDAY = date(2026, 11, 23)  # a pure function of the date: no clock involved
WEEK = [
    "23 noyabr 2026, bazar ertəsi",
    "24 noyabr 2026, çərşənbə axşamı",
    "25 noyabr 2026, çərşənbə",
    "26 noyabr 2026, cümə axşamı",
    "27 noyabr 2026, cümə",
    "28 noyabr 2026, şənbə",
    "29 noyabr 2026, bazar",
]


def test_weekdays_and_months_are_lower_case_mid_sentence() -> None:
    assert [format_date(MONDAY + timedelta(days=i)) for i in range(7)] == WEEK
    assert format_date(date(2027, 6, 1)) == "1 iyun 2027, çərşənbə axşamı"
    assert format_date(date(2027, 7, 16)) == "16 iyul 2027, cümə"


def az_capitalize(text: str) -> str:
    """ "Çərşənbə axşamı", "İyul": how a babel release may write a name at the start."""
    return az_upper(text[:1]) + text[1:]


def az_title(text: str) -> str:
    return " ".join(az_capitalize(word) for word in text.split(" "))


@pytest.mark.parametrize("casing", [az_capitalize, az_title, az_upper])
def test_our_rule_not_babels_capitalisation(
    monkeypatch: pytest.MonkeyPatch, casing: object
) -> None:
    """Whatever casing a babel release gives its names, the text is the same."""
    import babel.dates

    real = babel.dates.format_date
    monkeypatch.setattr(babel.dates, "format_date", lambda *a, **kw: casing(real(*a, **kw)))
    assert [format_date(MONDAY + timedelta(days=i)) for i in range(7)] == WEEK
    assert format_date(date(2027, 7, 16)) == "16 iyul 2027, cümə"  # "İYUL", not "i̇yul"


def test_azerbaijani_lower_case() -> None:
    assert az_lower("Çərşənbə axşamı") == "çərşənbə axşamı"
    assert az_lower("ÇƏRŞƏNBƏ AXŞAMI") == "çərşənbə axşamı"
    assert az_lower("İstənilən") == "istənilən"
    assert az_lower("I") == "ı"
    # What str.lower would do instead: a stray combining dot, and a dotted i for I.
    assert "İstənilən".lower() == "i\u0307stənilən" and "I".lower() == "i"
