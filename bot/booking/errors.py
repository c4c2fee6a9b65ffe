"""What can go wrong when booking. Every error carries the fact a caller needs to answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.booking.slots import Slot


class BookingError(Exception):
    """Base of every booking error."""


class UnknownCenter(BookingError):
    def __init__(self, center: str) -> None:
        super().__init__(f"unknown center: {center!r}")
        self.center = center


class UnknownService(BookingError):
    def __init__(self, service: str) -> None:
        super().__init__(f"unknown service: {service!r}")
        self.service = service


class InvalidSlot(BookingError):
    """The start is not bookable; `reason` is one of `REASONS` ("past" includes the lead time)."""

    REASONS = frozenset({"past", "closed_day", "not_a_slot", "center_does_not_offer"})

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown InvalidSlot reason: {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class SlotFull(BookingError):
    def __init__(self, slot: Slot) -> None:
        super().__init__(f"slot full: {slot.center} {slot.service} {slot.start.isoformat()}")
        self.slot = slot


class AlreadyBooked(BookingError):
    """The person already holds an active booking for this service (`code`)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"already booked: {code}")
        self.code = code


class BookingNotFound(BookingError):
    def __init__(self, code: str) -> None:
        super().__init__(f"no booking {code!r}")
        self.code = code


class BookingNotActive(BookingError):
    """The booking exists but was cancelled, so it cannot be moved."""

    def __init__(self, code: str, status: str) -> None:
        super().__init__(f"booking {code} is {status}")
        self.code = code
        self.status = status
