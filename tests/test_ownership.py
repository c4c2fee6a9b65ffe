"""Who may touch a booking, tried as an outsider would: a typed stranger's number, a known or
guessed booking code, an SMS from another number. Only the proven owner lists, cancels and
reschedules."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from bot.choices import ChoiceId, Pick
from bot.clock import BAKU
from bot.messages import Contact, Inbound
from bot.people import Proof
from bot.stories import StorySms

SERVICE = "02-04-10-00"
OWNER = "+994501112233"
STRANGER = "+994557654321"
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=BAKU)


@pytest.fixture
async def setup(engine, clock):
    sms = StorySms()
    engine = engine.with_clock(clock, send_sms=sms)
    slot = engine.bookings.calendar.slot_at("baki-1", SERVICE, MONDAY_10)
    booking = await engine.bookings.book(slot, phone=OWNER, request_id="owner-1", channel="sms",
                                         conversation=f"sms:{OWNER}")  # fmt: skip
    return engine, sms, booking


def says(replies) -> str:
    return "\n".join(r.text for r in replies)


async def web(engine, conversation: str, text: str, address: str = "203.0.113.9") -> str:
    inbound = Inbound(conversation_id=conversation, channel="web", text=text,
                      client_address=address)  # fmt: skip
    return says(await engine.handle(inbound))


def personal(booking) -> list[str]:
    """What must never reach anyone but the owner."""
    return [booking.code, "10:00", "23 noyabr", "1 saylı Bakı"]


async def still_active(engine, booking) -> bool:
    return (await engine.bookings.get(booking.code)).is_active


async def test_a_typed_strangers_number_only_starts_verification(setup) -> None:
    engine, sms, booking = setup
    replies = [await web(engine, "web:stranger1", "növbəmi göstər")]
    replies.append(await web(engine, "web:stranger1", "050 111 22 33"))
    assert "kod göndərdik" in replies[-1]
    assert sms.sent[-1][0] == OWNER  # the code goes to the owner's phone, not to the stranger
    replies.append(await web(engine, "web:stranger1", "123456"))
    replies.append(await web(engine, "web:stranger1", "növbəmi ləğv et"))
    replies.append(await web(engine, "web:stranger1", "bəli"))
    text = "\n".join(replies)
    assert not any(item in text for item in personal(booking))
    assert await still_active(engine, booking)


async def test_a_known_code_looks_like_a_guessed_one_and_changes_nothing(setup) -> None:
    engine, _, booking = setup
    known = await web(engine, "web:s2", f"{booking.code} kodlu növbəmi ləğv edin")
    guessed = await web(engine, "web:s3", "ZZZZ99 kodlu növbəmi ləğv edin")
    assert known == guessed
    assert booking.code not in known
    assert await web(engine, "web:s2", "bəli") == await web(engine, "web:s3", "bəli")
    assert await still_active(engine, booking)


async def test_an_sms_from_another_number_sees_and_cancels_nothing(setup) -> None:
    engine, _, booking = setup
    conversation = f"sms:{STRANGER}"
    proven = Inbound(
        conversation_id=conversation,
        channel="sms",
        contact=Contact(phone=STRANGER, proof=Proof.CARRIER, address=STRANGER),
    )
    await engine.handle(proven)  # fmt: skip
    texts = []
    for text in ("növbəmi göstər", f"{booking.code} növbəsini ləğv et", "bəli"):
        inbound = Inbound(conversation_id=conversation, channel="sms", text=text)
        texts.append(says(await engine.handle(inbound)))
    assert "aktiv növbə tapmadım" in texts[0]
    assert not any(item in "\n".join(texts) for item in personal(booking))
    assert await still_active(engine, booking)


async def test_the_verified_owner_lists_reschedules_and_cancels(setup) -> None:
    engine, sms, booking = setup
    conversation = "web:owner"
    await web(engine, conversation, "növbəmi göstər")
    await web(engine, conversation, "050 111 22 33")
    listed = await web(engine, conversation, sms.last_code())
    assert "nömrəniz təsdiqləndi" in listed and booking.code in listed

    await web(engine, conversation, "növbəmi başqa vaxta keçirmək istəyirəm")
    moved_day = await web(engine, conversation, "24.11.2026")  # a Tuesday
    assert "boş vaxtlar" in moved_day
    moved = await web(engine, conversation, "saat 11:00")
    assert "yeni vaxta keçirildi" in moved and booking.code in moved
    assert (await engine.bookings.get(booking.code)).start.hour == 11

    asked = await web(engine, conversation, "növbəmi ləğv edin")
    assert booking.code in asked
    assert "ləğv edildi" in await web(engine, conversation, "bəli")
    assert not await still_active(engine, booking)


async def book_on_the_web(engine, sms, conversation: str) -> list[str]:
    """A public-works booking in the web chat, the stranger's number proven by its SMS code:
    the answers to the time, the code and "yes"."""
    await web(engine, conversation, "ictimai işlər üçün növbə götürmək istəyirəm")
    await web(engine, conversation, "Xəzər")
    await web(engine, conversation, "23.11.2026")
    asked = await web(engine, conversation, "saat 09:00")
    await web(engine, conversation, "055 765 43 21")
    confirm = await web(engine, conversation, sms.last_code())
    return [asked, confirm, await web(engine, conversation, "bəli")]


async def test_a_web_booking_needs_a_proven_number(setup) -> None:
    engine, sms, _ = setup
    asked, confirm, booked = await book_on_the_web(engine, sms, "web:newcomer")
    assert "növbəni rəsmiləşdirmək üçün telefon nömrənizi daxil edin" in asked.lower()
    assert "Təsdiq edirsiniz" in confirm
    code = re.search(r"Növbə kodu: (\w{6})", booked).group(1)
    assert (await engine.bookings.get(code)).phone == STRANGER


async def test_holds_and_bookings_are_capped_per_number_and_address(redis_url: str) -> None:
    from bot.booking.limits import BookingLimits
    from bot.redis_conn import connect

    redis = connect(redis_url)
    limits = BookingLimits(redis, holds_per_address=5, bookings_per_number=2,
                           bookings_per_address=3)  # fmt: skip
    try:
        assert [await limits.allow_hold("1.2.3.4") for _ in range(6)] == [True] * 5 + [False]
        assert await limits.allow_hold("5.6.7.8")  # another address has its own count
        same_number = [await limits.allow_booking(OWNER, f"10.0.0.{i}") for i in range(3)]
        assert same_number == [True, True, False]
        same_address = [await limits.allow_booking(f"+99450000000{i}", "9.9.9.9")
                        for i in range(4)]  # fmt: skip
        assert same_address == [True, True, True, False]
        assert 0 < await redis.ttl("dost:cap:holds:1.2.3.4") <= 24 * 3600
    finally:
        await redis.aclose()


async def test_the_cancel_button_of_the_owners_list_cancels(setup) -> None:
    engine, sms, booking = setup
    conversation = "web:owner-buttons"
    await web(engine, conversation, "növbəmi göstər")
    await web(engine, conversation, "050 111 22 33")
    await engine.handle(Inbound(conversation_id=conversation, channel="web", text=sms.last_code()))
    cancel = str(ChoiceId(Pick.CANCEL, booking.code))
    asked = says(await engine.handle(Inbound(conversation_id=conversation, channel="web",
                                             choice=cancel)))  # fmt: skip
    assert "ləğv edək" in asked
    done = says(await engine.handle(Inbound(conversation_id=conversation, channel="web",
                                            choice=str(ChoiceId(Pick.YES)))))  # fmt: skip
    assert "ləğv edildi" in done and not await still_active(engine, booking)


async def test_a_confirmation_promises_only_reminders_that_will_go_out(setup) -> None:
    """The test engine has no reminder queue: nothing is promised."""
    engine, sms, _ = setup
    *_, booked = await book_on_the_web(engine, sms, "web:promise")
    assert "xatırlatma göndərə bilməyəcəyik" in booked and "saat əvvəl" not in booked
