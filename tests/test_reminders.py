"""Booking reminders: arq jobs that follow every booking change, run by a real arq worker.

One frozen clock goes to the calendar, the store, the reminders and the worker; where arq's own
`time.time()` matters (the scores it writes, the worker that picks due jobs) the process clock is
moved to the same instant with time-machine, so both sides of every comparison agree.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from arq.connections import ArqRedis

from bot import delivery
from bot.booking.slots import SlotCalendar
from bot.clock import BAKU, SYSTEM_CLOCK, FrozenClock
from bot.delivery import delivery_status
from bot.jobs_keys import OLD_QUEUE, QUEUE
from bot.jobs_redis import arq_pool
from bot.people import People, Proof
from bot.push import Push
from bot.redis_conn import connect
from bot.reminders import (
    JOB,
    Reminders,
    RemindingBookingStore,
    job_id,
    reminder_key,
    send_booking_reminder,
)
from bot.worker import build_worker
from channels.web_push import WebSender
from knowledge.centers import default_centers
from knowledge.store import default_passports
from tests.jobs import ProcessClock, run_due_jobs

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=BAKU)  # a Friday
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=BAKU)
SERVICE = "02-04-10-00"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield ProcessClock(NOW, traveller)


def reminding_store(redis, arq, clock) -> RemindingBookingStore:
    calendar = SlotCalendar(default_centers(), default_passports(), clock=clock)
    return RemindingBookingStore(redis, calendar, reminders=Reminders(arq, [24, 2], clock))


@pytest.fixture
async def parts(redis_url: str, clock: ProcessClock):
    redis, arq = connect(redis_url), arq_pool(redis_url)
    yield reminding_store(redis, arq, clock), arq, redis
    await arq.aclose()
    await redis.aclose()


async def queued(arq) -> dict[str, datetime]:
    entries = await arq.zrange(QUEUE, 0, -1, withscores=True)
    return {k.decode(): datetime.fromtimestamp(s / 1000, BAKU) for k, s in entries}


async def book(store, start=MONDAY_10, request_id="r-1"):
    slot = store.calendar.slot_at("baki-1", SERVICE, start)
    return await store.book(slot, phone="+994501112233", request_id=request_id,
                            conversation="web:abc")  # fmt: skip


async def test_booking_schedules_reminders_24h_and_2h_before(parts) -> None:
    store, arq, _ = parts
    booking = await book(store)
    assert await queued(arq) == {
        job_id(booking.code, MONDAY_10, 24): MONDAY_10 - timedelta(hours=24),
        job_id(booking.code, MONDAY_10, 2): MONDAY_10 - timedelta(hours=2),
    }
    await book(store)  # the same request again: still two jobs, not four
    assert len(await queued(arq)) == 2


async def test_cancel_removes_reminders(parts) -> None:
    store, arq, _ = parts
    booking = await book(store)
    await store.cancel(booking.code)
    assert await queued(arq) == {}


async def test_reschedule_moves_reminders(parts) -> None:
    store, arq, _ = parts
    booking = await book(store)
    later = MONDAY_10 + timedelta(days=1, minutes=30)
    slot = store.calendar.slot_at("baki-1", SERVICE, later)
    await store.reschedule(booking.code, slot, request_id="r-2")
    assert set(await queued(arq)) == {
        job_id(booking.code, later, 24),
        job_id(booking.code, later, 2),
    }


async def test_reminders_already_due_by_the_clock_are_not_queued(parts, clock) -> None:
    store, arq, _ = parts
    clock.set(MONDAY_10 - timedelta(hours=3))  # the 24-hour reminder is past, the 2-hour one not
    booking = await book(store)
    assert await queued(arq) == {job_id(booking.code, MONDAY_10, 2): MONDAY_10 - timedelta(hours=2)}
    clock.set(MONDAY_10 - timedelta(minutes=90))  # both past: nothing is queued
    await store.cancel(booking.code)
    await book(store, request_id="r-2")
    assert await queued(arq) == {}


async def test_a_clock_behind_arqs_still_queues_valid_jobs(redis_url: str) -> None:
    """arq reads the process clock; reminders are deferred by a duration from our clock, so a
    clock far behind (a test's frozen day) never makes a job that expires before it is queued."""
    clock = FrozenClock(SYSTEM_CLOCK.now() - timedelta(days=400))
    redis, arq = connect(redis_url), arq_pool(redis_url)
    try:
        store = reminding_store(redis, arq, clock)
        day = store.calendar.open_days("baki-1", clock.now().date() + timedelta(days=1))[0]
        start = datetime.combine(day, MONDAY_10.timetz())
        booking = await book(store, start=start)
        entries = dict(await arq.zrange(QUEUE, 0, -1, withscores=True))
        for hours in (24, 2):
            delay = start - timedelta(hours=hours) - clock.now()
            score = entries[job_id(booking.code, start, hours).encode()] / 1000
            assert abs(score - (time.time() + delay.total_seconds())) < 60
            ttl = await arq.pttl(f"arq:job:{job_id(booking.code, start, hours)}")
            assert ttl > delay.total_seconds() * 1000
    finally:
        await arq.aclose()
        await redis.aclose()


async def test_a_due_reminder_runs_in_a_real_worker(parts, clock, redis_url: str) -> None:
    """The reminder job queues a delivery; the delivery reaches the open web chat page of the
    conversation that booked (its only route here)."""
    store, arq, redis = parts
    booking = await book(store)
    # Make the 2-hour reminder due now, then let a burst worker drain the queue.
    await arq.zadd(QUEUE, {job_id(booking.code, MONDAY_10, 2): 1})
    await arq.zrem(QUEUE, job_id(booking.code, MONDAY_10, 24))
    worker = build_worker(redis_url, clock=clock, handle_signals=False, burst=True,
                          senders=lambda r: delivery.Senders([WebSender(Push(r))]))  # fmt: skip
    async with Push(redis).subscribe("web:abc") as page:
        await worker.async_run()
        await worker.close()
        message = await page.next(timeout=5)
    assert message is not None and message["from"] == "assistant"
    assert "1 saylı Bakı DOST Mərkəzində" in message["text"] and booking.code in message["text"]
    assert "23 noyabr 2026" in message["text"] and "10:00" in message["text"]
    status = await delivery_status(redis, reminder_key(booking.code, MONDAY_10, 2))
    assert status.status == "delivered" and status.channel == "web"
    assert [a["at"] for a in status.attempts] == [clock.now().astimezone(UTC).isoformat()]


async def test_a_reminder_for_a_cancelled_booking_says_nothing(parts, clock) -> None:
    store, arq, redis = parts
    booking = await book(store)
    await store.cancel(booking.code)
    ctx = {"bookings": store, "redis": redis, "arq": arq, "clock": clock}
    assert await send_booking_reminder(ctx, booking.code, MONDAY_10.isoformat(), 2) == "skipped"
    assert await queued(arq) == {}


async def test_a_late_reminder_for_a_booking_that_has_begun_says_nothing(parts, clock) -> None:
    store, arq, redis = parts
    booking = await book(store)
    await arq.delete(QUEUE)
    ctx = {"bookings": store, "redis": redis, "arq": arq, "clock": clock}
    clock.set(MONDAY_10 + timedelta(minutes=5))  # the worker was down until after the start
    assert await send_booking_reminder(ctx, booking.code, MONDAY_10.isoformat(), 2) == "skipped"
    clock.set(MONDAY_10 - timedelta(hours=2))
    assert await send_booking_reminder(ctx, booking.code, MONDAY_10.isoformat(), 2) == "queued"
    assert list(await queued(arq)) == [delivery.job_id(reminder_key(booking.code, MONDAY_10, 2))]
    # The reminder job retried: still one delivery.
    assert await send_booking_reminder(ctx, booking.code, MONDAY_10.isoformat(), 2) == "queued"
    assert len(await queued(arq)) == 1


async def test_promised_reminders(parts, clock) -> None:
    """What the booking confirmation may promise: reminders still ahead, when a route exists
    that does not depend on an open page."""
    store, arq, redis = parts
    people = People(redis, clock)
    reminders = Reminders(arq, [24, 2], clock, people=people, channels={"web", "sms"})
    booking = await book(store)  # a typed number in an unverified web chat: only the page
    assert await reminders.promised(booking) == []
    await people.prove("+994501112233", Proof.SMS_CODE, "web", "abc")
    assert await reminders.promised(booking) == [24, 2]
    clock.set(MONDAY_10 - timedelta(hours=3))
    assert await reminders.promised(booking) == [2]
    await people.opt_out("sms", "+994501112233")
    assert await reminders.promised(booking) == []
    await people.opt_in("sms", "+994501112233")
    assert (
        await Reminders(arq, [24, 2], clock, people=people, channels={"web"}).promised(booking)
        == []
    )  # no SMS sender configured


async def test_jobs_queued_before_the_hash_tag_move_over_and_run(parts, clock, redis_url) -> None:
    """Reminders queued by a version without the jobs' hash tag (`arq:queue`, untagged ids) are
    moved to the tagged queue when a worker starts, keeping their due times, and run."""
    store, arq, redis = parts
    calendar = store.calendar
    booking = await RemindingBookingStore(
        redis, calendar, reminders=Reminders(arq, [], clock)
    ).book(calendar.slot_at("baki-1", SERVICE, MONDAY_10), phone="+994501112233",
           request_id="old", conversation="web:abc")  # fmt: skip
    old = ArqRedis.from_url(redis_url)  # as the old version queued them
    try:
        for hours, defer in ((24, timedelta(days=1)), (2, None)):
            await old.enqueue_job(JOB, booking.code, booking.start.isoformat(), hours,
                                  _job_id=reminder_key(booking.code, MONDAY_10, hours),
                                  _defer_by=defer)  # fmt: skip
        [(_, later)] = await old.zrange(OLD_QUEUE, 1, 1, withscores=True)

        def senders(r):
            return delivery.Senders([WebSender(Push(r))])

        # A worker starts (and moves the old jobs), runs the due reminder; then its delivery.
        worker = build_worker(redis_url, clock=clock, handle_signals=False, burst=True,
                              max_burst_jobs=1, senders=senders)  # fmt: skip
        async with Push(redis).subscribe("web:abc") as page:
            await worker.async_run()
            await worker.close()
            assert await run_due_jobs(redis_url, arq, clock, senders) == 1
            message = await page.next(timeout=5)
        assert message is not None and booking.code in message["text"]
        assert await old.zcard(OLD_QUEUE) == 0 and await old.keys("arq:job:reminder:*") == []
        assert await queued(arq) == {
            job_id(booking.code, MONDAY_10, 24): datetime.fromtimestamp(later / 1000, BAKU)
        }
        status = await delivery_status(redis, reminder_key(booking.code, MONDAY_10, 2))
        assert status is not None and status.status == "delivered"
    finally:
        await old.aclose()
