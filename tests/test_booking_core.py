"""The booking core against a real redis-server: slots, capacity under concurrency, one booking
per person and service, idempotency, holds, cancel, reschedule, the day and person views.

Every calendar and store here reads a frozen clock (at NOW unless a test moves it), so the fixed
dates below never depend on today's date. Hold expiry is Redis's own clock on both sides.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import holidays
import pytest

from bot.booking import (
    BAKU,
    AlreadyBooked,
    BookingNotActive,
    BookingNotFound,
    BookingStore,
    InvalidSlot,
    Slot,
    SlotCalendar,
    SlotFull,
    UnknownCenter,
    UnknownService,
    new_code,
    person_key,
    slot_minutes,
)
from bot.clock import FrozenClock
from bot.redis_conn import connect
from knowledge.centers import Centers, default_centers
from knowledge.model import FieldKind, FieldState, Passport, PassportField, SourceInfo
from knowledge.store import default_passports
from nlu.entities import BOOKING_CODE_ALPHABET

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=BAKU)  # a Tuesday, before opening
DAY = date(2026, 12, 2)  # Wednesday
PHONE = "+994501234567"


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=BAKU)


def tiny_passport(pid: str, minutes: object = None, state: str = "known") -> Passport:
    fields = {}
    if minutes is not None or state != "known":
        fields["18"] = PassportField(
            number="18",
            key="operator_minutes",
            title="DOST operatoru tərəfindən xidmətin icra müddəti",
            kind=FieldKind.NUMBER,
            state=FieldState(state),
            value=minutes,
            source="test",
        )
    return Passport(id=pid, name=pid, source=SourceInfo(file="test", layout="test"), fields=fields)


def tiny_centers(desks: int = 2, **center: object) -> Centers:
    return Centers.model_validate(
        {
            "defaults": {
                "hours": {
                    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                    "open": "09:00",
                    "close": "18:00",
                    "source": "test",
                },
                "desks": {"default": desks},
            },
            "call_center": {"number": "142", "name": "142", "owner": "test", "source": "test"},
            "centers": [
                {"id": "c1", "name": "C1", "kind": "center", "city": "Bakı", "sources": ["t"]},
                {"id": "c2", "name": "C2", "kind": "center", "city": "Bakı", "sources": ["t"]}
                | center,
            ],
        }
    )


TINY_PASSPORTS = {"s15": tiny_passport("s15", 15), "s30": tiny_passport("s30", 30)}


@pytest.fixture
async def client(redis_url: str):
    redis = connect(redis_url)
    yield redis
    await redis.aclose()


def frozen(now: datetime = NOW) -> FrozenClock:
    return FrozenClock(now)


def tiny_store(
    client,
    desks: int = 2,
    hold_seconds: int = 300,
    clock: FrozenClock | None = None,
    **center: object,
) -> BookingStore:
    calendar = SlotCalendar(tiny_centers(desks, **center), TINY_PASSPORTS, clock=clock or frozen())
    return BookingStore(client, calendar, hold_seconds=hold_seconds)


def real_calendar(clock: FrozenClock | None = None) -> SlotCalendar:
    return SlotCalendar(default_centers(), default_passports(), clock=clock or frozen())


# --- the calendar ---------------------------------------------------------------------------


def test_slot_length_comes_from_field_18_or_the_default() -> None:
    passports = default_passports()
    assert slot_minutes(passports["02-04-10-00"]) == 15
    assert slot_minutes(passports["02-04-07-00"]) == 20
    assert passports["01-06-00-00"].field("operator_minutes").state == "not_published"
    assert slot_minutes(passports["01-06-00-00"]) == 15  # the settings default
    assert slot_minutes(passports["01-06-00-00"], default=25) == 25
    assert slot_minutes(tiny_passport("x")) == 15  # no field 18 at all
    assert slot_minutes(tiny_passport("x", state="unknown")) == 15
    assert slot_minutes(tiny_passport("x", 0)) == 15
    assert slot_minutes(None) == 15


def test_slots_cut_the_opening_hours_by_the_service_length() -> None:
    calendar = real_calendar()
    fifteen = calendar.slots("baki-1", "02-04-10-00", DAY)
    assert len(fifteen) == 36  # 09:00–18:00 by 15 minutes
    assert fifteen[0].start == at(DAY, 9) and fifteen[-1].start == at(DAY, 17, 45)
    assert fifteen[-1].end == at(DAY, 18)
    assert fifteen[0].start.isoformat() == "2026-12-02T09:00:00+04:00"
    assert {s.capacity for s in fifteen} == {2}
    twenty = calendar.slots("baki-1", "02-04-07-00", DAY)
    assert len(twenty) == 27 and twenty[1].start == at(DAY, 9, 20)
    assert [s.end - s.start for s in twenty[:1]] == [timedelta(minutes=20)]
    unknown = calendar.slots("baki-1", "01-06-00-00", DAY)
    assert len(unknown) == 36
    assert calendar.slots("terter", "02-04-10-00", DAY)[0].capacity == 1  # one desk

    default_25 = SlotCalendar(
        default_centers(), default_passports(), default_minutes=25, clock=frozen()
    )
    slots = default_25.slots("baki-1", "01-06-00-00", DAY)
    assert slots[1].start == at(DAY, 9, 25) and slots[-1].end <= at(DAY, 18)


def test_public_holidays_and_weekends_are_closed() -> None:
    flag_day = date(2026, 11, 9)  # a Monday
    assert "Flag" in holidays.country_holidays("AZ", years=2026)[flag_day]
    calendar = real_calendar(frozen(datetime(2026, 11, 1, 8, 0, tzinfo=BAKU)))
    assert not calendar.is_open_day("baki-1", flag_day)
    assert calendar.slots("baki-1", "02-04-10-00", flag_day) == []
    assert not calendar.is_open_day("baki-1", date(2026, 11, 10))  # Victory Day, observed
    assert not calendar.is_open_day("baki-1", date(2026, 11, 14))  # Saturday
    assert not calendar.is_open_day("baki-1", date(2026, 11, 15))  # Sunday
    assert calendar.is_open_day("baki-1", date(2026, 11, 11))
    assert calendar.open_days("baki-1", date(2026, 11, 6)) == [
        date(2026, 11, 11), date(2026, 11, 12), date(2026, 11, 13),
        date(2026, 11, 16), date(2026, 11, 17),
    ]  # fmt: skip
    assert date(2027, 1, 4) in holidays.country_holidays("AZ", years=2027)  # New Year, observed
    assert calendar.open_days("baki-1", date(2026, 12, 31), count=1) == [date(2027, 1, 5)]
    with pytest.raises(InvalidSlot) as e:
        calendar.slot_at("baki-1", "02-04-10-00", at(flag_day, 10))
    assert e.value.reason == "closed_day"


def test_closures_and_services_not_offered() -> None:
    centers = tiny_centers(closures=[DAY.isoformat()], services=["s30"])
    calendar = SlotCalendar(centers, TINY_PASSPORTS, clock=frozen())
    assert calendar.is_open_day("c1", DAY) and not calendar.is_open_day("c2", DAY)
    assert calendar.slots("c2", "s30", DAY) == []
    assert calendar.open_days("c2", DAY - timedelta(days=1), count=2) == [
        date(2026, 12, 3), date(2026, 12, 4),
    ]  # fmt: skip
    with pytest.raises(InvalidSlot) as e:
        calendar.slot_at("c2", "s30", at(DAY, 10))
    assert e.value.reason == "closed_day"
    assert calendar.slots("c2", "s15", date(2026, 12, 3)) == []  # not offered there
    with pytest.raises(InvalidSlot) as e:
        calendar.slot_at("c2", "s15", at(date(2026, 12, 3), 10))
    assert e.value.reason == "center_does_not_offer"
    with pytest.raises(UnknownCenter):
        calendar.slots("nowhere", "s15", DAY)
    with pytest.raises(UnknownService):
        calendar.slots("c1", "nothing", DAY)
    with pytest.raises(UnknownCenter):
        calendar.is_open_day("nowhere", DAY)


def test_past_slots_and_the_lead_time() -> None:
    clock = frozen(at(DAY, 17, 40))
    calendar = real_calendar(clock)
    assert calendar.slots("baki-1", "02-04-10-00", DAY) == []
    clock.set(at(DAY, 10, 7))
    slots = calendar.slots("baki-1", "02-04-10-00", DAY)
    assert slots[0].start == at(DAY, 10, 45)  # 10:37 at the earliest (30 min lead)
    for start, reason in [
        (at(DAY, 10, 30), "past"),  # within the lead time
        (at(DAY, 9, 0), "past"),
        (at(DAY + timedelta(days=1), 9, 7), "not_a_slot"),
        (at(DAY + timedelta(days=1), 8, 45), "not_a_slot"),
        (at(DAY + timedelta(days=1), 18, 0), "not_a_slot"),  # would end after closing
    ]:
        with pytest.raises(InvalidSlot) as e:
            calendar.slot_at("baki-1", "02-04-10-00", start)
        assert e.value.reason == reason, start
    assert calendar.slot_at("baki-1", "02-04-10-00", at(DAY, 10, 45)) == slots[0]
    # the same instant in UTC, or naive Baku wall-clock time, is the same slot
    utc = datetime.fromisoformat("2026-12-02T06:45:00+00:00")
    assert calendar.slot_at("baki-1", "02-04-10-00", utc) == slots[0]
    assert calendar.slot_at("baki-1", "02-04-10-00", datetime(2026, 12, 2, 10, 45)) == slots[0]
    with pytest.raises(InvalidSlot) as e:
        calendar.slot_at("baki-1", "02-04-07-00", at(DAY, 11, 15))  # 20-minute service
    assert e.value.reason == "not_a_slot"


def test_codes_are_short_unambiguous_and_mixed() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) > 1990
    for code in codes:
        assert len(code) == 6 and set(code) <= set(BOOKING_CODE_ALPHABET)
        assert any(c.isdigit() for c in code) and any(c.isalpha() for c in code)


def test_person_key() -> None:
    assert person_key("050 123 45 67", None) == f"phone:{PHONE}"
    assert person_key(PHONE, "abc1234") == f"phone:{PHONE}"
    assert person_key(None, " abc1234 ") == "fin:ABC1234"
    with pytest.raises(ValueError):
        person_key(None, None)
    with pytest.raises(ValueError):
        person_key(" ", "")


# --- the store ------------------------------------------------------------------------------


async def test_capacity_is_never_exceeded_under_concurrency(client) -> None:
    store = tiny_store(client, desks=3)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 11))
    assert slot.capacity == 3

    async def attempt(i: int):
        try:
            return await store.book(slot, phone=f"+99450{i:07d}", request_id=f"r{i}")
        except SlotFull as e:
            return e

    results = await asyncio.gather(*(attempt(i) for i in range(200)))
    booked = [r for r in results if not isinstance(r, SlotFull)]
    assert len(booked) == 3 and len({b.code for b in booked}) == 3
    assert sum(isinstance(r, SlotFull) for r in results) == 197
    assert await store.free(slot) == 0
    assert await client.scard(f"dost:{{booking}}:slot:c1:s15:{slot.epoch}:booked") == 3
    assert [b.code for b in await store.day("c1", DAY)] == sorted(b.code for b in booked)


async def test_one_active_booking_per_person_and_service(client) -> None:
    clock = frozen()
    store = tiny_store(client, clock=clock)
    s1 = store.calendar.slot_at("c1", "s15", at(DAY, 10))
    s2 = store.calendar.slot_at("c2", "s15", at(DAY, 11))
    first = await store.book(s1, phone=PHONE, request_id="a")
    with pytest.raises(AlreadyBooked) as e:
        await store.book(s2, phone="050 123 45 67", request_id="b")  # same number
    assert e.value.code == first.code
    other_service = store.calendar.slot_at("c1", "s30", at(DAY, 10))
    assert (await store.book(other_service, phone=PHONE, request_id="c")).is_active
    by_fin = await store.book(s2, fin="abc1234", request_id="d")
    with pytest.raises(AlreadyBooked):
        await store.book(s1, fin="ABC1234", request_id="e")
    assert by_fin.person == "fin:ABC1234" and by_fin.fin == "ABC1234" and by_fin.phone is None
    assert await store.free(s2) == 1  # the refused attempt took nothing

    await store.cancel(first.code)
    again = await store.book(s2, phone=PHONE, request_id="f")
    assert again.code != first.code
    # once a booking's time has passed it no longer blocks a new one
    clock.set(at(DAY, 19))
    s3 = store.calendar.slot_at("c1", "s15", at(DAY + timedelta(days=1), 9))
    assert (await store.book(s3, phone=PHONE, request_id="g")).is_active


async def test_same_request_id_makes_one_booking(client) -> None:
    store = tiny_store(client, desks=5)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 12))
    first = await store.book(slot, phone=PHONE, request_id="tap", channel="telegram")
    second = await store.book(slot, phone=PHONE, request_id="tap", channel="telegram")
    assert first == second
    retries = await asyncio.gather(
        *(store.book(slot, fin="XYZ7890", request_id="webhook-1") for _ in range(20))
    )
    assert len({b.code for b in retries}) == 1
    assert await store.free(slot) == 3
    assert len(await store.day("c1", DAY)) == 2


async def test_holds_count_toward_capacity_and_the_holder_may_use_theirs(client) -> None:
    clock = frozen()
    store = tiny_store(client, desks=2, clock=clock)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 9))
    a = await store.hold(slot, "conv-a")
    assert await store.hold(slot, "conv-a") == a  # same holder, same hold
    assert await store.free(slot) == 1
    b = await store.hold(slot, "conv-b")
    assert a != b and await store.free(slot) == 0
    with pytest.raises(SlotFull):
        await store.hold(slot, "conv-c")
    with pytest.raises(SlotFull):
        await store.book(slot, phone="+994551112233", request_id="c")
    booking = await store.book(slot, phone=PHONE, request_id="a", hold_id=a)
    assert booking.start == slot.start and await store.free(slot) == 0
    await store.release(slot, b)
    assert await store.free(slot) == 1
    [(_, free)] = [p for p in await store.availability("c1", "s15", DAY) if p[0] == slot]
    assert free == 1
    nine = store.calendar.slot_at("c1", "s15", at(DAY, 9))
    clock.set(at(DAY, 9))  # the slot has begun
    with pytest.raises(InvalidSlot):
        await store.hold(nine, "x")


async def test_holds_expire_by_themselves(client) -> None:
    store = tiny_store(client, desks=1, hold_seconds=1)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 9))
    await store.hold(slot, "conv-a")
    assert await store.free(slot) == 0
    with pytest.raises(SlotFull):
        await store.book(slot, phone=PHONE, request_id="r1")
    await asyncio.sleep(1.2)
    assert await store.free(slot) == 1
    assert (await store.book(slot, phone=PHONE, request_id="r1")).is_active
    assert await client.zcard(f"dost:{{booking}}:slot:c1:s15:{slot.epoch}:holds") == 0  # dropped


async def test_availability_lists_every_slot_with_its_free_count(client) -> None:
    store = tiny_store(client, desks=2)
    day = await store.availability("c1", "s30", DAY)
    assert len(day) == 18 and all(free == 2 for _, free in day)
    await store.book(day[3][0], phone=PHONE, request_id="r")
    await store.hold(day[3][0], "conv")
    await store.hold(day[4][0], "conv")
    frees = [free for _, free in await store.availability("c1", "s30", DAY)]
    assert frees[3] == 0 and frees[4] == 1 and frees.count(2) == 16
    assert await store.availability("c1", "s30", date(2026, 12, 5)) == []  # Saturday


async def test_invalid_requests_change_nothing(client) -> None:
    clock = frozen()
    store = tiny_store(client, clock=clock, closures=[DAY.isoformat()], services=["s30"])
    past = Slot("c1", "s15", at(DAY, 9), at(DAY, 9, 15), 2)
    cases = [
        (past, at(DAY, 12), InvalidSlot),
        (Slot("c2", "s30", at(DAY, 9), at(DAY, 9, 30), 2), NOW, InvalidSlot),  # closure
        (Slot("c2", "s15", at(DAY, 9), at(DAY, 9, 15), 2), NOW, InvalidSlot),  # not offered
        (Slot("c1", "s15", at(DAY, 9, 5), at(DAY, 9, 20), 2), NOW, InvalidSlot),
        (Slot("nowhere", "s15", at(DAY, 9), at(DAY, 9, 15), 2), NOW, UnknownCenter),
        (Slot("c1", "nothing", at(DAY, 9), at(DAY, 9, 15), 2), NOW, UnknownService),
    ]
    for slot, now, error in cases:
        clock.set(now)
        with pytest.raises(error):
            await store.book(slot, phone=PHONE, request_id="r")
        with pytest.raises(error):
            await store.hold(slot, "conv")
    clock.set(NOW)
    ok = Slot("c1", "s15", at(DAY, 9), at(DAY, 9, 15), 2)
    with pytest.raises(ValueError):
        await store.book(ok, request_id="r")  # neither phone nor FIN
    with pytest.raises(ValueError):
        await store.book(ok, phone=PHONE, request_id="")
    assert await client.dbsize() == 0
    # a forged capacity is ignored: the knowledge base decides
    forged = Slot("c1", "s15", at(DAY, 9), at(DAY, 9, 15), 99)
    await store.book(forged, phone=PHONE, request_id="r1")
    await store.book(forged, phone="+994551112233", request_id="r2")
    with pytest.raises(SlotFull):
        await store.book(forged, phone="+994701112233", request_id="r3")


async def test_get_cancel_and_cancel_twice(client) -> None:
    store = tiny_store(client, desks=1)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 14))
    booking = await store.book(
        slot, phone=PHONE, request_id="r", channel="sms", conversation="conv-1"
    )
    assert await store.get(booking.code.lower()) == booking
    assert await store.get("not a code") is None and await store.get("AAAAAA") is None
    data = booking.to_dict()
    assert data["start"] == "2026-12-02T14:00:00+04:00" and data["end"].endswith("+04:00")
    assert data["created_at"] == NOW.isoformat() and data["status"] == "active"
    assert data["person"] == f"phone:{PHONE}" and data["channel"] == "sms"

    cancelled = await store.cancel(booking.code.lower())
    assert cancelled.status == "cancelled" and cancelled.code == booking.code
    assert await store.free(slot) == 1
    assert await store.active_for(f"phone:{PHONE}") == []
    assert await store.day("c1", DAY) == []
    other = await store.book(slot, phone="+994551112233", request_id="r2")
    again = await store.cancel(booking.code)  # no second effect
    assert again.status == "cancelled"
    assert await store.free(slot) == 0 and (await store.get(other.code)).is_active
    with pytest.raises(BookingNotFound):
        await store.cancel("AAAAAA")
    with pytest.raises(BookingNotFound):
        await store.cancel("??")


async def test_reschedule_moves_atomically(client) -> None:
    store = tiny_store(client, desks=1)
    s1, s2, s3 = (store.calendar.slot_at("c1", "s15", at(DAY, h)) for h in (10, 11, 12))
    booking = await store.book(s1, phone=PHONE, request_id="r")
    moved = await store.reschedule(booking.code.lower(), s2, request_id="m1")
    assert moved.code == booking.code and moved.start == s2.start and moved.end == s2.end
    assert (await store.free(s1), await store.free(s2)) == (1, 0)
    # the same request again: the same result, no second move
    assert await store.reschedule(booking.code, s3, request_id="m1") == moved
    assert await store.free(s3) == 1

    blocker = await store.book(s3, phone="+994551112233", request_id="r2")
    with pytest.raises(SlotFull):
        await store.reschedule(booking.code, s3, request_id="m2")
    assert await store.get(booking.code) == moved  # untouched
    assert (await store.free(s2), await store.free(s3)) == (0, 0)
    assert [b.code for b in await store.day("c1", DAY)] == [booking.code, blocker.code]

    # to another center, same service; holding the new slot first is allowed
    s4 = store.calendar.slot_at("c2", "s15", at(DAY, 15))
    hold = await store.hold(s4, "conv")
    there = await store.reschedule(booking.code, s4, request_id="m3", hold_id=hold)
    assert there.center == "c2" and await store.free(s2) == 1 and await store.free(s4) == 0
    assert [b.code for b in await store.day("c2", DAY)] == [booking.code]
    assert [b.code for b in await store.active_for(f"phone:{PHONE}")] == [booking.code]

    with pytest.raises(ValueError):  # another service
        await store.reschedule(
            booking.code,
            store.calendar.slot_at("c1", "s30", at(DAY, 16)),
            request_id="x",
        )
    await store.cancel(booking.code)
    with pytest.raises(BookingNotActive):
        await store.reschedule(booking.code, s1, request_id="m4")
    assert await store.free(s1) == 1
    with pytest.raises(BookingNotFound):
        await store.reschedule("AAAAAA", s1, request_id="m5")


async def test_day_view_and_active_for(client) -> None:
    clock = frozen()
    store = BookingStore(client, real_calendar(clock))
    cal = store.calendar
    late = await store.book(
        cal.slot_at("baki-1", "02-04-10-00", at(DAY, 16, 30)),
        phone=PHONE,
        request_id="1",
    )
    early = await store.book(
        cal.slot_at("baki-1", "02-04-07-00", at(DAY, 9, 20)),
        phone=PHONE,
        request_id="2",
    )
    elsewhere = await store.book(
        cal.slot_at("baki-3", "02-04-10-00", at(DAY, 10)),
        fin="AB12CD3",
        request_id="3",
    )
    cancelled = await store.book(
        cal.slot_at("baki-1", "02-04-10-00", at(DAY, 9)),
        fin="ZZ99ZZ9",
        request_id="4",
    )
    await store.cancel(cancelled.code)
    assert [b.code for b in await store.day("baki-1", DAY)] == [early.code, late.code]
    assert [b.code for b in await store.day("baki-3", DAY)] == [elsewhere.code]
    assert await store.day("baki-1", DAY + timedelta(days=1)) == []
    with pytest.raises(UnknownCenter):
        await store.day("nowhere", DAY)
    mine = await store.active_for(f"phone:{PHONE}")
    assert [(b.code, b.service) for b in mine] == [
        (early.code, "02-04-07-00"), (late.code, "02-04-10-00"),
    ]  # fmt: skip
    clock.set(at(DAY, 12))
    assert [b.code for b in await store.active_for(f"phone:{PHONE}")] == [late.code]
    assert await store.active_for("fin:ZZ99ZZ9") == []
    assert await store.active_for("phone:+994000000000") == []


async def test_one_person_racing_themselves_gets_one_booking(client) -> None:
    store = tiny_store(client, desks=50)
    slots = store.calendar.slots("c1", "s15", DAY)[:20]
    results = await asyncio.gather(
        *(store.book(s, phone=PHONE, request_id=f"r{i}") for i, s in enumerate(slots)),
        return_exceptions=True,
    )
    booked = [r for r in results if not isinstance(r, Exception)]
    assert len(booked) == 1
    assert all(isinstance(r, AlreadyBooked) and r.code == booked[0].code for r in results[1:])
    assert len(await store.active_for(f"phone:{PHONE}")) == 1


async def test_concurrent_reschedules_into_one_place(client) -> None:
    store = tiny_store(client, desks=1)
    slots = store.calendar.slots("c1", "s15", DAY)
    target, sources = slots[0], slots[1:21]
    bookings = [
        await store.book(s, phone=f"+99450{i:07d}", request_id=f"b{i}")
        for i, s in enumerate(sources)
    ]
    results = await asyncio.gather(
        *(store.reschedule(b.code, target, request_id="m") for b in bookings),
        return_exceptions=True,
    )
    moved = [r for r in results if not isinstance(r, Exception)]
    assert len(moved) == 1 and sum(isinstance(r, SlotFull) for r in results) == 19
    assert [await store.free(s) for s in sources].count(1) == 1  # only the mover's old slot
    assert len(await store.day("c1", DAY)) == 20


async def test_keys_expire_on_their_own(client) -> None:
    store = tiny_store(client)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 10))
    booking = await store.book(slot, phone=PHONE, request_id="r")
    assert 0 < await client.ttl("dost:{booking}:request:book:r") <= 24 * 3600
    for key in (
        f"dost:{{booking}}:booking:{booking.code}",
        f"dost:{{booking}}:slot:c1:s15:{slot.epoch}:booked",
        f"dost:{{booking}}:person:phone:{PHONE}",
        f"dost:{{booking}}:day:c1:{DAY.isoformat()}",
    ):
        assert 30 * 24 * 3600 < await client.ttl(key) <= 32 * 24 * 3600, key
