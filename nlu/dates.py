"""Dates in Azerbaijani user text → ISO dates, matched on the folded text (``fold_spans``).

Month and weekday names come from babel's ``az`` locale and are folded, so "dekabr",
"DEKABRIN", "Декабр" and "dekabra" all match; only a few Russian/ASCII spellings are added.
All arithmetic is on a ``date`` that the caller computed in Asia/Baku.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache

from babel.dates import get_day_names, get_month_names

from nlu.normalize import MappedText, fold

__all__ = ["find_dates", "month_number", "valid_day_month"]

# Russian-style and common ASCII spellings people mix in ("avgust" vs Azerbaijani "avqust").
_EXTRA_MONTH_SPELLINGS = {"avgust": 8, "sentabr": 9, "oktabr": 10, "noabr": 11}

_WB = r"(?<![^\W_])"  # start of a word (no letter/digit right before)
_SUFFIX = r"[^\W\d_]*"  # inflection glued to a word: dekabr-ın, cümə-yə
_NUM_SUFFIX = r"(?:-[^\W\d_]+)?"  # inflection after a number: 25-i, 2026-cı
_NOT_MORE_NUMBER = r"(?!\d|[.:/]\d)"


@cache
def _months() -> dict[str, int]:
    names = get_month_names("wide", locale="az")  # {1: "yanvar", ..., 12: "dekabr"}
    months = {fold(name): number for number, name in names.items()}
    months.update({fold(name): number for name, number in _EXTRA_MONTH_SPELLINGS.items()})
    return months


def month_number(word: str) -> int | None:
    """The month a (possibly inflected, ASCII-typed or Cyrillic) month word names."""
    key = fold(word)
    for stem, number in sorted(_months().items(), key=lambda kv: -len(kv[0])):
        if key.startswith(stem):
            return number
    return None


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _weekday_pattern() -> re.Pattern[str]:
    """One alternative per weekday name, longest first, so "cümə axşamı" beats "cümə"."""
    alternatives: list[tuple[str, str]] = []
    for weekday, name in get_day_names("wide", locale="az").items():  # 0 = Monday
        words = fold(name).split()
        if len(words) > 1:
            # "bazar ertəsi" / "çərşənbə axşamı": the last word is an izafet noun whose
            # possessive vowel may carry inflection ("ertəsinə") or be dropped by a typo.
            last = words[-1][:-1] if words[-1][-1] in "aeiou" else words[-1]
            body = r"\s+".join([*map(re.escape, words[:-1]), re.escape(last)])
        else:
            body = re.escape(words[0])
        alternatives.append((f"(?P<d{weekday}>{body}){_SUFFIX}", body))
    alternatives.sort(key=lambda alt: len(alt[1]), reverse=True)
    joined = "|".join(alt for alt, _ in alternatives)
    gun = re.escape(fold("gün"))
    return re.compile(rf"{_WB}(?:{joined})(?:\s+{gun}{_SUFFIX})?")


@cache
def _relative_pattern() -> re.Pattern[str]:
    # Offsets in days; the alternation lists the longer words first ("sabahısı" before "sabah").
    words = [
        (fold("sabahısı"), 2),
        (r"biri\s*" + fold("gün"), 2),
        (r"bu\s*" + fold("gün"), 0),
        (fold("sabah"), 1),
        (fold("dünən"), -1),
    ]
    self_offsets = "|".join(f"(?P<r{i}>{w})" for i, (w, _) in enumerate(words))
    return re.compile(rf"{_WB}(?:{self_offsets}){_SUFFIX}")


_RELATIVE_OFFSETS = (2, 2, 0, 1, -1)


@cache
def _month_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    months = _alternation(list(_months()))
    il = re.escape(fold("il"))
    year_after = rf"(?:\s+(?P<year>\d{{4}})(?!\d){_NUM_SUFFIX}(?:\s+{il}{_SUFFIX})?)?"
    # "25 dekabr", "25-i dekabr", "25 dekabr 2026", "25 dekabr 2026-cı il"
    day_first = re.compile(
        rf"(?<![\w.:/+-])(?P<day>\d{{1,2}})(?:-[^\W\d_]{{1,3}})?\s*"
        rf"(?P<month>{months}){_SUFFIX}{year_after}"
    )
    # "dekabrın 25-i", "dekabr 25", "2026-cı il dekabrın 25-i"
    month_first = re.compile(
        rf"(?:(?P<year>\d{{4}}){_NUM_SUFFIX}\s+(?:{il}{_SUFFIX}\s+)?)?"
        rf"{_WB}(?P<month>{months}){_SUFFIX}\s+(?P<day>\d{{1,2}}){_NOT_MORE_NUMBER}{_NUM_SUFFIX}"
    )
    return day_first, month_first


_NUMERIC = re.compile(
    rf"(?<![\w.:/+-])(?P<day>\d{{1,2}})(?P<sep>[./])(?P<month>\d{{1,2}})"
    rf"(?:(?P=sep)(?P<year>\d{{4}}|\d{{2}}))?{_NOT_MORE_NUMBER}{_NUM_SUFFIX}"
)
_ISO = re.compile(
    rf"(?<![\w.:/+-])(?P<year>\d{{4}})-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}})"
    rf"{_NOT_MORE_NUMBER}{_NUM_SUFFIX}"
)


@cache
def _ayin() -> str:
    return fold("ayın")


@cache
def _day_of_month_pattern() -> re.Pattern[str]:
    # "ayın 25-i" / "ayın 5-də": a day of the current (or next) month
    return re.compile(
        rf"{_WB}{re.escape(_ayin())}\s+(?P<day>\d{{1,2}}){_NOT_MORE_NUMBER}{_NUM_SUFFIX}"
    )


def valid_day_month(day: int, month: int) -> bool:
    """Whether day.month exists in some year (29.02 does)."""
    try:
        date(2024, month, day)  # a leap year
    except ValueError:
        return False
    return True


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_day_month(day: int, month: int, today: date) -> date | None:
    """The first day.month on or after today (a few years ahead for 29.02)."""
    for year in range(today.year, today.year + 9):
        found = _safe_date(year, month, day)
        if found is not None and found >= today:
            return found
    return None


def _next_day_of_month(day: int, today: date) -> date | None:
    year, month = today.year, today.month
    for _ in range(13):
        found = _safe_date(year, month, day)
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def _resolve(day: int, month: int, year: int | None, today: date) -> date | None:
    if year is None:
        return _next_day_month(day, month, today)
    return _safe_date(year, month, day)


@cache
def _relative_words() -> tuple[str, ...]:
    """Words one of which every match of ``_relative_pattern`` contains."""
    return (fold("sabah"), fold("gün"), fold("dünən"))


@cache
def _weekday_words() -> tuple[str, ...]:
    """The first word of each weekday name: every match of ``_weekday_pattern`` contains one."""
    names = get_day_names("wide", locale="az").values()
    return tuple(sorted({fold(name).split()[0] for name in names}))


_DIGIT = re.compile(r"\d")


def _matches(ft: MappedText, today: date) -> Iterator[tuple[int, int, date | None]]:
    text = ft.text
    # Cheap tests first: each pattern below needs a digit or one of a few words.
    if any(word in text for word in _relative_words()):
        for m in _relative_pattern().finditer(text):
            group = next(i for i in range(len(_RELATIVE_OFFSETS)) if m.group(f"r{i}"))
            yield m.start(), m.end(), today + timedelta(days=_RELATIVE_OFFSETS[group])
    if any(word in text for word in _weekday_words()):
        for m in _weekday_pattern().finditer(text):
            weekday = next(d for d in range(7) if m.group(f"d{d}"))
            ahead = (weekday - today.weekday()) % 7 or 7  # the next one, never today
            yield m.start(), m.end(), today + timedelta(days=ahead)
    if not _DIGIT.search(text):  # every other pattern has a day number
        return
    months = _months()
    if any(month in text for month in months):
        for pattern in _month_patterns():
            for m in pattern.finditer(text):
                month = months[m.group("month")]
                day, year = int(m.group("day")), _year(m["year"])
                yield m.start(), m.end(), _resolve(day, month, year, today)
    for pattern, separators in ((_NUMERIC, "./"), (_ISO, "-")):
        if any(sep in text for sep in separators):
            for m in pattern.finditer(text):
                day, month = int(m.group("day")), int(m.group("month"))
                yield m.start(), m.end(), _resolve(day, month, _year(m["year"]), today)
    if _ayin() in text:
        for m in _day_of_month_pattern().finditer(text):
            yield m.start(), m.end(), _next_day_of_month(int(m.group("day")), today)


def find_dates(ft: MappedText, today: date) -> list[tuple[int, int, str]]:
    """(start, end, "YYYY-MM-DD") for each date expression, offsets into the original text.

    Overlapping candidates are all returned; the caller keeps the longest. Invalid dates
    (31.02) are left out.
    """
    return [(*ft.span(i, j), found.isoformat()) for i, j, found in _matches(ft, today) if found]
