"""nlu.normalize: Azerbaijani casing, normalization and the folded matching key."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.normalize import az_lower, az_upper, fold, fold_spans, normalize, normalize_spans

# Text that exercises the tricky parts: Azerbaijani letters, both i's, Cyrillic (Azerbaijani
# and Russian), old "ä", combining marks, emoji, separators, digits and repeated letters.
_ALPHABET = (
    "AaBbCcÇçDdEeƏəFfGgĞğHhXxIıİiJjKkQqLlMmNnOoÖöPpRrSsŞşTtUuÜüVvYyZzWwÄä"
    "АаБбГгҒғҜҝҸҹЧчЈјЖжҺһХхЫыИиӨөҮүӘәШшЯяЮюЁёЩщЦцЭэЙйЪъЬь"
    "0123456789٣ .,:;/-+!?()'\"\n\t–—…№"
    "\u0307\u0308\u0301\u0327\u200b\u200d\u00ad\ufe0f"
    "😀👍🏽❤"
)
_az_text = st.text(alphabet=_ALPHABET, max_size=60)
_any_text = st.one_of(_az_text, st.text(max_size=60))


@settings(max_examples=500)
@given(_any_text)
def test_normalize_is_idempotent_and_total(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=500)
@given(_any_text)
def test_fold_is_idempotent_and_total(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert normalize(once) == once  # the key is itself normalized text


@settings(max_examples=300)
@given(_any_text)
def test_spans_agree_with_plain_functions(text: str) -> None:
    for mapped, plain in ((fold_spans(text), fold(text)), (normalize_spans(text), normalize(text))):
        assert mapped.text == plain
        assert len(mapped.starts) == len(mapped.ends) == len(plain)
        for s, e in zip(mapped.starts, mapped.ends, strict=True):
            assert 0 <= s < e <= len(text)
        assert list(mapped.starts) == sorted(mapped.starts)


@given(st.text(alphabet="AaIıİiƏəŞşÇçĞğÖöÜüQqXx", max_size=30))
def test_az_casing_round_trip(text: str) -> None:
    assert az_lower(az_upper(text)) == az_lower(text)
    assert az_upper(az_lower(text)) == az_upper(text)


# --- casing ---


def test_az_lower_dotted_and_dotless_i() -> None:
    assert az_lower("İŞSİZ") == "işsiz"
    assert "\u0307" not in az_lower("İŞSİZ")
    assert az_lower("IĞDIR") == "ığdır"
    assert az_lower("I\u0307Ş") == "iş"  # decomposed İ
    assert az_lower("ƏÇĞÖÜŞ") == "əçğöüş"


def test_az_upper_dotted_and_dotless_i() -> None:
    assert az_upper("işsiz") == "İŞSİZ"
    assert az_upper("ığdır") == "IĞDIR"
    assert az_upper("müraciət") == "MÜRACİƏT"


def test_casing_tables_match_unicode_outside_i() -> None:
    # Outside the i's the tables must agree with Unicode's simple case mapping.
    for ch in "ABCÇDEƏFGĞHXJKQLMNOÖPRSŞTUÜVYZÄАБВГҒҜҸЧЈЖҺХЫИӨҮӘШЯЮЁЩЪЬ":
        assert az_lower(ch) == str.lower(ch), ch
        assert az_upper(az_lower(ch)) == ch, ch


# --- normalize ---


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("İŞSİZ", "işsiz"),
        ("i\u0307şsi\u0307z", "işsiz"),  # what Python's lower() makes of İŞSİZ
        ("Täşäkkür", "təşəkkür"),  # 1992–93 spelling
        ("ÄLİL", "əlil"),
        ("Салаaaм!!!", "salam"),
        ("Сабаһ саат 10-да", "sabah saat 10-da"),
        ("ҜӘНҸӘ", "gəncə"),
        (
            "Ғәдир Јусиф Өмәр Үзүм Чај Шәки Журнал Ыхтијар",
            "ğədir yusif ömər üzüm çay şəki jurnal ıxtiyar",
        ),
        ("Яна Юля Ёлка щи цирк этаж йод объект", "yana yulya yolka shchi tsirk etazh yod obekt"),
        ("salaaaam", "salam"),
        ("təşəkkür müəllim", "təşəkkür müəllim"),  # real doubles stay
        ("Salam 😀👍🏽, necəsən?!", "salam necəsən"),
        ("saat 10:30-da", "saat 10:30-da"),
        ("25.12.2026, 25/12.", "25.12.2026 25/12"),
        ("ÜDSY-yə", "üdsy-yə"),
        ("10-da", "10-da"),
        ("+994 50 123 45 67", "+994 50 123 45 67"),
        ("(050) 123-45-67", "050 123-45-67"),
        ("sual - cavab", "sual cavab"),  # a dash between words is punctuation
        ("5+", "5"),
        ("  bir\t\niki   üç ", "bir iki üç"),
        ("10–12", "10-12"),  # en dash between digits
        ("məl\u00adumat", "məlumat"),  # soft hyphen
        ("söz\u200bsöz", "söz söz"),  # zero-width space
        ("", ""),
        ("!!! ...", ""),
    ],
)
def test_normalize_examples(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_never_raises_on_lone_surrogates_and_controls() -> None:
    assert normalize("a\ud800b\x00c") == "a b c"
    assert fold("a\ud800b") == "a b"


# --- fold ---


def test_fold_meets_ascii_typing() -> None:
    key = fold("özünüməşğulluq")
    assert fold("ÖZÜNÜMƏŞĞULLUQ") == key
    assert fold("ozunumesgulluq") == key
    assert fold("ozunumeshgulluq") == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("təşəkkür", "tesekur"),
        ("təşəkkür", "teshekkur"),
        ("çox", "4ox"),
        ("çox", "chox"),
        ("üçün", "u4un"),
        ("işsiz", "iwsiz"),
        ("Ağdaş", "Aghdash"),
        ("Xaçmaz", "Khachmaz"),
        ("Şəki", "SHEKI"),
        ("mərkəz", "merkez"),
        ("ığdır", "IGDIR"),
        ("Bakı", "BAKI"),
        ("Bakı", "baki"),
        ("Bərdə", "Берде"),
    ],
)
def test_fold_examples_meet(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_keeps_result_apart_from_how_many() -> None:
    """ "nəticə" (result) and "neçə" (how many) stay two words, however they are typed."""
    result = {fold(w) for w in ("nəticə", "NƏTİCƏ", "netice", "neticə", "NETİCƏ")}
    how_many = {fold(w) for w in ("neçə", "NEÇƏ", "nece", "neche", "ne4e")}
    assert result == {"netice"} and how_many == {"nece"}


def test_fold_keeps_numbers_and_codes() -> None:
    assert fold("ÜDSY-yə").startswith("udsy")
    assert fold("saat 4-də") == "sat 4-de"  # "4" in a number is not ç
    assert fold("1444") == "1444"
    assert fold("25.12.2026") == "25.12.2026"


def test_fold_spans_maps_back_to_original() -> None:
    text = "SABAH SAAT 10-A ÖZÜNÜMƏŞĞULLUQ"
    ft = fold_spans(text)
    assert ft.text == "sabah sat 10-a ozunumesguluq"
    m = re.search(r"sat 10-a", ft.text)
    assert m is not None
    start, end = ft.span(m.start(), m.end())
    assert text[start:end] == "SAAT 10-A"
    m = re.search("ozunumesguluq", ft.text)
    assert m is not None
    start, end = ft.span(m.start(), m.end())
    assert text[start:end] == "ÖZÜNÜMƏŞĞULLUQ"


def test_fold_spans_cover_collapsed_and_combined_characters() -> None:
    text = "Salaaam, i\u0307şsi\u0307z!"
    ft = fold_spans(text)
    assert ft.text == "salam isiz"
    assert text[slice(*ft.span(0, 5))] == "Salaaam"
    assert text[slice(*ft.span(6, 10))] == "i\u0307şsi\u0307z"


def test_fold_spans_cyrillic_expansion() -> None:
    text = "Яна"
    ft = fold_spans(text)
    assert ft.text == "yana"
    assert ft.span(0, 2) == (0, 1)  # both "y" and "a" come from "Я"


def test_span_rejects_empty_slices() -> None:
    with pytest.raises(ValueError):
        fold_spans("abc").span(1, 1)


# fold and fold_spans take a string-at-a-time path for most text; the per-character pipeline
# is the reference it must agree with, offsets included.
_FOLD_STEPS = st.text(alphabet="sShHcCgGkKwW4aAəƏeEıIİi1 .:/+-_?ъЯ\u0307\u200b²", max_size=30)


@settings(max_examples=500)
@given(st.one_of(_any_text, _FOLD_STEPS))
def test_fold_spans_agree_with_the_per_character_pipeline(text: str) -> None:
    from nlu.normalize import _folded_items, _to_mapped

    assert fold_spans(text) == _to_mapped(_folded_items(text))


@pytest.mark.parametrize(
    "text",
    [
        "Salaaam",
        "sshh shs",
        "4ox u4un 44-cü",
        "  ?a - b.c, d_e  ",
        "Яна",
        "əəee",
        "ə² x",
        "a\u200bb",
    ],
)
def test_fold_spans_examples_agree_with_the_per_character_pipeline(text: str) -> None:
    from nlu.normalize import _folded_items, _to_mapped

    assert fold_spans(text) == _to_mapped(_folded_items(text))
    assert fold(text) == fold_spans(text).text
