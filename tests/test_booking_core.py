"""The booking core against a real redis-server: slots, capacity under concurrency, one booking
per person and service, idempotency, holds, cancel, reschedule, the day and person views."""

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


def tiny_store(client, desks: int = 2, hold_seconds: int = 300, **center: object) -> BookingStore:
    calendar = SlotCalendar(tiny_centers(desks, **center), TINY_PASSPORTS)
    return BookingStore(client, calendar, hold_seconds=hold_seconds)


def real_calendar() -> SlotCalendar:
    return SlotCalendar(default_centers(), default_passports())


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
    fifteen = calendar.slots("baki-1", "02-04-10-00", DAY, NOW)
    assert len(fifteen) == 36  # 09:00–18:00 by 15 minutes
    assert fifteen[0].start == at(DAY, 9) and fifteen[-1].start == at(DAY, 17, 45)
    assert fifteen[-1].end == at(DAY, 18)
    assert fifteen[0].start.isoformat() == "2026-12-02T09:00:00+04:00"
    assert {s.capacity for s in fifteen} == {2}
    twenty = calendar.slots("baki-1", "02-04-07-00", DAY, NOW)
    assert len(twenty) == 27 and twenty[1].start == at(DAY, 9, 20)
    assert [s.end - s.start for s in twenty[:1]] == [timedelta(minutes=20)]
    unknown = calendar.slots("baki-1", "01-06-00-00", DAY, NOW)
    assert len(unknown) == 36
    assert calendar.slots("terter", "02-04-10-00", DAY, NOW)[0].capacity == 1  # one desk

    default_25 = SlotCalendar(default_centers(), default_passports(), default_minutes=25)
    slots = default_25.slots("baki-1", "01-06-00-00", DAY, NOW)
    assert slots[1].start == at(DAY, 9, 25) and slots[-1].end <= at(DAY, 18)


def test_public_holidays_and_weekends_are_closed() -> None:
    flag_day = date(2026, 11, 9)  # a Monday
    assert "Flag" in holidays.country_holidays("AZ", years=2026)[flag_day]
    calendar = real_calendar()
    before = datetime(2026, 11, 1, 8, 0, tzinfo=BAKU)
    assert not calendar.is_open_day("baki-1", flag_day)
    assert calendar.slots("baki-1", "02-04-10-00", flag_day, before) == []
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
        calendar.slot_at("baki-1", "02-04-10-00", at(flag_day, 10), before)
    assert e.value.reason == "closed_day"


def test_closures_and_services_not_offered() -> None:
    centers = tiny_centers(closures=[DAY.isoformat()], services=["s30"])
    calendar = SlotCalendar(centers, TINY_PASSPORTS)
    assert calendar.is_open_day("c1", DAY) and not calendar.is_open_day("c2", DAY)
    assert calendar.slots("c2", "s30", DAY, NOW) == []
    assert calendar.open_days("c2", DAY - timedelta(days=1), count=2) == [
        date(2026, 12, 3), date(2026, 12, 4),
    ]  # fmt: skip
    with pytest.raises(InvalidSlot) as e:
        calendar.slot_at("c2", "s30", at(DAY, 10), NOW)
    assert e.value.reason == "closed_day"
    assert calendar.slots("c2", "s15", date(2026, 12, 3), NOW) == []  # not offered there
    with pytest.raises(InvalidSlot) as e:
        calendar.slot_at("c2", "s15", at(date(2026, 12, 3), 10), NOW)
    assert e.value.reason == "center_does_not_offer"
    with pytest.raises(UnknownCenter):
        calendar.slots("nowhere", "s15", DAY, NOW)
    with pytest.raises(UnknownService):
        calendar.slots("c1", "nothing", DAY, NOW)
    with pytest.raises(UnknownCenter):
        calendar.is_open_day("nowhere", DAY)


def test_past_slots_and_the_lead_time() -> None:
    calendar = real_calendar()
    now = at(DAY, 10, 7)
    slots = calendar.slots("baki-1", "02-04-10-00", DAY, now)
    assert slots[0].start == at(DAY, 10, 45)  # 10:37 at the earliest (30 min lead)
    assert calendar.slots("baki-1", "02-04-10-00", DAY, at(DAY, 17, 40)) == []
    for start, reason in [
        (at(DAY, 10, 30), "past"),  # within the lead time
        (at(DAY, 9, 0), "past"),
        (at(DAY + timedelta(days=1), 9, 7), "not_a_slot"),
        (at(DAY + timedelta(days=1), 8, 45), "not_a_slot"),
        (at(DAY + timedelta(days=1), 18, 0), "not_a_slot"),  # would end after closing
    ]:
        with pytest.raises(InvalidSlot) as e:
            calendar.slot_at("baki-1", "02-04-10-00", start, now)
        assert e.value.reason == reason, start
    assert calendar.slot_at("baki-1", "02-04-10-00", at(DAY, 10, 45), now) == slots[0]
    # the same instant in UTC, or naive Baku wall-clock time, is the same slot
    utc = datetime.fromisoformat("2026-12-02T06:45:00+00:00")
    assert calendar.slot_at("baki-1", "02-04-10-00", utc, now) == slots[0]
    assert calendar.slot_at("baki-1", "02-04-10-00", datetime(2026, 12, 2, 10, 45), now) == slots[0]
    with pytest.raises(InvalidSlot) as e:
        calendar.slot_at("baki-1", "02-04-07-00", at(DAY, 11, 15), now)  # 20-minute service
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
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 11), NOW)
    assert slot.capacity == 3

    async def attempt(i: int):
        try:
            return await store.book(slot, phone=f"+99450{i:07d}", request_id=f"r{i}", now=NOW)
        except SlotFull as e:
            return e

    results = await asyncio.gather(*(attempt(i) for i in range(200)))
    booked = [r for r in results if not isinstance(r, SlotFull)]
    assert len(booked) == 3 and len({b.code for b in booked}) == 3
    assert sum(isinstance(r, SlotFull) for r in results) == 197
    assert await store.free(slot) == 0
    assert await client.scard(f"dost:slot:c1:s15:{slot.epoch}:booked") == 3
    assert [b.code for b in await store.day("c1", DAY)] == sorted(b.code for b in booked)


async def test_one_active_booking_per_person_and_service(client) -> None:
    store = tiny_store(client)
    s1 = store.calendar.slot_at("c1", "s15", at(DAY, 10), NOW)
    s2 = store.calendar.slot_at("c2", "s15", at(DAY, 11), NOW)
    first = await store.book(s1, phone=PHONE, request_id="a", now=NOW)
    with pytest.raises(AlreadyBooked) as e:
        await store.book(s2, phone="050 123 45 67", request_id="b", now=NOW)  # same number
    assert e.value.code == first.code
    other_service = store.calendar.slot_at("c1", "s30", at(DAY, 10), NOW)
    assert (await store.book(other_service, phone=PHONE, request_id="c", now=NOW)).is_active
    by_fin = await store.book(s2, fin="abc1234", request_id="d", now=NOW)
    with pytest.raises(AlreadyBooked):
        await store.book(s1, fin="ABC1234", request_id="e", now=NOW)
    assert by_fin.person == "fin:ABC1234" and by_fin.fin == "ABC1234" and by_fin.phone is None
    assert await store.free(s2) == 1  # the refused attempt took nothing

    await store.cancel(first.code, now=NOW)
    again = await store.book(s2, phone=PHONE, request_id="f", now=NOW)
    assert again.code != first.code
    # once a booking's time has passed it no longer blocks a new one
    later = at(DAY, 19)
    s3 = store.calendar.slot_at("c1", "s15", at(DAY + timedelta(days=1), 9), later)
    assert (await store.book(s3, phone=PHONE, request_id="g", now=later)).is_active


async def test_same_request_id_makes_one_booking(client) -> None:
    store = tiny_store(client, desks=5)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 12), NOW)
    first = await store.book(slot, phone=PHONE, request_id="tap", channel="telegram", now=NOW)
    second = await store.book(slot, phone=PHONE, request_id="tap", channel="telegram", now=NOW)
    assert first == second
    retries = await asyncio.gather(
        *(store.book(slot, fin="XYZ7890", request_id="webhook-1", now=NOW) for _ in range(20))
    )
    assert len({b.code for b in retries}) == 1
    assert await store.free(slot) == 3
    assert len(await store.day("c1", DAY)) == 2


async def test_holds_count_toward_capacity_and_the_holder_may_use_theirs(client) -> None:
    store = tiny_store(client, desks=2)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 9), NOW)
    a = await store.hold(slot, "conv-a", now=NOW)
    assert await store.hold(slot, "conv-a", now=NOW) == a  # same holder, same hold
    assert await store.free(slot) == 1
    b = await store.hold(slot, "conv-b", now=NOW)
    assert a != b and await store.free(slot) == 0
    with pytest.raises(SlotFull):
        await store.hold(slot, "conv-c", now=NOW)
    with pytest.raises(SlotFull):
        await store.book(slot, phone="+994551112233", request_id="c", now=NOW)
    booking = await store.book(slot, phone=PHONE, request_id="a", hold_id=a, now=NOW)
    assert booking.start == slot.start and await store.free(slot) == 0
    await store.release(slot, b)
    assert await store.free(slot) == 1
    [(_, free)] = [p for p in await store.availability("c1", "s15", DAY, NOW) if p[0] == slot]
    assert free == 1
    with pytest.raises(InvalidSlot):
        await store.hold(store.calendar.slot_at("c1", "s15", at(DAY, 9), NOW), "x", now=at(DAY, 9))


async def test_holds_expire_by_themselves(client) -> None:
    store = tiny_store(client, desks=1, hold_seconds=1)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 9), NOW)
    await store.hold(slot, "conv-a", now=NOW)
    assert await store.free(slot) == 0
    with pytest.raises(SlotFull):
        await store.book(slot, phone=PHONE, request_id="r1", now=NOW)
    await asyncio.sleep(1.2)
    assert await store.free(slot) == 1
    assert (await store.book(slot, phone=PHONE, request_id="r1", now=NOW)).is_active
    assert await client.zcard(f"dost:slot:c1:s15:{slot.epoch}:holds") == 0  # dropped


async def test_availability_lists_every_slot_with_its_free_count(client) -> None:
    store = tiny_store(client, desks=2)
    day = await store.availability("c1", "s30", DAY, NOW)
    assert len(day) == 18 and all(free == 2 for _, free in day)
    await store.book(day[3][0], phone=PHONE, request_id="r", now=NOW)
    await store.hold(day[3][0], "conv", now=NOW)
    await store.hold(day[4][0], "conv", now=NOW)
    frees = [free for _, free in await store.availability("c1", "s30", DAY, NOW)]
    assert frees[3] == 0 and frees[4] == 1 and frees.count(2) == 16
    assert await store.availability("c1", "s30", date(2026, 12, 5), NOW) == []  # Saturday


async def test_invalid_requests_change_nothing(client) -> None:
    store = tiny_store(client, closures=[DAY.isoformat()], services=["s30"])
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
        with pytest.raises(error):
            await store.book(slot, phone=PHONE, request_id="r", now=now)
        with pytest.raises(error):
            await store.hold(slot, "conv", now=now)
    ok = Slot("c1", "s15", at(DAY, 9), at(DAY, 9, 15), 2)
    with pytest.raises(ValueError):
        await store.book(ok, request_id="r", now=NOW)  # neither phone nor FIN
    with pytest.raises(ValueError):
        await store.book(ok, phone=PHONE, request_id="", now=NOW)
    assert await client.dbsize() == 0
    # a forged capacity is ignored: the knowledge base decides
    forged = Slot("c1", "s15", at(DAY, 9), at(DAY, 9, 15), 99)
    await store.book(forged, phone=PHONE, request_id="r1", now=NOW)
    await store.book(forged, phone="+994551112233", request_id="r2", now=NOW)
    with pytest.raises(SlotFull):
        await store.book(forged, phone="+994701112233", request_id="r3", now=NOW)


async def test_get_cancel_and_cancel_twice(client) -> None:
    store = tiny_store(client, desks=1)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 14), NOW)
    booking = await store.book(
        slot, phone=PHONE, request_id="r", channel="sms", conversation="conv-1", now=NOW
    )
    assert await store.get(booking.code.lower()) == booking
    assert await store.get("not a code") is None and await store.get("AAAAAA") is None
    data = booking.to_dict()
    assert data["start"] == "2026-12-02T14:00:00+04:00" and data["end"].endswith("+04:00")
    assert data["created_at"] == NOW.isoformat() and data["status"] == "active"
    assert data["person"] == f"phone:{PHONE}" and data["channel"] == "sms"

    cancelled = await store.cancel(booking.code.lower(), now=NOW)
    assert cancelled.status == "cancelled" and cancelled.code == booking.code
    assert await store.free(slot) == 1
    assert await store.active_for(f"phone:{PHONE}", now=NOW) == []
    assert await store.day("c1", DAY) == []
    other = await store.book(slot, phone="+994551112233", request_id="r2", now=NOW)
    again = await store.cancel(booking.code, now=NOW)  # no second effect
    assert again.status == "cancelled"
    assert await store.free(slot) == 0 and (await store.get(other.code)).is_active
    with pytest.raises(BookingNotFound):
        await store.cancel("AAAAAA")
    with pytest.raises(BookingNotFound):
        await store.cancel("??")


async def test_reschedule_moves_atomically(client) -> None:
    store = tiny_store(client, desks=1)
    s1, s2, s3 = (store.calendar.slot_at("c1", "s15", at(DAY, h), NOW) for h in (10, 11, 12))
    booking = await store.book(s1, phone=PHONE, request_id="r", now=NOW)
    moved = await store.reschedule(booking.code.lower(), s2, request_id="m1", now=NOW)
    assert moved.code == booking.code and moved.start == s2.start and moved.end == s2.end
    assert (await store.free(s1), await store.free(s2)) == (1, 0)
    # the same request again: the same result, no second move
    assert await store.reschedule(booking.code, s3, request_id="m1", now=NOW) == moved
    assert await store.free(s3) == 1

    blocker = await store.book(s3, phone="+994551112233", request_id="r2", now=NOW)
    with pytest.raises(SlotFull):
        await store.reschedule(booking.code, s3, request_id="m2", now=NOW)
    assert await store.get(booking.code) == moved  # untouched
    assert (await store.free(s2), await store.free(s3)) == (0, 0)
    assert [b.code for b in await store.day("c1", DAY)] == [booking.code, blocker.code]

    # to another center, same service; holding the new slot first is allowed
    s4 = store.calendar.slot_at("c2", "s15", at(DAY, 15), NOW)
    hold = await store.hold(s4, "conv", now=NOW)
    there = await store.reschedule(booking.code, s4, request_id="m3", hold_id=hold, now=NOW)
    assert there.center == "c2" and await store.free(s2) == 1 and await store.free(s4) == 0
    assert [b.code for b in await store.day("c2", DAY)] == [booking.code]
    assert [b.code for b in await store.active_for(f"phone:{PHONE}", now=NOW)] == [booking.code]

    with pytest.raises(ValueError):  # another service
        await store.reschedule(
            booking.code,
            store.calendar.slot_at("c1", "s30", at(DAY, 16), NOW),
            request_id="x",
            now=NOW,
        )
    await store.cancel(booking.code)
    with pytest.raises(BookingNotActive):
        await store.reschedule(booking.code, s1, request_id="m4", now=NOW)
    assert await store.free(s1) == 1
    with pytest.raises(BookingNotFound):
        await store.reschedule("AAAAAA", s1, request_id="m5", now=NOW)


async def test_day_view_and_active_for(client) -> None:
    store = BookingStore(client, real_calendar())
    cal = store.calendar
    late = await store.book(
        cal.slot_at("baki-1", "02-04-10-00", at(DAY, 16, 30), NOW),
        phone=PHONE,
        request_id="1",
        now=NOW,
    )
    early = await store.book(
        cal.slot_at("baki-1", "02-04-07-00", at(DAY, 9, 20), NOW),
        phone=PHONE,
        request_id="2",
        now=NOW,
    )
    elsewhere = await store.book(
        cal.slot_at("baki-3", "02-04-10-00", at(DAY, 10), NOW),
        fin="AB12CD3",
        request_id="3",
        now=NOW,
    )
    cancelled = await store.book(
        cal.slot_at("baki-1", "02-04-10-00", at(DAY, 9), NOW),
        fin="ZZ99ZZ9",
        request_id="4",
        now=NOW,
    )
    await store.cancel(cancelled.code)
    assert [b.code for b in await store.day("baki-1", DAY)] == [early.code, late.code]
    assert [b.code for b in await store.day("baki-3", DAY)] == [elsewhere.code]
    assert await store.day("baki-1", DAY + timedelta(days=1)) == []
    with pytest.raises(UnknownCenter):
        await store.day("nowhere", DAY)
    mine = await store.active_for(f"phone:{PHONE}", now=NOW)
    assert [(b.code, b.service) for b in mine] == [
        (early.code, "02-04-07-00"), (late.code, "02-04-10-00"),
    ]  # fmt: skip
    assert [b.code for b in await store.active_for(f"phone:{PHONE}", now=at(DAY, 12))] == [
        late.code
    ]
    assert await store.active_for("fin:ZZ99ZZ9", now=NOW) == []
    assert await store.active_for("phone:+994000000000", now=NOW) == []


async def test_one_person_racing_themselves_gets_one_booking(client) -> None:
    store = tiny_store(client, desks=50)
    slots = store.calendar.slots("c1", "s15", DAY, NOW)[:20]
    results = await asyncio.gather(
        *(store.book(s, phone=PHONE, request_id=f"r{i}", now=NOW) for i, s in enumerate(slots)),
        return_exceptions=True,
    )
    booked = [r for r in results if not isinstance(r, Exception)]
    assert len(booked) == 1
    assert all(isinstance(r, AlreadyBooked) and r.code == booked[0].code for r in results[1:])
    assert len(await store.active_for(f"phone:{PHONE}", now=NOW)) == 1


async def test_concurrent_reschedules_into_one_place(client) -> None:
    store = tiny_store(client, desks=1)
    slots = store.calendar.slots("c1", "s15", DAY, NOW)
    target, sources = slots[0], slots[1:21]
    bookings = [
        await store.book(s, phone=f"+99450{i:07d}", request_id=f"b{i}", now=NOW)
        for i, s in enumerate(sources)
    ]
    results = await asyncio.gather(
        *(store.reschedule(b.code, target, request_id="m", now=NOW) for b in bookings),
        return_exceptions=True,
    )
    moved = [r for r in results if not isinstance(r, Exception)]
    assert len(moved) == 1 and sum(isinstance(r, SlotFull) for r in results) == 19
    assert [await store.free(s) for s in sources].count(1) == 1  # only the mover's old slot
    assert len(await store.day("c1", DAY)) == 20


async def test_keys_expire_on_their_own(client) -> None:
    store = tiny_store(client)
    slot = store.calendar.slot_at("c1", "s15", at(DAY, 10), NOW)
    booking = await store.book(slot, phone=PHONE, request_id="r", now=NOW)
    assert 0 < await client.ttl("dost:request:book:r") <= 24 * 3600
    for key in (
        f"dost:booking:{booking.code}",
        f"dost:slot:c1:s15:{slot.epoch}:booked",
        f"dost:person:phone:{PHONE}",
        f"dost:day:c1:{DAY.isoformat()}",
    ):
        assert 30 * 24 * 3600 < await client.ttl(key) <= 32 * 24 * 3600, key
