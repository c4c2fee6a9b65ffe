"""nlu.entities: dates, times, FIN, phone, booking code and center, with offsets into the text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.dates import month_number
from nlu.entities import BOOKING_CODE_ALPHABET, Entity, extract_entities

BAKU = ZoneInfo("Asia/Baku")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=BAKU)  # a Sunday
CENTERS = {
    "baki-1": ["1 saylı Bakı DOST Mərkəzi", "1 saylı", "birinci", "Yasamal", "Səbail"],
    "berde": ["Qarabağ Regional DOST Mərkəzi", "Bərdə", "Qarabağ"],
    "baki-2": ["2 saylı", "Xəzər", "Şüvəlan"],
}


def found(text: str, kind: str | None = None, **kwargs) -> list[tuple[str, str, str]]:
    """(entity, value, covered text) triples, optionally of one kind."""
    kwargs.setdefault("now", NOW)
    entities = extract_entities(text, **kwargs)
    return [
        (e.entity, e.value, text[e.start : e.end])
        for e in entities
        if kind is None or e.entity == kind
    ]


def values(text: str, kind: str, **kwargs) -> list[str]:
    return [value for _, value, _ in found(text, kind, **kwargs)]


# --- the acceptance example ---


def test_acceptance_example() -> None:
    text = "SABAH SAAT 10-A ÖZÜNÜMƏŞĞULLUQ ÜÇÜN NÖVBƏ"
    entities = extract_entities(text, now=NOW)
    assert entities == [
        Entity("date", "2026-11-23", 0, 5),
        Entity("time", "10:00", 6, 15),
    ]
    assert text[0:5] == "SABAH"
    assert text[6:15] == "SAAT 10-A"
    assert entities[0].to_dict() == {"entity": "date", "value": "2026-11-23", "start": 0, "end": 5}


# --- dates ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bu gün", "2026-11-22"),
        ("bugün", "2026-11-22"),
        ("bu gun", "2026-11-22"),
        ("BUGUN", "2026-11-22"),
        ("sabah", "2026-11-23"),
        ("sabaha növbə", "2026-11-23"),
        ("birigün", "2026-11-24"),
        ("biri gün", "2026-11-24"),
        ("sabahısı", "2026-11-24"),
        ("sabahisi", "2026-11-24"),
        ("Сабаһ", "2026-11-23"),
    ],
)
def test_relative_days(text: str, expected: str) -> None:
    assert values(text, "date") == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bazar ertəsi", "2026-11-23"),
        ("bazar ertəsinə", "2026-11-23"),
        ("bazar ertesi", "2026-11-23"),
        ("çərşənbə axşamı", "2026-11-24"),
        ("cersenbe axsami", "2026-11-24"),
        ("çərşənbə axşamına", "2026-11-24"),
        ("çərşənbə", "2026-11-25"),
        ("çərşənbəyə", "2026-11-25"),
        ("cümə axşamı", "2026-11-26"),  # Thursday, not Friday
        ("CÜMƏ AXŞAMI", "2026-11-26"),
        ("cume axshami", "2026-11-26"),
        ("cümə", "2026-11-27"),
        ("cüməyə", "2026-11-27"),
        ("cümə günü", "2026-11-27"),
        ("şənbə", "2026-11-28"),
        ("shenbe", "2026-11-28"),
        ("bazar", "2026-11-29"),  # today is Sunday: the next one
        ("bazar günü", "2026-11-29"),
        ("Ҹүмә ахшамы", "2026-11-26"),
    ],
)
def test_weekdays(text: str, expected: str) -> None:
    assert values(text, "date") == [expected]


def test_weekday_span_covers_the_whole_name() -> None:
    assert found("cümə axşamı gəlim?", "date") == [("date", "2026-11-26", "cümə axşamı")]
    assert found("Cümə günü olar?", "date") == [("date", "2026-11-27", "Cümə günü")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25 dekabr", "2026-12-25"),
        ("25 DEKABR", "2026-12-25"),
        ("dekabrın 25-i", "2026-12-25"),
        ("dekabrin 25-i", "2026-12-25"),
        ("dekabra 25", "2026-12-25"),
        ("25 dekabr 2026", "2026-12-25"),
        ("25 dekabr 2027-ci il", "2027-12-25"),
        ("25.12", "2026-12-25"),
        ("25.12.2026", "2026-12-25"),
        ("25/12", "2026-12-25"),
        ("25.12.26", "2026-12-25"),
        ("5 yanvar", "2027-01-05"),  # already past this year
        ("22 noyabr", "2026-11-22"),  # today counts
        ("21 noyabr", "2027-11-21"),
        ("10 avqust", "2027-08-10"),
        ("10 avgust", "2027-08-10"),  # Russian spelling
        ("1 sentyabr", "2027-09-01"),
        ("15 fevral", "2027-02-15"),
        ("29 fevral", "2028-02-29"),  # the next leap year
        ("25 декабря", "2026-12-25"),  # Russian in Cyrillic
        ("2026-12-25", "2026-12-25"),
        ("ayın 25-i", "2026-11-25"),
    ],
)
def test_calendar_dates(text: str, expected: str) -> None:
    assert values(text, "date") == [expected]


def test_month_names_come_from_babel_and_fold() -> None:
    assert month_number("dekabrın") == 12
    assert month_number("DEKABRA") == 12
    assert month_number("İYUN") == 6
    assert month_number("iyul") == 7
    assert month_number("mart") == 3
    assert month_number("may") == 5
    assert month_number("salam") is None


@pytest.mark.parametrize("text", ["31.02", "31.04.2026", "30 fevral", "32 dekabr", "25.13"])
def test_invalid_dates_are_not_extracted(text: str) -> None:
    assert values(text, "date") == []


def test_date_spans() -> None:
    assert found("Növbə dekabrın 25-i olsun", "date") == [("date", "2026-12-25", "dekabrın 25-i")]
    assert found("25.12.2026-da gəlin", "date") == [("date", "2026-12-25", "25.12.2026-da")]


# --- times ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("saat 10-da", "10:00"),
        ("saat 10-a", "10:00"),
        ("SAAT 10-A", "10:00"),
        ("saat 10", "10:00"),
        ("saat 10da", "10:00"),
        ("10:30", "10:30"),
        ("10:30-da", "10:30"),
        ("saat 10.30", "10:30"),
        ("10.30", "10:30"),  # cannot be a date (no 30th month)
        ("saat 3-də", "15:00"),  # working hours: afternoon
        ("saat 12", "12:00"),
        ("günorta", "12:00"),
        ("günortaya", "12:00"),
        ("səhər saat 9", "09:00"),
        ("seher saat 7", "07:00"),
        ("səhər 9-da", "09:00"),
        ("axşam saat 5", "17:00"),
        ("axsham 5-de", "17:00"),
        ("günortadan sonra saat 2", "14:00"),
        ("günorta saat 1-də", "13:00"),
        ("10 radələrində", "10:00"),
        ("saat 3 radələrində", "15:00"),
        ("saat on birdə", "11:00"),
        ("saat ikidə", "14:00"),
        ("saat 10 yarımda", "10:30"),
        ("saat 16:45", "16:45"),
        ("саат 10-да", "10:00"),
    ],
)
def test_times(text: str, expected: str) -> None:
    assert values(text, "time") == [expected]


@pytest.mark.parametrize(
    "text",
    ["10-da", "10 nəfər", "saat 25", "saat 10:75", "25:00", "bir az", "saat neçədə?", "10 yarım"],
)
def test_not_times(text: str) -> None:
    assert values(text, "time") == []


def test_dotted_date_is_a_date_unless_saat() -> None:
    assert found("10.12") == [("date", "2026-12-10", "10.12")]
    assert found("saat 10.12") == [("time", "10:12", "saat 10.12")]


def test_weekday_axsami_is_not_evening() -> None:
    assert found("cümə axşamı saat 5-də") == [
        ("date", "2026-11-26", "cümə axşamı"),
        ("time", "17:00", "saat 5-də"),
    ]
    assert found("cümə axşamı saat 10") == [
        ("date", "2026-11-26", "cümə axşamı"),
        ("time", "10:00", "saat 10"),
    ]


def test_date_and_time_together() -> None:
    assert found("25 dekabr saat 10:30") == [
        ("date", "2026-12-25", "25 dekabr"),
        ("time", "10:30", "saat 10:30"),
    ]
    assert found("sabah səhər saat 9-da") == [
        ("date", "2026-11-23", "sabah"),
        ("time", "09:00", "səhər saat 9-da"),
    ]


# --- now and the time zone ---


def test_now_is_taken_in_baku() -> None:
    # 22:30 UTC on Nov 22 is already Nov 23 in Baku (UTC+4).
    late_utc = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)
    assert values("bu gün", "date", now=late_utc) == ["2026-11-23"]


def test_default_now_is_today_in_baku() -> None:
    today = datetime.now(BAKU).date()
    assert values("bu gün", "date", now=None) == [today.isoformat()]
    assert values("sabah", "date", now=None) == [(today + timedelta(days=1)).isoformat()]


# --- FIN ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FİN: 5ZKX3P4", "5ZKX3P4"),
        ("fin kodum 5zkx3p4", "5ZKX3P4"),
        ("mənim fin 2AB4C7D-dir", "2AB4C7D"),
        ("1234ABC", "1234ABC"),
    ],
)
def test_fin(text: str, expected: str) -> None:
    assert values(text, "fin") == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "5ZKX3P4X",  # 8 characters
        "5ZKI3P4",  # I is not used
        "5ZKO3P4",  # O is not used
        "ABCDEFG",  # no digit
        "1234567",  # no letter
        "müraciət",  # an ordinary word
        "50manat",  # a number with a word glued on
        "x5ZKX3P4",
    ],
)
def test_not_fin(text: str) -> None:
    assert values(text, "fin") == []


# --- phone ---


@pytest.mark.parametrize(
    "text",
    [
        "+994 50 123 45 67",
        "994501234567",
        "050 123 45 67",
        "(050) 123-45-67",
        "0501234567",
        "050-123-45-67",
        "nömrəm 050 123 45 67, zəng edin",
    ],
)
def test_phone_formats(text: str) -> None:
    assert values(text, "phone") == ["+994501234567"]


def test_phone_without_trunk_zero() -> None:
    assert found("55 123 45 67") == [("phone", "+994551234567", "55 123 45 67")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("051 234 56 78", "+994512345678"),
        ("055 234 56 78", "+994552345678"),
        ("070 234 56 78", "+994702345678"),
        ("077 234 56 78", "+994772345678"),
        ("099 234 56 78", "+994992345678"),
        ("010 234 56 78", "+994102345678"),
        ("060 234 56 78", "+994602345678"),
        ("012 345 67 89", "+994123456789"),
    ],
)
def test_phone_prefixes(text: str, expected: str) -> None:
    assert values(text, "phone") == [expected]


def test_phone_digits_are_nothing_else() -> None:
    for text in ["050 123 45 67", "+994 50 123 45 67", "050-123-45-67", "55 123 45 67"]:
        assert [e for e, _, _ in found(text)] == ["phone"], text


def test_phone_with_date_and_time() -> None:
    assert found("sabah saat 11-də, nömrəm 0501234567") == [
        ("date", "2026-11-23", "sabah"),
        ("time", "11:00", "saat 11-də"),
        ("phone", "+994501234567", "0501234567"),
    ]


# --- booking code ---


def test_booking_code_alphabet_is_unambiguous() -> None:
    assert len(set(BOOKING_CODE_ALPHABET)) == len(BOOKING_CODE_ALPHABET)
    assert not set("0O1IL2Z5S8B6G") & set(BOOKING_CODE_ALPHABET)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kodum A4C7K9", "A4C7K9"),
        ("kodum a4c7k9", "A4C7K9"),
        ("K3M7PX ləğv et", "K3M7PX"),
        ("növbə kodu: 9HXT4R.", "9HXT4R"),
    ],
)
def test_booking_code(text: str, expected: str) -> None:
    assert values(text, "booking_code") == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "A4C7K0",  # 0 is not in the alphabet
        "A4C7K",  # 5 characters
        "ACDEFH",  # no digit
        "343434",  # no letter
        "5ZKX3P4",  # a 7-character FIN
        "A4C7K9X",
    ],
)
def test_not_booking_code(text: str) -> None:
    assert values(text, "booking_code") == []


def test_fin_is_not_a_booking_code() -> None:
    assert found("4ACDEF9") == [("fin", "4ACDEF9", "4ACDEF9")]


# --- centers ---


@pytest.mark.parametrize(
    ("text", "expected", "covered"),
    [
        ("Xəzər", "baki-2", "Xəzər"),
        ("Xəzərdə növbə", "baki-2", "Xəzərdə"),
        ("xezerde", "baki-2", "xezerde"),
        ("Bərdəyə getməliyəm", "berde", "Bərdəyə"),
        ("berdeye", "berde", "berdeye"),
        ("Barda", "berde", "Barda"),  # ə typed as a
        ("Yasamaldakı mərkəz", "baki-1", "Yasamaldakı"),
        ("yasamal", "baki-1", "yasamal"),
        ("Yasmal", "baki-1", "Yasmal"),  # a typo
        ("Şüvəlana", "baki-2", "Şüvəlana"),
        ("shuvelan", "baki-2", "shuvelan"),
        ("1 saylı", "baki-1", "1 saylı"),
        ("1 nömrəli mərkəz", "baki-1", "1 nömrəli"),
        ("1-ci mərkəz", "baki-1", "1-ci"),
        ("birinci mərkəzə", "baki-1", "birinci"),
        ("2 saylıya", "baki-2", "2 saylıya"),
        ("1 saylı Bakı DOST Mərkəzində", "baki-1", "1 saylı Bakı DOST Mərkəzində"),
        ("QARABAĞ REGIONAL DOST MƏRKƏZİ", "berde", "QARABAĞ REGIONAL DOST MƏRKƏZİ"),
        ("Бәрдә", "berde", "Бәрдә"),
    ],
)
def test_centers(text: str, expected: str, covered: str) -> None:
    assert found(text, "center", centers=CENTERS) == [("center", expected, covered)]


@pytest.mark.parametrize(
    "text", ["salam", "3 saylı", "DOST mərkəzi", "nizamnamə", "xəbər", "saat 1-də", "Bakı"]
)
def test_not_centers(text: str) -> None:
    assert values(text, "center", centers=CENTERS) == []


def test_no_centers_without_mapping() -> None:
    assert values("Xəzərdə", "center") == []
    assert values("Xəzərdə", "center", centers={}) == []


def test_two_centers() -> None:
    assert values("Xəzər yoxsa Yasamal?", "center", centers=CENTERS) == ["baki-2", "baki-1"]


# --- properties ---


_TEXT = st.lists(
    st.sampled_from(
        [
            *"0123456789 .:/-+()ACDEHKMXZsabhtdəiıüöçşğ",
            *["saat ", "sabah ", "dekabr ", "cümə ", "axşamı ", "050 ", "Xəzər", "1 saylı "],
        ]
    ),
    max_size=25,
).map("".join)


@settings(max_examples=300)
@given(st.one_of(_TEXT, st.text(max_size=40)))
def test_entities_are_well_formed(text: str) -> None:
    entities = extract_entities(text, now=NOW, centers=CENTERS)
    previous_end = 0
    for e in entities:
        assert 0 <= e.start < e.end <= len(text)
        assert e.start >= previous_end  # sorted, never overlapping
        previous_end = e.end
        if e.entity == "date":
            datetime.strptime(e.value, "%Y-%m-%d")
        elif e.entity == "time":
            datetime.strptime(e.value, "%H:%M")


# --- shortcuts must not change results ---


def test_no_valid_phone_number_is_shorter_than_the_digit_bound() -> None:
    from phonenumbers.phonenumberutil import (
        COUNTRY_CODES_FOR_NON_GEO_REGIONS,
        SUPPORTED_REGIONS,
        PhoneMetadata,
    )

    from nlu.entities import _MIN_PHONE_DIGITS

    metadata = [PhoneMetadata.metadata_for_region(r) for r in SUPPORTED_REGIONS]
    metadata += [
        PhoneMetadata.metadata_for_nongeo_region(c) for c in COUNTRY_CODES_FOR_NON_GEO_REGIONS
    ]
    shortest = min(len(str(m.country_code)) + min(m.general_desc.possible_length) for m in metadata)
    assert shortest >= _MIN_PHONE_DIGITS
    assert found("+49 30 1234") == [("phone", "+49301234", "+49 30 1234")]  # short, and found


def test_a_changed_centers_mapping_is_seen() -> None:
    centers = {"x": ["Xəzər"], "y": ["Xəzər", "Yasamal"]}
    assert values("Xəzər", "center", centers=centers) == ["x"]  # a tie: the first listed
    centers["x"] = centers.pop("x")  # the same mapping, reordered
    assert values("Xəzər", "center", centers=centers) == ["y"]
    centers["x"].append("Bərdə")  # a name added in place
    assert values("Bərdə", "center", centers=centers) == ["x"]
    assert values("Yasamal", "center", centers=dict(centers)) == ["y"]
