"""Booking reminders: arq jobs that follow every booking change, run by a real arq worker."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from arq.constants import default_queue_name

from bot.booking.slots import BAKU, SlotCalendar
from bot.outbox import Outbox
from bot.redis_conn import connect
from bot.reminders import Reminders, RemindingBookingStore, job_id, send_booking_reminder
from bot.worker import arq_pool, build_worker
from knowledge.centers import default_centers
from knowledge.store import default_passports

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=BAKU)  # a Friday
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=BAKU)
SERVICE = "02-04-10-00"


@pytest.fixture
async def parts(redis_url: str):
    redis, arq = connect(redis_url), arq_pool(redis_url)
    calendar = SlotCalendar(default_centers(), default_passports())
    store = RemindingBookingStore(redis, calendar, reminders=Reminders(arq, [24, 2]))
    yield store, arq, redis
    await arq.aclose()
    await redis.aclose()


async def queued(arq) -> dict[str, datetime]:
    entries = await arq.zrange(default_queue_name, 0, -1, withscores=True)
    return {k.decode(): datetime.fromtimestamp(s / 1000, BAKU) for k, s in entries}


async def book(store, start=MONDAY_10, request_id="r-1"):
    slot = store.calendar.slot_at("baki-1", SERVICE, start, NOW)
    return await store.book(slot, phone="+994501112233", request_id=request_id,
                            conversation="web:abc", now=NOW)  # fmt: skip


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
    await store.cancel(booking.code, now=NOW)
    assert await queued(arq) == {}


async def test_reschedule_moves_reminders(parts) -> None:
    store, arq, _ = parts
    booking = await book(store)
    later = MONDAY_10 + timedelta(days=1, minutes=30)
    slot = store.calendar.slot_at("baki-1", SERVICE, later, NOW)
    await store.reschedule(booking.code, slot, request_id="r-2", now=NOW)
    assert set(await queued(arq)) == {
        job_id(booking.code, later, 24),
        job_id(booking.code, later, 2),
    }


async def test_a_due_reminder_runs_in_a_real_worker(parts, redis_url: str) -> None:
    store, arq, redis = parts
    booking = await book(store)
    # Make the 2-hour reminder due now, then let a burst worker drain the queue.
    await arq.zadd(default_queue_name, {job_id(booking.code, MONDAY_10, 2): 1})
    await arq.zrem(default_queue_name, job_id(booking.code, MONDAY_10, 24))
    worker = build_worker(redis_url, handle_signals=False, burst=True)
    await worker.async_run()
    await worker.close()
    [message] = await Outbox(redis).take("web:abc")
    assert message["kind"] == "booking_reminder"
    assert "1 saylı Bakı DOST Mərkəzində" in message["text"] and booking.code in message["text"]
    assert "23 noyabr 2026" in message["text"] and "10:00" in message["text"]


async def test_a_reminder_for_a_cancelled_booking_says_nothing(parts) -> None:
    store, _, redis = parts
    booking = await book(store)
    await store.cancel(booking.code, now=NOW)
    ctx = {"bookings": store, "redis": redis}
    assert await send_booking_reminder(ctx, booking.code, MONDAY_10.isoformat()) == "skipped"
    assert await Outbox(redis).take("web:abc") == []
