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


# --- Russian: the second language of the framing -----------------------------------------------

# The channels' own texts stay Azerbaijani, and so does the operators' console (DOST staff).
CHANNEL_SECTIONS = {"web", "telegram", "twilio", "operator"}
OUTSIDE_A_TURN = {"booking.reminder"}  # sent by a job, not in a conversation's turn
# Notices are sent by a job too; what a turn says about them (the facts, "received") is twinned.
NOTICE_SENT = ("notice.",)
NOTICE_IN_A_TURN = ("notice.facts.", "notice.ack_thanks")
RUSSIAN_ONLY = {"facts_note"}  # "the passport's facts are in Azerbaijani": no Azerbaijani twin
# Placeholders a Russian text uses that its Azerbaijani twin does not, and the code passes for
# it: Russian has no case suffix to glue on ("Yasamal DOST Mərkəzində", "09:00-dan").
RUSSIAN_PLACEHOLDERS = {
    "booking.ask_day": {"center"},
    "booking.day_closed": {"center"},
    "centers.hours": {"open"},
    "handoff.call_center": {"open"},
    "live.when": {"hour"},
}


def _leaves(tree: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_leaves(value, f"{dotted}."))
        else:
            out[dotted] = value
    return out


def _catalog_trees() -> tuple[dict[str, object], dict[str, object]]:
    import yaml

    from bot.catalog import CATALOG_FILE

    data = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    azerbaijani = {k: v for k, v in _leaves(data).items()
                   if k.split(".")[0] not in CHANNEL_SECTIONS | {"ru"}}  # fmt: skip
    return azerbaijani, _leaves(data["ru"])


def test_every_framing_text_has_a_russian_twin() -> None:
    """A text added in Azerbaijani alone would fall back to Azerbaijani mid-Russian: add it
    to the `ru` tree too (or say here why it is never said in a Russian turn)."""
    azerbaijani, russian = _catalog_trees()
    sent_by_a_job = {
        k for k in azerbaijani if k.startswith(NOTICE_SENT) and not k.startswith(NOTICE_IN_A_TURN)
    }
    assert sorted(set(azerbaijani) - OUTSIDE_A_TURN - sent_by_a_job - set(russian)) == []
    assert sorted(set(russian) - set(azerbaijani) - RUSSIAN_ONLY) == []  # no stale key
    for key, text in russian.items():
        assert isinstance(text, str) and text.strip(), key
        assert type(text) is type(azerbaijani.get(key, text)), key


def test_russian_twins_fill_the_same_placeholders() -> None:
    import string

    azerbaijani, russian = _catalog_trees()

    def names(text: object) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(str(text)) if f}

    for key, text in russian.items():
        if key in azerbaijani:
            extra = names(text) - names(azerbaijani[key]) - RUSSIAN_PLACEHOLDERS.get(key, set())
            assert extra == set(), key


def test_russian_texts_are_russian() -> None:
    """The Russian tree is written in Russian (placeholders and quoted names aside)."""
    from nlu.language import detect_language

    _, russian = _catalog_trees()
    sentences = {k: v for k, v in russian.items() if isinstance(v, str) and len(v) > 40}
    assert len(sentences) > 100
    assert [k for k, v in sentences.items() if detect_language(str(v)) != "ru"] == []


def test_a_turn_speaks_its_language_and_then_azerbaijani_again() -> None:
    from bot.cases import Word
    from bot.catalog import facts_note, language, speaking, t

    assert language() == "az" and t("choice.affirm") == "Bəli" and facts_note() is None
    with speaking("ru"):
        assert language() == "ru"
        assert t("choice.affirm") == "Да"
        assert t("telegram.text_only").startswith("Bağışlayın")  # a channel's own text
        reminder = {"code": "A1", "center": Word("Yasamal DOST Mərkəzi"), "day": "d",
                    "time": Word("10:00")}  # fmt: skip
        assert t("booking.reminder", **reminder).startswith(
            "Xatırlatma"
        )  # no Russian twin: the Azerbaijani text
        assert facts_note() == "Сведения из паспорта услуги приводятся на азербайджанском языке."
        assert format_date(MONDAY) == "23 ноября 2026, понедельник"
    assert language() == "az" and t("choice.affirm") == "Bəli"
    assert format_date(MONDAY) == WEEK[0]
    with pytest.raises(ValueError), speaking("en"):
        pass


async def test_concurrent_turns_keep_their_own_language() -> None:
    """The language is a context variable: two conversations' turns at once do not mix."""
    import asyncio

    from bot.catalog import speaking, t

    async def say(lang: str, delay: float) -> str:
        with speaking(lang):
            await asyncio.sleep(delay)
            return t("choice.deny")

    assert await asyncio.gather(say("ru", 0.02), say("az", 0.0)) == ["Нет", "Xeyr"]
