"""Bookings in Redis: holds, book, cancel, reschedule, the person's and the desks' views.

Every change that must not race runs as one Lua script (see `bot.booking.scripts`); every
request is validated against the calendar first, so a past slot, a closed day, an unknown center
or service, or a slot the center does not offer raises before anything is written. "Now" is the
calendar's clock.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.booking import scripts
from bot.booking.codes import looks_like_code, new_code, normalize_code
from bot.booking.errors import (
    AlreadyBooked,
    BookingNotActive,
    BookingNotFound,
    SlotFull,
)
from bot.booking.slots import BAKU, Slot, SlotCalendar

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from bot.clock import Clock

# One hash tag for all booking data: each script reads and writes a slot's sets, the booking,
# the person and day indexes together, so on a Redis Cluster they must share one hash slot.
PREFIX = "dost:{booking}:"
REQUEST_TTL_SECONDS = 24 * 3600  # a retried webhook or a double tap comes within minutes
RETENTION_SECONDS = 30 * 24 * 3600  # bookings and slot keys live this long after the slot
CODE_ATTEMPTS = 10  # 22**6 codes: a collision is rare, ten in a row never happens


def _normalize_phone(phone: str) -> str:
    import phonenumbers  # lazy: a sizeable import

    try:
        number = phonenumbers.parse(phone, "AZ")
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return re.sub(r"[^\d+]", "", phone)


def person_key(phone: str | None, fin: str | None) -> str:
    """The person's id: "phone:+99450..." (E.164) when a phone is known, else "fin:ABC1234"."""
    if phone and phone.strip():
        return f"phone:{_normalize_phone(phone)}"
    if fin and fin.strip():
        return f"fin:{fin.strip().upper()}"
    raise ValueError("a booking needs a phone number or a FIN")


@dataclass
class Booking:
    code: str
    center: str
    service: str
    start: datetime
    end: datetime
    person: str  # person_key(phone, fin)
    phone: str | None
    fin: str | None
    channel: str | None
    conversation: str | None
    status: str  # "active" | "cancelled"
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "center": self.center,
            "service": self.service,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "person": self.person,
            "phone": self.phone,
            "fin": self.fin,
            "channel": self.channel,
            "conversation": self.conversation,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
        }

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @classmethod
    def from_hash(cls, h: dict[str, str]) -> Booking:
        def moment(key: str) -> datetime:
            return datetime.fromtimestamp(int(h[key]), BAKU)

        return cls(
            code=h["code"],
            center=h["center"],
            service=h["service"],
            start=moment("start"),
            end=moment("end"),
            person=h["person"],
            phone=h.get("phone") or None,
            fin=h.get("fin") or None,
            channel=h.get("channel") or None,
            conversation=h.get("conversation") or None,
            status=h["status"],
            created_at=moment("created_at"),
        )


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _slot_key(slot: Slot, part: str) -> str:
    return f"{PREFIX}slot:{slot.center}:{slot.service}:{slot.epoch}:{part}"


def _booking_key(code: str) -> str:
    return f"{PREFIX}booking:{code}"


def _person_key(person: str) -> str:
    return f"{PREFIX}person:{person}"


def _day_key(center: str, day: date) -> str:
    return f"{PREFIX}day:{center}:{day.isoformat()}"


def _key_ttl(slot: Slot, now: datetime) -> int:
    """Slot and booking keys outlive the slot by the retention period (relative to the clock's
    `now`, never negative; Redis counts it down by its own clock)."""
    return max(0, int((slot.end - now).total_seconds())) + RETENTION_SECONDS


class BookingStore:
    def __init__(
        self, redis: aioredis.Redis, calendar: SlotCalendar, *, hold_seconds: int = 300
    ) -> None:
        self.redis = redis
        self.calendar = calendar
        self.hold_seconds = hold_seconds
        self._book = redis.register_script(scripts.BOOK)
        self._hold = redis.register_script(scripts.HOLD)
        self._occupancy = redis.register_script(scripts.OCCUPANCY)
        self._cancel = redis.register_script(scripts.CANCEL)
        self._reschedule = redis.register_script(scripts.RESCHEDULE)

    @property
    def clock(self) -> Clock:
        return self.calendar.clock

    def _valid(self, slot: Slot) -> Slot:
        """The calendar's own slot at that start (capacity and end from the knowledge base,
        not from the caller), or the calendar's error."""
        return self.calendar.slot_at(slot.center, slot.service, slot.start)

    async def _taken(self, slots: list[Slot]) -> list[int]:
        if not slots:
            return []
        keys = [k for s in slots for k in (_slot_key(s, "booked"), _slot_key(s, "holds"))]
        return [int(n) for n in await self._occupancy(keys=keys)]

    async def free(self, slot: Slot) -> int:
        """Capacity minus confirmed bookings minus unexpired holds."""
        [taken] = await self._taken([slot])
        return max(0, slot.capacity - taken)

    async def availability(self, center: str, service: str, day: date) -> list[tuple[Slot, int]]:
        """Every bookable slot of the day with its free count, in one round trip."""
        slots = self.calendar.slots(center, service, day)
        taken = await self._taken(slots)
        return [(s, max(0, s.capacity - n)) for s, n in zip(slots, taken, strict=True)]

    async def hold(self, slot: Slot, holder: str) -> str:
        """Keep a place for `holder` (e.g. a conversation) for `hold_seconds` while they
        confirm. The same holder on the same slot gets the same hold, with a fresh expiry."""
        now = self.clock.now()
        slot = self._valid(slot)
        hold_id = await self._hold(
            keys=[_slot_key(slot, "holds"), _slot_key(slot, "holders"), _slot_key(slot, "booked")],
            args=[
                holder,
                secrets.token_urlsafe(12),
                slot.capacity,
                self.hold_seconds * 1000,
                _key_ttl(slot, now),
            ],
        )
        if not hold_id:
            raise SlotFull(slot)
        return hold_id

    async def release(self, slot: Slot, hold_id: str) -> None:
        await self.redis.zrem(_slot_key(slot, "holds"), hold_id)

    async def book(
        self,
        slot: Slot,
        *,
        phone: str | None = None,
        fin: str | None = None,
        request_id: str,
        hold_id: str | None = None,
        channel: str | None = None,
        conversation: str | None = None,
    ) -> Booking:
        """Book `slot` for the person, atomically; the same `request_id` again returns the
        booking it made. Raises AlreadyBooked, SlotFull, InvalidSlot, UnknownCenter,
        UnknownService, ValueError (no phone or FIN, no request id)."""
        person = person_key(phone, fin)
        if not request_id:
            raise ValueError("request_id is required")
        now = self.clock.now()
        slot = self._valid(slot)
        phone = person.removeprefix("phone:") if person.startswith("phone:") else None
        fin = fin.strip().upper() if fin and fin.strip() else None
        fields = {
            "center": slot.center,
            "service": slot.service,
            "start": slot.epoch,
            "end": _epoch(slot.end),
            "day": slot.day.isoformat(),
            "person": person,
            "phone": phone or "",
            "fin": fin or "",
            "channel": channel or "",
            "conversation": conversation or "",
            "status": "active",
            "created_at": _epoch(now),
        }
        for _ in range(CODE_ATTEMPTS):
            code = new_code()
            pairs = [x for k, v in {"code": code, **fields}.items() for x in (k, v)]
            result = await self._book(
                keys=[
                    f"{PREFIX}request:book:{request_id}",
                    _person_key(person),
                    _slot_key(slot, "booked"),
                    _slot_key(slot, "holds"),
                    _booking_key(code),
                    _day_key(slot.center, slot.day),
                ],
                args=[
                    PREFIX,
                    slot.service,
                    slot.capacity,
                    hold_id or "",
                    _epoch(now),
                    REQUEST_TTL_SECONDS,
                    _key_ttl(slot, now),
                    code,
                    slot.epoch,
                    *pairs,
                ],
            )
            outcome = result[0]
            if outcome == "ok":
                return Booking.from_hash({"code": code, **{k: str(v) for k, v in fields.items()}})
            if outcome == "duplicate":
                booking = await self.get(result[1])
                if booking is None:  # retention ran out between the two requests
                    raise BookingNotFound(result[1])
                return booking
            if outcome == "already_booked":
                raise AlreadyBooked(result[1])
            if outcome == "full":
                raise SlotFull(slot)
            # "collision": that code exists; nothing was written, try another one
        raise RuntimeError("could not find a free booking code")

    async def get(self, code: str) -> Booking | None:
        code = normalize_code(code)
        if not looks_like_code(code):
            return None
        data = await self.redis.hgetall(_booking_key(code))
        return Booking.from_hash(data) if data else None

    async def cancel(self, code: str) -> Booking:
        """Cancel and free the slot and the person's place; cancelling again changes nothing
        and returns the cancelled booking."""
        code = normalize_code(code)
        if not looks_like_code(code):
            raise BookingNotFound(code)
        cancelled_at = _epoch(self.clock.now())
        result = await self._cancel(keys=[_booking_key(code)], args=[PREFIX, cancelled_at])
        if result == "missing":
            raise BookingNotFound(code)
        booking = await self.get(code)
        if booking is None:
            raise BookingNotFound(code)
        return booking

    async def reschedule(
        self,
        code: str,
        new_slot: Slot,
        *,
        request_id: str,
        hold_id: str | None = None,
    ) -> Booking:
        """Move an active booking to `new_slot` (same service, any center), keeping its code.
        The new slot is taken before the old one is freed, in one script: when the new slot is
        full (SlotFull) the booking stays as it was. Idempotent by `request_id`."""
        code = normalize_code(code)
        if not request_id:
            raise ValueError("request_id is required")
        if not looks_like_code(code):
            raise BookingNotFound(code)
        now = self.clock.now()
        slot = self._valid(new_slot)
        result = await self._reschedule(
            keys=[
                f"{PREFIX}request:reschedule:{code}:{request_id}",
                _booking_key(code),
                _slot_key(slot, "booked"),
                _slot_key(slot, "holds"),
                _day_key(slot.center, slot.day),
            ],
            args=[
                PREFIX,
                slot.service,
                slot.capacity,
                hold_id or "",
                slot.center,
                slot.epoch,
                _epoch(slot.end),
                slot.day.isoformat(),
                REQUEST_TTL_SECONDS,
                _key_ttl(slot, now),
                _epoch(now),
            ],
        )
        if result == "missing":
            raise BookingNotFound(code)
        if result == "full":
            raise SlotFull(slot)
        booking = await self.get(code)
        if booking is None:
            raise BookingNotFound(code)
        if result == "inactive":
            raise BookingNotActive(code, booking.status)
        if result == "wrong_service":
            raise ValueError(f"booking {code} is for service {booking.service}, not {slot.service}")
        return booking

    async def _load(self, codes: list[str]) -> list[Booking]:
        if not codes:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for code in codes:
                pipe.hgetall(_booking_key(code))
            rows = await pipe.execute()
        return [Booking.from_hash(row) for row in rows if row]

    async def active_for(self, person: str) -> list[Booking]:
        """The person's active bookings that have not ended yet, by start."""
        now = self.clock.now()
        codes = list((await self.redis.hgetall(_person_key(person))).values())
        found = [b for b in await self._load(codes) if b.is_active and b.end > now]
        return sorted(found, key=lambda b: (b.start, b.code))

    async def day(self, center: str, day: date) -> list[Booking]:
        """A center's active bookings on a day, by start (the desks' day view)."""
        self.calendar.center(center)  # UnknownCenter
        codes = await self.redis.zrange(_day_key(center, day), 0, -1)
        found = [b for b in await self._load(codes) if b.is_active]
        return sorted(found, key=lambda b: (b.start, b.code))
