"""When live operators work: `DOST_OPERATOR_HOURS`, in Asia/Baku, without Azerbaijan's public
holidays (the `holidays` library, observed days off included).

    "Mon-Fri 09:00-18:00"                    weekdays, nine to six (the default)
    "Mon-Fri 09:00-18:00; Sat 10:00-14:00"   several rules, separated by ";"
    "always"                                 round the clock, holidays too
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.booking.slots import is_public_holiday
from bot.clock import as_baku

DEFAULT_HOURS = "Mon-Fri 09:00-18:00"
ALWAYS = "always"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+(?P<open>\d{1,2}:\d{2})-(?P<close>\d{1,2}:\d{2})$"
)
SEARCH_DAYS = 30  # the longest run of closed days looked through (a long holiday)


@dataclass(frozen=True)
class Rule:
    weekdays: frozenset[int]  # Monday = 0
    opens: time
    closes: time


@dataclass(frozen=True)
class OperatorHours:
    rules: tuple[Rule, ...]
    always: bool = False

    @classmethod
    def parse(cls, spec: str | None) -> OperatorHours:
        spec = (spec or DEFAULT_HOURS).strip()
        if spec.lower() == ALWAYS:
            return cls(rules=(), always=True)
        rules = []
        for part in filter(None, (p.strip().lower() for p in spec.split(";"))):
            found = _RULE.match(part)
            if found is None or found["first"] not in DAYS or (found["last"] or "mon") not in DAYS:
                raise ValueError(f"operator hours: cannot read {part!r} (e.g. Mon-Fri 09:00-18:00)")
            first = DAYS.index(found["first"])
            last = DAYS.index(found["last"]) if found["last"] else first
            days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
            opens, closes = (
                time.fromisoformat(found["open"].zfill(5)),
                time.fromisoformat(found["close"].zfill(5)),
            )
            if closes <= opens:
                raise ValueError(f"operator hours: {part!r} closes before it opens")
            rules.append(Rule(frozenset(days), opens, closes))
        return cls(rules=tuple(rules))

    def _periods(self, day: date) -> list[tuple[datetime, datetime]]:
        if is_public_holiday(day):
            return []
        found = []
        for rule in self.rules:
            if day.weekday() in rule.weekdays:
                start = as_baku(datetime.combine(day, rule.opens))
                found.append((start, as_baku(datetime.combine(day, rule.closes))))
        return sorted(found)

    def is_open(self, moment: datetime) -> bool:
        if self.always:
            return True
        moment = as_baku(moment)
        return any(start <= moment < end for start, end in self._periods(moment.date()))

    def next_open(self, moment: datetime) -> datetime | None:
        """When operators are next at work after `moment` (None: they are now, or never)."""
        if self.is_open(moment):
            return None
        moment = as_baku(moment)
        for offset in range(SEARCH_DAYS + 1):
            for start, _ in self._periods(moment.date() + timedelta(days=offset)):
                if start > moment:
                    return start
        return None

    def closes_at(self, moment: datetime) -> datetime | None:
        """When the current working period ends (None: closed now, or always open)."""
        if self.always:
            return None
        moment = as_baku(moment)
        for start, end in self._periods(moment.date()):
            if start <= moment < end:
                return end
        return None
