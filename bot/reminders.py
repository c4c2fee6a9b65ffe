"""Booking reminders as arq deferred jobs (24 h and 2 h before by default), sent through
Delivery (`bot.delivery`) on the person's channels.

Each reminder has a job id made of the code, the start and the offset, so scheduling twice is
one job, and cancelling or moving removes exactly the reminders of the old time. The job checks
again when it runs: a reminder for a booking that was cancelled, moved or has already begun says
nothing. Otherwise it finds who to remind (`recipient_for`) and queues a delivery keyed by the
reminder's job id, so a retried reminder job is still one message:
- a person in the registry (by the booking's phone, FIN or conversation): their routes;
- a booking made through the API with a phone number: the number is recorded as given by staff
  (`Proof.STAFF`) and gets an SMS;
- otherwise the booking's own conversation (a Telegram chat, an open web chat page, an SMS or
  WhatsApp number) and, for bookings made by SMS, WhatsApp or a phone call, an SMS to the number
  the carrier gave;
- a booking with neither a phone nor a conversation to write to gets nothing (logged).

`Reminders.promised(booking)` says which reminders will really go out (to word the confirmation).

Jobs are deferred by a duration from the injected clock's "now" (`_defer_by`), never to an
absolute time: arq measures from its own `time.time()`, and a reminder already due by the clock
is not queued at all.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from arq.constants import job_key_prefix

from bot.booking.store import Booking, BookingStore
from bot.cases import Word
from bot.catalog import format_date, t
from bot.clock import SYSTEM_CLOCK, Clock
from bot.delivery import enqueue_delivery, find_routes
from bot.jobs_keys import QUEUE, tagged, untagged
from bot.logs import get_logger
from bot.messages import Outbound
from bot.people import People, Proof, conversation_address

if TYPE_CHECKING:
    from arq.connections import ArqRedis

log = get_logger("dost.reminders")
JOB = "send_booking_reminder"
CARRIER_CHANNELS = ("sms", "whatsapp", "voice")  # the booking's number came from the carrier
PUSH_ONLY = ("web",)  # reaches the person only if a page happens to be open


def reminder_key(code: str, start: datetime, hours: int) -> str:
    """The reminder's name: its delivery's key (a reminder is delivered once)."""
    return f"reminder:{code}:{int(start.timestamp())}:{hours}h"


def job_id(code: str, start: datetime, hours: int) -> str:
    return tagged(reminder_key(code, start, hours))


@dataclass(frozen=True)
class Recipient:
    person: str | None = None  # an id in the registry
    addresses: list[tuple[str, str]] = field(default_factory=list)  # else (channel, address)


async def recipient_for(
    booking: Booking, people: People, *, record: bool = True
) -> Recipient | None:
    """Who a booking's reminders go to (see the module's docstring); None: nobody. With
    `record`, a number given through the API enters the registry as given by staff."""
    person = await people.by_phone(booking.phone) if booking.phone else None
    if person is None and booking.fin:
        person = await people.by_fin(booking.fin)
    own = conversation_address(booking.conversation) if booking.conversation else None
    if person is None and own is not None:
        person = await people.by_address(*own)
    if person is None and record and booking.channel == "api" and booking.phone:
        person = await people.prove(booking.phone, Proof.STAFF, "sms", booking.phone)
    if person is not None:
        return Recipient(person=person.id)
    addresses = [own] if own is not None else []
    if booking.phone and booking.channel in (*CARRIER_CHANNELS, "api"):
        addresses.append(("sms", booking.phone))
    return Recipient(addresses=addresses) if addresses else None


class Reminders:
    def __init__(
        self,
        arq: ArqRedis,
        offsets_hours: Sequence[int],
        clock: Clock = SYSTEM_CLOCK,
        *,
        people: People | None = None,
        channels: Collection[str] = (),
    ) -> None:
        """`people` and `channels` (those with a sender) are needed only by `promised`."""
        self.arq = arq
        self.offsets = list(offsets_hours)
        self.clock = clock
        self.people = people
        self.channels = frozenset(channels)

    async def promised(self, booking: Booking) -> list[int]:
        """The reminders (hours before the start, as configured) that will really be sent for
        `booking`: those still ahead of the clock, when the person has at least one route that
        does not depend on an open web page. Nothing is written."""
        if self.people is None:
            return []
        now = self.clock.now()
        ahead = [h for h in self.offsets if booking.start - timedelta(hours=h) > now]
        if not ahead:
            return []
        recipient = await recipient_for(booking, self.people, record=False)
        if recipient is None:
            return []
        routes = await find_routes(
            self.people, self.channels, recipient.person, recipient.addresses
        )
        return ahead if any(r.channel not in PUSH_ONLY for r in routes) else []

    async def schedule(self, booking: Booking) -> list[str]:
        now = self.clock.now()
        scheduled = []
        for hours in self.offsets:
            delay = booking.start - timedelta(hours=hours) - now
            if delay <= timedelta(0):
                continue  # booked later than this reminder would go out
            jid = job_id(booking.code, booking.start, hours)
            await self.arq.enqueue_job(
                JOB, booking.code, booking.start.isoformat(), hours, _job_id=jid, _defer_by=delay
            )
            scheduled.append(jid)
        return scheduled

    async def unschedule(self, code: str, start: datetime) -> None:
        ids = [job_id(code, start, hours) for hours in self.offsets]
        async with self.arq.pipeline(transaction=True) as pipe:
            pipe.zrem(QUEUE, *ids)
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


async def send_booking_reminder(
    ctx: dict, code: str, start_iso: str, hours: int | None = None
) -> str:
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
        center=Word(center.name),
        day=format_date(booking.start.date()),
        time=Word(booking.start.strftime("%H:%M")),
    )
    recipient = await recipient_for(booking, People(ctx["redis"], clock))
    if recipient is None:
        log.info("reminder has nobody to go to", code=code, channel=booking.channel)
        return "nobody"
    if hours is not None:
        key = reminder_key(booking.code, booking.start, hours)
    elif "job_id" in ctx:  # queued before the offset travelled with the job
        key = untagged(ctx["job_id"])
    else:
        key = f"reminder:{booking.code}:{int(booking.start.timestamp())}"
    await enqueue_delivery(
        ctx["redis"], ctx["arq"], key, Outbound(text=text),
        person=recipient.person, addresses=recipient.addresses,
    )  # fmt: skip
    log.info("reminder queued", code=code, channel=booking.channel)
    return "queued"
