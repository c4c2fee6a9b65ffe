"""Test mode: an API key of kind `test` takes the whole path — validation, idempotency, the
worker's claims, retries and fallbacks, status — but nothing leaves the machine, no citizen is
recorded, and magic numbers choose the outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.people import People
from tests.notices.kit import NOW, BackOffice, decision, monitoring, results

OUTCOMES = {
    "+994500000001": ("delivered", [("telegram", "delivered")]),
    "+994500000002": ("delivered", [("telegram", "permanent"), ("sms", "delivered")]),
    "+994500000003": ("failed", [("sms", "permanent")]),
    "+994500000004": ("delivered", [("telegram", "transient"), ("telegram", "delivered")]),
    "+994551234567": ("delivered", [("telegram", "delivered")]),  # any other number
}


@pytest.mark.parametrize("phone", sorted(OUTCOMES))
def test_magic_numbers_produce_each_outcome_and_nothing_is_sent(
    back: BackOffice, emulator, twilio, phone: str
) -> None:
    test_key = back.new_key("integrator-sandbox", kind="test").key
    assert test_key.startswith("dost_test_")
    [notice] = back.send(decision(phone), key=test_key)
    back.run(until=NOW + timedelta(minutes=10))
    status = back.status(notice, key=test_key)
    expected_status, expected_attempts = OUTCOMES[phone]
    assert (status["status"], results(status)) == (expected_status, expected_attempts)
    assert emulator.calls == [] and twilio.messages == []
    people = People(back.redis)
    assert back.client.portal.call(people.by_phone, phone) is None  # no citizen recorded


def test_magic_fins_too(back: BackOffice, emulator, twilio) -> None:
    test_key = back.new_key("sandbox", kind="test").key
    body = {**monitoring(), "citizen": {"fin": "TEST002"}}
    [notice] = back.send(body, key=test_key)
    back.run()
    assert results(back.status(notice, key=test_key)) == [
        ("telegram", "permanent"),
        ("sms", "delivered"),
    ]
    assert emulator.calls == [] and twilio.messages == []
