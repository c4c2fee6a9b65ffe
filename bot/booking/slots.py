"""Which slots exist: a center's days and hours cut into the service's operator time.

Pure calendar arithmetic, no Redis: a slot exists when its day is open (a working weekday of the
center, not an Azerbaijani public holiday, not one of the center's closures), it lies between
opening and closing time, and it starts at least `lead_minutes` from now (by the calendar's
clock). Its capacity is the number of desks serving that service at that center.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from bot.booking.errors import InvalidSlot, UnknownCenter, UnknownService
from bot.clock import BAKU, SYSTEM_CLOCK, Clock, as_baku
from knowledge.centers import Center, Centers
from knowledge.model import Passport

SEARCH_DAYS = 366  # open_days gives up after a year of closed days


@dataclass(frozen=True)
class Slot:
    center: str
    service: str
    start: datetime  # tz-aware, Asia/Baku
    end: datetime
    capacity: int

    @property
    def epoch(self) -> int:
        """The start as epoch seconds: how Redis keys and scores name the slot."""
        return int(self.start.timestamp())

    @property
    def day(self) -> date:
        return self.start.astimezone(BAKU).date()


def slot_minutes(passport: Passport | None, default: int | None = None) -> int:
    """Field 18 (the operator's standard minutes) when known and a positive int, else `default`
    (the `DOST_BOOKING_SLOT_MINUTES` setting, 15, when not given)."""
    if passport is not None:
        field = passport.field("operator_minutes")
        value = field.value if field is not None and field.is_known else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    if default is None:
        from bot.config import get_settings

        default = get_settings().booking_slot_minutes
    return default


@lru_cache(maxsize=32)
def _public_holidays(year: int) -> frozenset[date]:
    import holidays  # lazy: a sizeable import, and `dost --help` must stay instant

    # Observed (transferred) days off are included: DOST centers close on them too.
    return frozenset(holidays.country_holidays("AZ", years=year))


def is_public_holiday(day: date) -> bool:
    return day in _public_holidays(day.year)


class SlotCalendar:
    def __init__(
        self,
        centers: Centers,
        passports: Mapping[str, Passport],
        *,
        default_minutes: int = 15,
        lead_minutes: int = 30,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.centers = centers
        self.clock = clock
        self.passports = passports
        self.default_minutes = default_minutes
        self.lead = timedelta(minutes=lead_minutes)

    def center(self, center_id: str) -> Center:
        center = self.centers.get(center_id)
        if center is None:
            raise UnknownCenter(center_id)
        return center

    def passport(self, service_id: str) -> Passport:
        passport = self.passports.get(service_id)
        if passport is None:
            raise UnknownService(service_id)
        return passport

    def minutes(self, service_id: str) -> int:
        return slot_minutes(self.passport(service_id), self.default_minutes)

    def capacity(self, center_id: str, service_id: str) -> int:
        return self.centers.desks(self.center(center_id), service_id)

    def is_open_day(self, center_id: str, day: date) -> bool:
        center = self.center(center_id)
        return (
            self.centers.hours(center).is_open_on(day)
            and not is_public_holiday(day)
            and day not in center.closures
        )

    def open_days(self, center_id: str, after: date, count: int = 5) -> list[date]:
        """The next `count` open days strictly after `after` (pass yesterday to include today)."""
        days: list[date] = []
        day = after
        for _ in range(SEARCH_DAYS):
            if len(days) >= count:
                break
            day += timedelta(days=1)
            if self.is_open_day(center_id, day):
                days.append(day)
        return days

    def _bounds(self, center: Center, day: date) -> tuple[datetime, datetime]:
        hours = self.centers.hours(center)
        return datetime.combine(day, hours.open, BAKU), datetime.combine(day, hours.close, BAKU)

    def slots(self, center_id: str, service_id: str, day: date) -> list[Slot]:
        """The day's slots from opening to closing time, without past ones or those within the
        lead time. [] on a closed day or where the center does not offer the service."""
        center, length = self.center(center_id), timedelta(minutes=self.minutes(service_id))
        if not center.offers(service_id) or not self.is_open_day(center_id, day):
            return []
        capacity = self.centers.desks(center, service_id)
        earliest = self.clock.now() + self.lead
        start, close = self._bounds(center, day)
        found = []
        while start + length <= close:
            if start >= earliest:
                found.append(Slot(center_id, service_id, start, start + length, capacity))
            start += length
        return found

    def slot_at(self, center_id: str, service_id: str, start: datetime) -> Slot:
        """The slot starting exactly at `start`, or InvalidSlot saying why there is none."""
        center, length = self.center(center_id), timedelta(minutes=self.minutes(service_id))
        if not center.offers(service_id):
            raise InvalidSlot("center_does_not_offer", f"{center_id} / {service_id}")
        start = as_baku(start)
        if start < self.clock.now() + self.lead:
            raise InvalidSlot("past", start.isoformat())
        if not self.is_open_day(center_id, start.date()):
            raise InvalidSlot("closed_day", start.date().isoformat())
        opens, closes = self._bounds(center, start.date())
        offset = start - opens
        if offset < timedelta(0) or offset % length or start + length > closes:
            raise InvalidSlot("not_a_slot", start.isoformat())
        capacity = self.centers.desks(center, service_id)
        return Slot(center_id, service_id, start, start + length, capacity)
