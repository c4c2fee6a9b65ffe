"""Clock times in Azerbaijani user text → "HH:MM", matched on the folded text (``fold_spans``).

"saat 10-da", "SAAT 10-A", "10:30", "saat 10.30", "səhər saat 9", "axşam 5-də",
"günortadan sonra saat 2", "saat on birdə", "saat 10 yarımda", "10 radələrində", "günorta".
A bare hour from 1 to 7 means the afternoon: DOST centers work 09:00–18:00.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache

from nlu.dates import valid_day_month
from nlu.normalize import MappedText, fold

__all__ = ["find_times"]

_SUFFIX = r"[^\W\d_]*"
_WB = r"(?<![^\W_])"

# Hours said as words, with the hour they name.
_HOUR_WORDS = {
    "bir": 1, "iki": 2, "üç": 3, "dörd": 4, "beş": 5, "altı": 6, "yeddi": 7,
    "səkkiz": 8, "doqquz": 9, "on": 10, "on bir": 11, "on iki": 12,
}  # fmt: skip


def _afternoon(hour: int) -> int:  # "günortadan sonra", "axşam": 1–11 are p.m.
    return hour + 12 if 1 <= hour <= 11 else hour


def _noon(hour: int) -> int:  # "günorta saat 1" is 13:00
    return hour + 12 if 1 <= hour <= 5 else hour


def _night(hour: int) -> int:  # "gecə saat 11" is 23:00, "gecə saat 2" is 02:00
    if hour == 12:
        return 0
    return hour + 12 if 8 <= hour <= 11 else hour


def _working_hours(hour: int) -> int:  # no qualifier: 1–7 can only be p.m. at a DOST center
    return hour + 12 if 1 <= hour <= 7 else hour


def _morning(hour: int) -> int:
    return hour


@cache
def _qualifiers() -> list[tuple[str, Callable[[int], int]]]:
    # A weekday name's second word "axşamı" (Tuesday, Thursday) is not "evening".
    not_weekday = "".join(f"(?<!{re.escape(fold(w))} )" for w in ("cümə", "çərşənbə"))
    return [
        (rf"{re.escape(fold('günortadan'))}\s+{re.escape(fold('sonra'))}", _afternoon),
        (rf"{re.escape(fold('günorta'))}(?!dan){_SUFFIX}", _noon),
        (rf"{re.escape(fold('səhər'))}{_SUFFIX}", _morning),
        (rf"{not_weekday}{re.escape(fold('axşam'))}{_SUFFIX}", _afternoon),
        (rf"{re.escape(fold('gecə'))}{_SUFFIX}", _night),
    ]


@cache
def _hour_words() -> dict[str, int]:
    return {fold(word): hour for word, hour in _HOUR_WORDS.items()}


@cache
def _pattern() -> re.Pattern[str]:
    quals = "|".join(f"(?P<q{i}>{q})" for i, (q, _) in enumerate(_qualifiers()))
    words = "|".join(
        r"\s+".join(map(re.escape, w.split())) for w in sorted(_hour_words(), key=len, reverse=True)
    )
    saat = re.escape(fold("saat"))
    half = re.escape(fold("yarım"))
    approx = re.escape(fold("radələr"))
    return re.compile(
        rf"(?:{_WB}(?P<qual>{quals})\s+)?"
        rf"(?:{_WB}(?P<saat>{saat})\s+)?"
        r"(?<![\w.:/+-])"
        rf"(?:(?P<h>\d{{1,2}})(?:(?P<sep>[:.])(?P<m>\d{{2}}))?(?!\d|[.:/]\d)(?P<suf>-?[^\W\d_]+)?"
        rf"|(?P<hw>{words}){_SUFFIX}(?![^\W_]))"
        rf"(?P<half>\s+{half}{_SUFFIX})?"
        rf"(?P<approx>\s+{approx}{_SUFFIX})?"
    )


@cache
def _noon_pattern() -> re.Pattern[str]:
    return re.compile(rf"{_WB}{re.escape(fold('günorta'))}(?!dan){_SUFFIX}")


def _hour_word(found: str) -> int:
    return _hour_words()[" ".join(found.split())]


@cache
def _noon_word() -> str:
    return fold("günorta")


@cache
def _time_words() -> tuple[str, ...]:
    """Without a digit, a time needs "saat", a qualifier (each contains one of these) or noon."""
    return (fold("saat"), _noon_word(), fold("səhər"), fold("axşam"), fold("gecə"))


_DIGIT = re.compile(r"\d")


def _matches(text: str) -> Iterator[tuple[int, int, int, int]]:
    if not _DIGIT.search(text) and not any(word in text for word in _time_words()):
        return  # no hour number, and an hour word alone is just a number
    qualifiers = _qualifiers()
    for m in _pattern().finditer(text):
        said_saat = m["saat"] is not None
        qualifier = None
        if m["qual"] is not None:
            qualifier = next(f for i, (_, f) in enumerate(qualifiers) if m[f"q{i}"] is not None)
        if m["hw"] is not None:
            if not (said_saat or qualifier):  # "bir", "on" alone are just numbers
                continue
            hour, minute = _hour_word(m["hw"]), 0
        else:
            hour, minute = int(m["h"]), int(m["m"] or 0)
            explicit = said_saat or qualifier is not None or m["approx"] is not None
            if not explicit:
                if m["sep"] is None:
                    continue  # a bare number
                if m["sep"] == "." and valid_day_month(hour, minute):
                    continue  # "25.12" is a date unless "saat" says otherwise
        if m["half"] is not None:
            if not (said_saat or qualifier) or m["m"] is not None:
                continue
            minute = 30
        hour = (qualifier or _working_hours)(hour)
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            yield m.start(), m.end(), hour, minute
    if _noon_word() in text:
        for m in _noon_pattern().finditer(text):
            yield m.start(), m.end(), 12, 0


def find_times(ft: MappedText) -> list[tuple[int, int, str]]:
    """(start, end, "HH:MM") for each time expression, offsets into the original text.

    Overlapping candidates are all returned ("günorta" inside "günorta saat 1"); the caller
    keeps the longest.
    """
    return [(*ft.span(i, j), f"{h:02d}:{mi:02d}") for i, j, h, mi in _matches(ft.text)]
