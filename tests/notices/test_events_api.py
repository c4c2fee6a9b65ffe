"""The events API: keys, validation named field by field, the OpenAPI schema, idempotency keys,
per-key rate limits, the status of a notification."""

from __future__ import annotations

from tests.notices.kit import (
    PHONE,
    BackOffice,
    commission,
    decision,
    monitoring,
    results,
    sms_to,
    texts,
)

# --- the API -------------------------------------------------------------------------------


def test_events_need_a_key_and_a_valid_body_named_field_by_field(back: BackOffice) -> None:
    client = back.client
    headers = {"Idempotency-Key": "e-1"}
    assert client.post("/api/v1/events", json=decision(), headers=headers).status_code == 401

    def problem(body: dict) -> list:
        response = back.post(body)
        assert response.status_code == 422, response.text
        return [e["loc"][-1] for e in response.json()["detail"]]

    assert "date" in problem({k: v for k, v in commission().items() if k != "date"})
    assert "decision" in problem(decision(decision="maybe"))
    assert "place" in problem(commission(place="x" * 51))  # the SMS must fit two parts
    assert problem({**decision(), "citizen": {}}) == ["citizen"]
    assert problem(decision(phone="12")) == ["phone"]
    assert problem({**decision(), "service": "99-99"}) == ["service"]
    assert problem(decision(valid_until="2026-11-21T10:00:00")) == ["valid_until"]  # no offset
    assert back.post({"type": "birthday", "citizen": {"phone": PHONE}}).status_code == 422
    missing_key = client.post(
        "/api/v1/events", json=decision(), headers={"Authorization": f"Bearer {back.key}"}
    )
    assert missing_key.status_code == 422 and "Idempotency-Key" in missing_key.text


def test_the_schema_documents_events_and_notifications(back: BackOffice) -> None:
    schema = back.client.app.openapi()  # served only with DOST_API_DOCS=true
    post = schema["paths"]["/api/v1/events"]["post"]
    assert "202" in post["responses"] and "429" in post["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    models = schema["components"]["schemas"]
    for name in (
        "CommissionScheduled",
        "CommissionDecision",
        "MonitoringVisit",
        "ApplicationStatus",
        "Citizen",
        "NotificationOut",
        "Attempt",
    ):
        assert name in models, name
    assert "/api/v1/notifications/{notice_id}" in schema["paths"]


def test_the_same_key_twice_is_one_message(back: BackOffice, emulator, twilio) -> None:
    back.citizen_on_telegram()
    first = back.post(decision(), idempotency_key="decision-42")
    again = back.post(decision(), idempotency_key="decision-42")
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    # Spacing and key order do not make another body.
    reordered = back.client.post(
        "/api/v1/events",
        content='{"service": "02-04-10-00", "decision": "approved", '
        f'"citizen": {{"phone": "{PHONE}"}}, "type": "commission_decision"}}',
        headers={
            "Authorization": f"Bearer {back.key}",
            "Idempotency-Key": "decision-42",
            "Content-Type": "application/json",
        },
    )
    assert reordered.json() == first.json()
    other = back.post(decision(decision="rejected"), idempotency_key="decision-42")
    assert other.status_code == 422 and "different body" in other.text
    back.run()
    [notice] = first.json()["notifications"]
    [text] = texts(emulator)
    assert "təsdiqləyib" in text
    assert twilio.messages == []
    status = back.status(notice["id"])
    assert status["status"] == "delivered"
    assert results(status) == [("telegram", "delivered")]
    # Another integrator's key does not see it.
    other_key = back.new_key("someone-else").key
    response = back.client.get(
        f"/api/v1/notifications/{notice['id']}", headers={"Authorization": f"Bearer {other_key}"}
    )
    assert response.status_code == 404


def test_a_key_over_its_rate_gets_429_with_retry_after(back: BackOffice) -> None:
    limited = back.new_key("small", rate_per_minute=2).key
    codes = [back.post(monitoring(), key=limited).status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    refused = back.post(monitoring(), key=limited)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert back.post(monitoring()).status_code == 202  # other keys are counted apart


def test_a_citizen_known_only_by_a_phone_gets_an_sms(back: BackOffice, emulator, twilio) -> None:
    [notice, reminder] = back.send(commission())
    assert back.status(reminder)["kind"] == "reminder"
    assert back.status(notice)["status"] == "queued"
    back.run()
    [sms] = sms_to(twilio)
    assert sms.startswith("DOST: komissiya iclasınız 27.11.2026 saat 10:00. Yer: Yasamal")
    assert len(sms) <= 134
    assert back.status(notice)["status"] == "delivered"
    assert emulator.calls_of("sendMessage") == []
