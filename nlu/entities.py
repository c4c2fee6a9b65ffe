"""Entity extraction on the ORIGINAL user text, Rasa-style (``entity``, ``value``, ``start``,
``end`` with ``end`` exclusive).

Entities: ``date`` (ISO), ``time`` ("HH:MM"), ``fin`` (ID-card personal number), ``phone``
(E.164), ``booking_code`` and ``center`` (a center id from the ``centers`` mapping). Words are
matched on ``fold_spans`` of the text (any case, with or without Azerbaijani letters, Cyrillic);
codes and phone numbers on the text itself. Overlapping candidates are resolved by keeping the
longest, so a phone number's digits never also become a date, time or code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import phonenumbers

from nlu.centers import find_centers
from nlu.dates import find_dates
from nlu.normalize import fold_spans
from nlu.times import find_times

__all__ = ["BAKU", "BOOKING_CODE_ALPHABET", "FIN_ALPHABET", "Entity", "extract_entities"]

BAKU = ZoneInfo("Asia/Baku")

# Booking codes avoid look-alikes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G.
BOOKING_CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
BOOKING_CODE_LENGTH = 6
# The personal ID (FİN) on the Azerbaijani ID card: 7 of digits and Latin capitals but I and O.
FIN_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
FIN_LENGTH = 7

# On an identical span the more specific reading wins.
_PRIORITY = {"date": 0, "time": 1, "phone": 2, "fin": 3, "booking_code": 4, "center": 5}


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int

    def to_dict(self) -> dict[str, str | int]:
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end}


def _ascii_upper(text: str) -> str:
    # Codes are ASCII; avoid str casing (Azerbaijani i/İ) on purpose.
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in text)


def _code_pattern(alphabet: str, length: int) -> re.Pattern[str]:
    lowercase = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else "" for c in alphabet)
    chars = re.escape(alphabet + lowercase)
    # A whole token: no letter or digit of any script touching it.
    return re.compile(rf"(?<![^\W_])[{chars}]{{{length}}}(?![^\W_])")


_FIN = _code_pattern(FIN_ALPHABET, FIN_LENGTH)
_BOOKING_CODE = _code_pattern(BOOKING_CODE_ALPHABET, BOOKING_CODE_LENGTH)
_NUMBER_THEN_WORD = re.compile(r"\d+[A-Za-z]+")
_ASCII_DIGIT = re.compile("[0-9]")  # every code has one
_DIGIT = re.compile(r"\d")
# No valid phone number has fewer digits, country code included: Austria, Germany and Iran
# (two-digit codes) have the shortest national numbers, of four digits (an AZ number without
# a country code has nine). PhoneNumberMatcher only picks digits, plus "x" as punctuation,
# which a vanity-number reading may turn into a digit: those count too.
_MIN_PHONE_DIGITS = 6


def _plausible_code(token: str) -> bool:
    if not (any(c.isdigit() for c in token) and any(c.isalpha() for c in token)):
        return False
    # "50manat", "10dekabr"-like tokens are a number with a word glued on, unless typed in
    # capitals the way codes are printed.
    typed_as_code = not any("a" <= c <= "z" for c in token)
    return typed_as_code or not _NUMBER_THEN_WORD.fullmatch(token)


def _codes(text: str, pattern: re.Pattern[str]) -> Iterator[tuple[int, int, str]]:
    for m in pattern.finditer(text):
        if _plausible_code(m.group()):
            yield m.start(), m.end(), _ascii_upper(m.group())


def _phones(text: str) -> Iterator[tuple[int, int, str]]:
    if len(_DIGIT.findall(text)) + text.count("x") + text.count("X") < _MIN_PHONE_DIGITS:
        return
    # POSSIBLE, then a validity check: VALID alone rejects "55 123 45 67" (no trunk 0).
    matcher = phonenumbers.PhoneNumberMatcher(text, "AZ", leniency=phonenumbers.Leniency.POSSIBLE)
    for m in matcher:
        if phonenumbers.is_valid_number(m.number):
            e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
            yield m.start, m.end, e164


def _today(now: datetime | None) -> date:
    if now is None:
        return datetime.now(BAKU).date()
    if now.tzinfo is None:  # a naive time is taken as Baku wall-clock time
        return now.date()
    return now.astimezone(BAKU).date()


def _resolve(candidates: list[Entity]) -> list[Entity]:
    """Keep the longest candidates that do not overlap a longer (or more specific) one."""
    ordered = sorted(candidates, key=lambda e: (e.start - e.end, _PRIORITY[e.entity], e.start))
    chosen: list[Entity] = []
    for cand in ordered:
        if all(cand.end <= c.start or cand.start >= c.end for c in chosen):
            chosen.append(cand)
    return sorted(chosen, key=lambda e: (e.start, e.end))


def extract_entities(
    text: str,
    *,
    now: datetime | None = None,
    centers: Mapping[str, Sequence[str]] | None = None,
) -> list[Entity]:
    """Entities in ``text``, ordered by position, with offsets into ``text``.

    ``now`` (default: the current time in Asia/Baku) anchors relative dates ("sabah", "cümə",
    "25 dekabr" → the next such date on or after today). ``centers`` maps a center id to its
    names and aliases; without it no ``center`` entities are produced.
    """
    ft = fold_spans(text)
    found: list[tuple[str, Iterator[tuple[int, int, str]] | list[tuple[int, int, str]]]] = [
        ("date", find_dates(ft, _today(now))),
        ("time", find_times(ft)),
        ("phone", _phones(text)),
        ("center", find_centers(ft, centers)),
    ]
    if _ASCII_DIGIT.search(text):
        found += [("fin", _codes(text, _FIN)), ("booking_code", _codes(text, _BOOKING_CODE))]
    candidates = [
        Entity(entity, value, start, end) for entity, spans in found for start, end, value in spans
    ]
    return _resolve(candidates)
