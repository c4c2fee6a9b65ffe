"""Operators' hours (Asia/Baku, public holidays off) and accounts (argon2 hashes)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import BAKU
from bot.operators.accounts import Accounts, Role
from bot.operators.schedule import OperatorHours


def baku(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BAKU)


def test_default_hours_are_weekdays_nine_to_six() -> None:
    hours = OperatorHours.parse(None)
    assert hours.is_open(baku(2026, 11, 20, 9, 0))  # Friday
    assert not hours.is_open(baku(2026, 11, 20, 18, 0))
    assert not hours.is_open(baku(2026, 11, 21, 12, 0))  # Saturday
    assert hours.next_open(baku(2026, 11, 20, 18, 30)) == baku(2026, 11, 23, 9, 0)
    assert hours.next_open(baku(2026, 11, 20, 10, 0)) is None
    assert hours.closes_at(baku(2026, 11, 20, 10, 0)) == baku(2026, 11, 20, 18, 0)


def test_public_holidays_are_closed() -> None:
    hours = OperatorHours.parse("Mon-Fri 09:00-18:00")
    # 9 November 2026 (Monday) is National Flag Day, 10 November the observed Victory Day.
    assert not hours.is_open(baku(2026, 11, 9, 10, 0))
    assert hours.next_open(baku(2026, 11, 6, 19, 0)) == baku(2026, 11, 11, 9, 0)


def test_several_rules_and_always() -> None:
    hours = OperatorHours.parse("Mon-Fri 09:00-18:00; Sat 10:00-14:00")
    assert hours.is_open(baku(2026, 11, 21, 13, 59))
    assert not hours.is_open(baku(2026, 11, 22, 12, 0))
    always = OperatorHours.parse("always")
    assert always.is_open(baku(2026, 11, 9, 3, 0)) and always.next_open(baku(2026, 1, 1)) is None


@pytest.mark.parametrize("spec", ["Mon-Fri", "Mon-Fri 18:00-09:00", "Xyz 09:00-10:00", "09-18"])
def test_unreadable_hours_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        OperatorHours.parse(spec)


async def test_passwords_are_kept_as_argon2_hashes(redis, clock) -> None:
    accounts = Accounts(redis, clock)
    assert not await accounts.any()
    account = await accounts.add("ayla", "uzun-bir-parol-1", Role.SUPERVISOR, capacity=4)
    assert account.password_hash.startswith("$argon2id$")
    assert "uzun-bir-parol-1" not in (await redis.get("dost:{op}:account:ayla"))
    assert await accounts.any()
    assert (await accounts.verify("ayla", "uzun-bir-parol-1")).is_supervisor
    assert await accounts.verify("ayla", "uzun-bir-parol-2") is None
    assert await accounts.verify("nobody", "uzun-bir-parol-1") is None
    assert await accounts.verify("../x", "uzun-bir-parol-1") is None
    with pytest.raises(ValueError):
        await accounts.add("b", "short", Role.OPERATOR)
    with pytest.raises(ValueError):
        await accounts.add("Ayla Bad", "uzun-bir-parol-1", Role.OPERATOR)
