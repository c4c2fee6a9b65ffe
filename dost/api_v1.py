"""The back-office API under /api/v1 (DESIGN.md): centers, slots, bookings. API key required.

For DOST's own queue screens and integrations; the chat channels book through the engine.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import phonenumbers
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from bot.booking.errors import (
    AlreadyBooked,
    BookingNotFound,
    InvalidSlot,
    SlotFull,
    UnknownCenter,
    UnknownService,
)
from bot.booking.slots import BAKU
from bot.privacy import mask_pii
from dost.auth import require_api_key

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_api_key)], tags=["back office"])


# Bookings are for the years around now: a year 1 or 9999 overflows on the way to Baku's time.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _sane_year(value: date) -> date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"the year must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("start needs a UTC offset, e.g. 2026-11-23T10:00:00+04:00")
    return _sane_year(value)


BookingTime = Annotated[datetime, AfterValidator(_aware)]
BookingDate = Annotated[date, AfterValidator(_sane_year)]


class Hours(BaseModel):
    weekdays: list[str]
    open: str
    close: str
    source: str


class CenterOut(BaseModel):
    id: str
    name: str
    kind: str
    parent: str | None
    city: str
    district: str | None
    address: str | None
    hours: Hours
    services: str | list[str]
    sources: list[str]


class SlotOut(BaseModel):
    start: datetime
    free: int


class BookingIn(BaseModel):
    center: str
    service: str
    start: BookingTime = Field(description="ISO 8601 with offset, a slot boundary from /slots")
    phone: str | None = None
    fin: str | None = Field(default=None, pattern=r"^[0-9A-HJ-NP-Za-hj-np-z]{7}$")
    request_id: str = Field(min_length=8, max_length=100, description="the same id → one booking")

    @field_validator("phone")
    @classmethod
    def e164(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            number = phonenumbers.parse(value, "AZ")
        except phonenumbers.NumberParseException as exc:
            raise ValueError("not a phone number") from exc
        if not phonenumbers.is_valid_number(number):
            raise ValueError("not a valid phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    @field_validator("fin")
    @classmethod
    def upper_fin(cls, value: str | None) -> str | None:
        return value.upper() if value else None  # a FIN is ASCII: plain upper() is right

    @model_validator(mode="after")
    def someone(self) -> BookingIn:
        if not self.phone and not self.fin:
            raise ValueError("phone or fin is required")
        return self


class RescheduleIn(BaseModel):
    start: BookingTime
    request_id: str = Field(min_length=8, max_length=100)


class BookingOut(BaseModel):
    code: str
    center: str
    service: str
    start: datetime
    end: datetime
    status: str


class DayEntry(BookingOut):
    phone: str | None  # masked: a day view is shown on screens at the center
    fin: str | None


def _booking(b: Any) -> BookingOut:
    return BookingOut(code=b.code, center=b.center, service=b.service, start=b.start, end=b.end,
                      status=b.status)  # fmt: skip


def _store(request: Request) -> Any:
    return request.app.state.bookings


def _problem(status_code: int, detail: str, **extra: Any) -> HTTPException:
    return HTTPException(status_code, {"detail": detail, **extra} if extra else detail)


@router.get("/centers", response_model=list[CenterOut])
async def centers(request: Request) -> list[CenterOut]:
    data = request.app.state.centers
    out = []
    for c in data.centers:
        h = data.hours(c)
        out.append(CenterOut(
            id=c.id, name=c.name, kind=c.kind, parent=c.parent, city=c.city, district=c.district,
            address=c.address, services=c.services, sources=c.sources,
            hours=Hours(weekdays=list(h.weekdays), open=h.open.strftime("%H:%M"),
                        close=h.close.strftime("%H:%M"), source=h.source),
        ))  # fmt: skip
    return out


@router.get("/slots", response_model=list[SlotOut])
async def slots(
    request: Request,
    center: Annotated[str, Query()],
    service: Annotated[str, Query()],
    date_: Annotated[BookingDate, Query(alias="date")],
) -> list[SlotOut]:
    try:
        free = await _store(request).availability(center, service, date_)
    except (UnknownCenter, UnknownService) as exc:
        raise _problem(404, str(exc)) from None
    return [SlotOut(start=slot.start, free=n) for slot, n in free]


@router.post("/bookings", status_code=201, response_model=BookingOut)
async def book(request: Request, body: BookingIn) -> BookingOut:
    store = _store(request)
    try:
        slot = store.calendar.slot_at(body.center, body.service, body.start.astimezone(BAKU))
        booking = await store.book(slot, phone=body.phone, fin=body.fin,
                                   request_id=body.request_id, channel="api")  # fmt: skip
    except (UnknownCenter, UnknownService) as exc:
        raise _problem(404, str(exc)) from None
    except InvalidSlot as exc:
        raise _problem(422, f"not bookable: {exc.reason}", reason=exc.reason) from None
    except SlotFull:
        raise _problem(409, "the slot is full", reason="slot_full") from None
    except AlreadyBooked as exc:
        raise _problem(409, "this person already holds an active booking for this service",
                       reason="already_booked", code=exc.code) from None  # fmt: skip
    return _booking(booking)


@router.get("/bookings/{code}", response_model=BookingOut)
async def get_booking(request: Request, code: str) -> BookingOut:
    booking = await _store(request).get(code)
    if booking is None:
        raise _problem(404, "no such booking")
    return _booking(booking)


@router.delete("/bookings/{code}", status_code=204)
async def cancel_booking(request: Request, code: str) -> Response:
    try:
        await _store(request).cancel(code)
    except BookingNotFound:
        raise _problem(404, "no such booking") from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/bookings/{code}", response_model=BookingOut)
async def reschedule_booking(request: Request, code: str, body: RescheduleIn) -> BookingOut:
    """Move a booking to another slot: the old slot is freed only if the new one is taken."""
    store = _store(request)
    booking = await store.get(code)
    if booking is None or booking.status != "active":
        raise _problem(404, "no such active booking")
    try:
        slot = store.calendar.slot_at(booking.center, booking.service, body.start.astimezone(BAKU))
        moved = await store.reschedule(code, slot, request_id=body.request_id)
    except InvalidSlot as exc:
        raise _problem(422, f"not bookable: {exc.reason}", reason=exc.reason) from None
    except SlotFull:
        raise _problem(409, "the slot is full", reason="slot_full") from None
    return _booking(moved)


@router.get("/centers/{center}/day", response_model=list[DayEntry])
async def day_view(
    request: Request, center: str, date_: Annotated[BookingDate, Query(alias="date")]
) -> list[DayEntry]:
    """The desks' view of one day: active bookings by time, personal data masked."""
    if request.app.state.centers.get(center) is None:
        raise _problem(404, f"unknown center {center!r}")
    bookings = await _store(request).day(center, date_)
    return [
        DayEntry(
            **_booking(b).model_dump(),
            phone=mask_pii(b.phone) if b.phone else None,
            fin="*******" if b.fin else None,
        )
        for b in bookings
    ]
