"""Simulated phone numbers: the IVR simulator's callers, never a real subscriber's.

A simulated number is +994 90 followed by 10 digits: 12 national digits where Azerbaijan's
numbering plan has 9, behind a prefix (90) that no Azerbaijani network uses. No one can have,
call or text such a number (phonenumbers: too long, not valid), yet it parses as Azerbaijani,
so the core handles it like any caller's number. The simulator gives each browser session its
own, so one visitor never sees another's bookings; anything that sends to a phone number must
skip them (see `is_simulated`). Bookings made from the simulator carry the channel "simulator".
"""

from __future__ import annotations

import re
import secrets

PREFIX = "+99490"
DIGITS = 10  # after the prefix: 15 digits in all, E.164's longest
CHANNEL = "simulator"
_PATTERN = re.compile(rf"^(?:[a-z]+:)?\+99490\d{{{DIGITS}}}$")


def new_number() -> str:
    return PREFIX + "".join(secrets.choice("0123456789") for _ in range(DIGITS))


def is_simulated(number: str | None) -> bool:
    """True for a simulated number, also as an address ("whatsapp:+99490…")."""
    return bool(number) and bool(_PATTERN.match(number.strip()))
