"""Time as an input: one clock is handed to the engine, the booking store, reminders and the
job worker, so "now" is read in one way everywhere and tests can fix or move it.

Times are aware datetimes in Asia/Baku, where every DOST center is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BAKU = ZoneInfo("Asia/Baku")


def as_baku(moment: datetime) -> datetime:
    """Aware datetimes are converted; a naive one is read as Baku wall-clock time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=BAKU)
    return moment.astimezone(BAKU)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in Asia/Baku."""
        ...


class SystemClock:
    """The real time (as the process sees it: `time_machine` moves it in tests). Every
    SystemClock is the same clock."""

    def now(self) -> datetime:
        return datetime.now(BAKU)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SystemClock)

    def __hash__(self) -> int:
        return hash(SystemClock)

    def __repr__(self) -> str:
        return "SystemClock()"


class FrozenClock:
    """A clock that stands still until it is set or advanced (tests, stories)."""

    def __init__(self, start: datetime) -> None:
        self._now = as_baku(start)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = as_baku(moment)

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move forward by `delta` or by timedelta keywords (`advance(hours=2)`)."""
        self.set(self._now + (delta or timedelta()) + timedelta(**parts))
        return self._now

    def __repr__(self) -> str:
        return f"FrozenClock({self._now.isoformat()})"


SYSTEM_CLOCK = SystemClock()  # the default wherever no clock is given
