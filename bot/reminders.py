"""Booking reminders as arq deferred jobs (24 h and 2 h before by default).

Each reminder has a job id made of the code, the start and the offset, so scheduling twice is
one job, and cancelling or moving removes exactly the reminders of the old time. The job checks
again when it runs: a reminder for a booking that was cancelled, moved or has already begun says
nothing.

Jobs are deferred by a duration from the injected clock's "now" (`_defer_by`), never to an
absolute time: arq measures from its own `time.time()`, and a reminder already due by the clock
is not queued at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from arq.constants import default_queue_name, job_key_prefix

from bot.booking.store import Booking, BookingStore
from bot.catalog import format_date, t
from bot.clock import SYSTEM_CLOCK, Clock
from bot.logs import get_logger
from bot.outbox import Outbox
from nlu.morphology import locative

if TYPE_CHECKING:
    from arq.connections import ArqRedis

log = get_logger("dost.reminders")
JOB = "send_booking_reminder"


def job_id(code: str, start: datetime, hours: int) -> str:
    return f"reminder:{code}:{int(start.timestamp())}:{hours}h"


class Reminders:
    def __init__(
        self, arq: ArqRedis, offsets_hours: Sequence[int], clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.arq = arq
        self.offsets = list(offsets_hours)
        self.clock = clock

    async def schedule(self, booking: Booking) -> list[str]:
        now = self.clock.now()
        scheduled = []
        for hours in self.offsets:
            delay = booking.start - timedelta(hours=hours) - now
            if delay <= timedelta(0):
                continue  # booked later than this reminder would go out
            jid = job_id(booking.code, booking.start, hours)
            await self.arq.enqueue_job(
                JOB, booking.code, booking.start.isoformat(), _job_id=jid, _defer_by=delay
            )
            scheduled.append(jid)
        return scheduled

    async def unschedule(self, code: str, start: datetime) -> None:
        ids = [job_id(code, start, hours) for hours in self.offsets]
        async with self.arq.pipeline(transaction=True) as pipe:
            pipe.zrem(default_queue_name, *ids)
            pipe.delete(*(job_key_prefix + i for i in ids))
            await pipe.execute()


class RemindingBookingStore(BookingStore):
    """The booking store that keeps reminders in step with every booking change."""

    def __init__(self, *args: Any, reminders: Reminders, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if reminders.clock != self.clock:
            raise ValueError("the reminders and the booking calendar must share one clock")
        self.reminders = reminders

    async def book(self, *args: Any, **kwargs: Any) -> Booking:
        booking = await super().book(*args, **kwargs)
        await self.reminders.schedule(booking)
        return booking

    async def cancel(self, code: str) -> Booking:
        booking = await super().cancel(code)
        await self.reminders.unschedule(booking.code, booking.start)
        return booking

    async def reschedule(self, code: str, *args: Any, **kwargs: Any) -> Booking:
        before = await self.get(code)
        moved = await super().reschedule(code, *args, **kwargs)
        if before is not None and before.start != moved.start:
            await self.reminders.unschedule(before.code, before.start)
        await self.reminders.schedule(moved)
        return moved


async def send_booking_reminder(ctx: dict, code: str, start_iso: str) -> str:
    """The arq job: remind the person of their booking, if it still stands at that time and
    has not begun (a worker that was down does not send stale reminders)."""
    store: BookingStore = ctx["bookings"]
    clock: Clock = ctx["clock"]
    booking = await store.get(code)
    if (
        booking is None
        or not booking.is_active
        or booking.start.isoformat() != start_iso
        or booking.start <= clock.now()
    ):
        log.info("reminder skipped", code=code)
        return "skipped"
    center = store.calendar.center(booking.center)
    text = t(
        "booking.reminder",
        code=booking.code,
        center_loc=locative(center.name),
        day=format_date(booking.start.date()),
        time=booking.start.strftime("%H:%M"),
    )
    conversation = booking.conversation or f"person:{booking.person}"
    await Outbox(ctx["redis"], clock).push(conversation, text, kind="booking_reminder")
    log.info("reminder queued", code=code, channel=booking.channel)
    return "sent"
