"""The citizen registry and one-time codes, on a real redis-server."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from bot.clock import BAKU, FrozenClock
from bot.people import People, Proof
from bot.redis_conn import connect
from bot.verification import Checked, PhoneVerification, Started

PHONE = "+994501112233"
OTHER = "+994557654321"


@pytest.fixture
async def redis(redis_url: str):
    client = connect(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 20, 10, 0, tzinfo=BAKU))


async def test_a_proven_number_is_one_person_across_channels(redis, clock) -> None:
    people = People(redis, clock)
    by_sms = await people.prove(PHONE, Proof.CARRIER, "sms", PHONE)
    clock.advance(minutes=5)
    by_telegram = await people.prove(PHONE, Proof.TELEGRAM_CONTACT, "telegram", "42")
    assert by_sms.id == by_telegram.id
    person = await people.by_address("telegram", "42")
    assert person is not None and person.id == by_sms.id
    assert (await people.by_phone(PHONE)).last_channel == "telegram"
    assert [a.channel for a in await people.routes(person)] == ["telegram", "sms"]


async def test_an_address_moves_to_the_number_its_owner_proves(redis, clock) -> None:
    people = People(redis, clock)
    first = await people.prove(PHONE, Proof.TELEGRAM_CONTACT, "telegram", "42")
    second = await people.prove(OTHER, Proof.TELEGRAM_CONTACT, "telegram", "42")
    assert second.id != first.id
    assert (await people.by_address("telegram", "42")).id == second.id
    assert (await people.get(first.id)).address("telegram") is None


async def test_routes_skip_opted_out_and_unreachable_addresses(redis, clock) -> None:
    people = People(redis, clock)
    await people.prove(PHONE, Proof.CARRIER, "whatsapp", f"whatsapp:{PHONE}")
    person = await people.prove(PHONE, Proof.TELEGRAM_CONTACT, "telegram", "42")
    assert [a.channel for a in await people.routes(person)] == ["telegram", "whatsapp", "sms"]
    await people.mark_unreachable("telegram", "42")
    await people.opt_out("sms", PHONE)
    assert [a.channel for a in await people.routes(person)] == ["whatsapp"]
    await people.mark_reachable("telegram", "42")
    await people.opt_in("sms", PHONE)
    assert len(await people.routes(person)) == 3


class SmsOutbox:
    def __init__(self, accept: bool = True) -> None:
        self.sent: list[tuple[str, str]] = []
        self.accept = accept

    async def __call__(self, phone: str, text: str) -> bool:
        self.sent.append((phone, text))
        return self.accept

    def last_code(self) -> str:
        return next(w for w in self.sent[-1][1].replace(".", " ").split() if w.isdigit())


async def test_the_code_proves_the_number_to_its_conversation_only(redis) -> None:
    sms = SmsOutbox()
    verification = PhoneVerification(redis, sms)
    assert await verification.start("web:a", PHONE, "1.2.3.4") is Started.SENT
    code = sms.last_code()
    assert len(code) == 6
    assert (await verification.check("web:b", code)).outcome is Checked.NO_CODE
    result = await verification.check("web:a", code)
    assert result.outcome is Checked.PROVEN and result.phone == PHONE
    assert (await verification.check("web:a", code)).outcome is Checked.NO_CODE  # used up


async def test_the_code_is_stored_only_as_a_salted_hash(redis) -> None:
    sms = SmsOutbox()
    await PhoneVerification(redis, sms).start("web:a", PHONE, "1.2.3.4")
    code = sms.last_code()
    stored = await redis.hgetall("dost:verify:web:a")
    assert code not in str(stored)
    assert hashlib.sha256(code.encode()).hexdigest() not in str(stored)


async def test_five_wrong_tries_use_the_code_up(redis) -> None:
    sms = SmsOutbox()
    verification = PhoneVerification(redis, sms)
    await verification.start("web:a", PHONE, "1.2.3.4")
    code = sms.last_code()
    wrong = "000000" if code != "000000" else "111111"
    lefts = [(await verification.check("web:a", wrong)).tries_left for _ in range(4)]
    assert lefts == [4, 3, 2, 1]
    assert (await verification.check("web:a", wrong)).outcome is Checked.NO_CODE
    assert (await verification.check("web:a", code)).outcome is Checked.NO_CODE


async def test_the_code_expires_after_five_minutes(redis) -> None:
    await PhoneVerification(redis, SmsOutbox()).start("web:a", PHONE, "1.2.3.4")
    assert 290 <= await redis.ttl("dost:verify:web:a") <= 300


async def test_codes_are_rate_limited_per_number_and_per_address(redis) -> None:
    sms = SmsOutbox()
    verification = PhoneVerification(redis, sms)
    outcomes = [await verification.start(f"web:{i}", PHONE, f"10.0.0.{i}") for i in range(4)]
    assert outcomes == [Started.SENT] * 3 + [Started.RATE_LIMITED]
    outcomes = [
        await verification.start(f"web:x{i}", f"+99450{1000000 + i}", "9.9.9.9") for i in range(11)
    ]
    assert outcomes.count(Started.RATE_LIMITED) == 1 and outcomes[-1] is Started.RATE_LIMITED
    assert len(sms.sent) == 13


async def test_a_refused_sms_leaves_no_code(redis) -> None:
    verification = PhoneVerification(redis, SmsOutbox(accept=False))
    assert await verification.start("web:a", PHONE, "1.2.3.4") is Started.NOT_SENT
    assert await verification.pending_phone("web:a") is None


def test_the_code_sms_fits_one_ucs2_part() -> None:
    from bot.catalog import t

    assert len(t("verify.sms", code="123456")) <= 70
