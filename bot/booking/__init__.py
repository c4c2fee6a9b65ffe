"""Booking queue slots at DOST centers: the calendar (`slots`), the Redis store (`store`), the
codes citizens show at the desk (`codes`) and what can go wrong (`errors`). Channel-neutral."""

from bot.booking.codes import new_code
from bot.booking.errors import (
    AlreadyBooked,
    BookingError,
    BookingNotActive,
    BookingNotFound,
    InvalidSlot,
    SlotFull,
    UnknownCenter,
    UnknownService,
)
from bot.booking.slots import BAKU, Slot, SlotCalendar, slot_minutes
from bot.booking.store import Booking, BookingStore, person_key

__all__ = [
    "BAKU",
    "AlreadyBooked",
    "Booking",
    "BookingError",
    "BookingNotActive",
    "BookingNotFound",
    "BookingStore",
    "InvalidSlot",
    "Slot",
    "SlotCalendar",
    "SlotFull",
    "UnknownCenter",
    "UnknownService",
    "new_code",
    "person_key",
    "slot_minutes",
]
