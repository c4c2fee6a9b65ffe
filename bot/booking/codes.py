"""Booking codes: short, unambiguous when read aloud or typed, random (not guessable)."""

from __future__ import annotations

import secrets

from nlu.entities import BOOKING_CODE_ALPHABET, BOOKING_CODE_LENGTH

_LETTERS = frozenset(c for c in BOOKING_CODE_ALPHABET if c.isalpha())
_DIGITS = frozenset(c for c in BOOKING_CODE_ALPHABET if c.isdigit())


def new_code() -> str:
    """Six characters with at least one letter and one digit: the NLU only reads such tokens as
    codes (a plain word or number is something else). Uniqueness is checked by `book()`."""
    while True:
        code = "".join(secrets.choice(BOOKING_CODE_ALPHABET) for _ in range(BOOKING_CODE_LENGTH))
        if _LETTERS.intersection(code) and _DIGITS.intersection(code):
            return code


def normalize_code(text: str) -> str:
    """Codes are case-insensitive on input; stray spaces and dashes are ignored."""
    return text.strip().replace(" ", "").replace("-", "").upper()


def looks_like_code(code: str) -> bool:
    return len(code) == BOOKING_CODE_LENGTH and all(c in BOOKING_CODE_ALPHABET for c in code)
