"""The back-office API: API keys, centers, slots, bookings, the day view; a chat booking in it.

The app runs on the system clock, so days here are counted from that clock's today (the process
clock, which `--clock-shift-days` moves for the app and the tests alike).
"""

from __future__ import annotations

import asyncio
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.apikeys import create_key
from bot.booking.slots import SlotCalendar
from bot.clock import SYSTEM_CLOCK
from bot.config import Settings
from bot.redis_conn import connect
from dost.app import create_app
from knowledge.centers import default_centers
from knowledge.store import default_passports

SERVICE = "02-04-10-00"


@pytest.fixture
def client(redis_url: str, nlu_cache: Path, tmp_path: Path, nlu):
    shutil.copytree(nlu_cache, tmp_path / "cache")  # the model trained once for the run
    app = create_app(Settings(REDIS_URL=redis_url, DOST_DATA_DIR=tmp_path))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def key(redis_url: str) -> str:
    async def make() -> str:
        redis = connect(redis_url)
        try:
            return await create_key(redis, "queue-screen")
        finally:
            await redis.aclose()

    return asyncio.run(make())


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def today() -> date:
    return SYSTEM_CLOCK.now().date()


def next_open_day(client: TestClient, key: str, center: str = "baki-1") -> tuple[date, list]:
    day = today()
    for _ in range(20):
        day += timedelta(days=1)
        slots = client.get("/api/v1/slots", params={"center": center, "service": SERVICE,
                           "date": day.isoformat()}, headers=auth(key)).json()  # fmt: skip
        if slots:
            return day, slots
    raise AssertionError("no open day in 20 days")


def test_everything_but_chat_needs_a_key(client: TestClient, key: str) -> None:
    assert client.get("/api/v1/centers").status_code == 401
    assert client.get("/api/v1/centers", headers=auth("dost_wrong")).status_code == 401
    assert client.get("/api/v1/centers", headers=auth(key)).status_code == 200


def test_keys_are_stored_only_as_hashes(client: TestClient, key: str, redis_url: str) -> None:
    import redis

    stored = redis.Redis.from_url(redis_url, decode_responses=True).hgetall("dost:apikeys")
    assert len(stored) == 1 and key not in str(stored)


def test_centers(client: TestClient, key: str) -> None:
    centers = {c["id"]: c for c in client.get("/api/v1/centers", headers=auth(key)).json()}
    assert centers["baki-1"]["address"] == "Qutqaşınlı küçəsi 86"
    assert centers["baki-1"]["hours"]["open"] == "09:00"


def test_booking_lifecycle(client: TestClient, key: str) -> None:
    day, slots = next_open_day(client, key)
    assert slots[0]["free"] == 2 and slots[0]["start"].endswith("+04:00")
    body = {"center": "baki-1", "service": SERVICE, "start": slots[0]["start"],
            "phone": "050 111 22 33", "request_id": "req-000001"}  # fmt: skip
    created = client.post("/api/v1/bookings", json=body, headers=auth(key))
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    assert re.fullmatch(r"[ACDEFHJKMNPRTUVWXY3479]{6}", code)

    again = client.post("/api/v1/bookings", json=body, headers=auth(key))
    assert again.status_code == 201 and again.json()["code"] == code  # same request → same booking

    later = {**body, "request_id": "req-000002", "start": slots[1]["start"]}
    second = client.post("/api/v1/bookings", json=later, headers=auth(key))
    assert second.status_code == 409 and second.json()["detail"]["reason"] == "already_booked"

    other = {**body, "phone": "055 222 33 44", "request_id": "req-000003"}
    assert client.post("/api/v1/bookings", json=other, headers=auth(key)).status_code == 201
    third = {**body, "phone": "070 333 44 55", "request_id": "req-000004"}
    full = client.post("/api/v1/bookings", json=third, headers=auth(key))
    assert full.status_code == 409 and full.json()["detail"]["reason"] == "slot_full"

    got = client.get(f"/api/v1/bookings/{code.lower()}", headers=auth(key)).json()
    assert got["status"] == "active" and got["start"] == slots[0]["start"]

    day_view = client.get("/api/v1/centers/baki-1/day", params={"date": day.isoformat()},
                          headers=auth(key)).json()  # fmt: skip
    assert {b["code"] for b in day_view} >= {code}
    assert all("111 22" not in (b["phone"] or "") for b in day_view)  # masked on desk screens

    moved = client.patch(f"/api/v1/bookings/{code}", headers=auth(key),
                         json={"start": slots[2]["start"], "request_id": "req-000005"})  # fmt: skip
    assert moved.status_code == 200 and moved.json()["start"] == slots[2]["start"]
    free_after = client.get("/api/v1/slots", headers=auth(key), params={
        "center": "baki-1", "service": SERVICE, "date": day.isoformat()}).json()  # fmt: skip
    assert free_after[0]["free"] == 1 and free_after[2]["free"] == 1

    assert client.delete(f"/api/v1/bookings/{code}", headers=auth(key)).status_code == 204
    assert client.get(f"/api/v1/bookings/{code}", headers=auth(key)).json()["status"] == "cancelled"
    assert client.delete("/api/v1/bookings/AAAAAA", headers=auth(key)).status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"start": "{last_week}T10:00:00+04:00"}, 422, "past"),
        ({"center": "nowhere"}, 404, None),
        ({"phone": None}, 422, None),
        ({"phone": "12"}, 422, None),
        ({"start": "{open_day}T10:07:00+04:00"}, 422, "not_a_slot"),
    ],
)
def test_bad_booking_requests_change_nothing(
    client: TestClient, key: str, redis_url: str, change: dict, status: int, reason: str | None
) -> None:
    import redis

    days = {
        "last_week": today() - timedelta(days=7),
        "open_day": SlotCalendar(default_centers(), default_passports()).open_days(
            "baki-1", today()
        )[0],
    }
    body = {"center": "baki-1", "service": SERVICE, "start": "{open_day}T10:00:00+04:00",
            "phone": "050 111 22 33", "request_id": "req-bad-001", **change}  # fmt: skip
    body["start"] = body["start"].format(**days)
    client_ = redis.Redis.from_url(redis_url)
    before = set(client_.keys("dost:*"))  # the job worker keeps its own arq:* keys
    response = client.post("/api/v1/bookings", json=body, headers=auth(key))
    assert response.status_code == status, response.text
    if reason:
        assert response.json()["detail"]["reason"] == reason
    assert set(client_.keys("dost:*")) == before


def test_closed_day_is_refused(client: TestClient, key: str) -> None:
    day = today() + timedelta(days=1)
    while day.weekday() != 6:  # the next Sunday
        day += timedelta(days=1)
    body = {"center": "baki-1", "service": SERVICE, "start": f"{day}T10:00:00+04:00",
            "phone": "050 111 22 33", "request_id": "req-sunday-1"}  # fmt: skip
    response = client.post("/api/v1/bookings", json=body, headers=auth(key))
    assert response.status_code == 422 and response.json()["detail"]["reason"] == "closed_day"


def test_a_web_chat_booking_shows_in_the_api(client: TestClient, key: str, tmp_path: Path) -> None:
    conversation = "chat-booking-1"

    def say(**message) -> dict:
        response = client.post("/api/v1/chat", json={"conversation_id": conversation, **message})
        assert response.status_code == 200, response.text
        return response.json()

    def first_choice(reply: dict, prefix: str) -> str:
        return next(c["id"] for r in reply["replies"] for c in r["choices"]
                    if c["id"].startswith(prefix))  # fmt: skip

    reply = say(text="özünüməşğulluq proqramı üçün növbəyə yazılmaq istəyirəm")
    reply = say(choice="bc:baki-1")
    # The last day offered: never today, whose free times depend on the time of day.
    reply = say(choice=[c["id"] for r in reply["replies"] for c in r["choices"]
                        if c["id"].startswith("bd:")][-1])  # fmt: skip
    reply = say(choice=first_choice(reply, "bt:"))
    reply = say(text="050 444 55 66")
    assert "kod göndərdik" in reply["replies"][-1]["text"]  # a typed number proves nothing
    sms = (tmp_path / "sms-demo.log").read_text(encoding="utf-8").splitlines()[-1]
    assert sms.startswith("+994504445566\t")
    reply = say(text=re.search(r"\b\d{6}\b", sms).group(0))
    assert "Təsdiq edirsiniz" in reply["replies"][-1]["text"]
    reply = say(choice="y")
    text = reply["replies"][-1]["text"]
    code = re.search(r"Növbə kodu: (\w{6})", text).group(1)

    booking = client.get(f"/api/v1/bookings/{code}", headers=auth(key)).json()
    assert booking["center"] == "baki-1" and booking["service"] == SERVICE
    day = booking["start"][:10]
    day_view = client.get("/api/v1/centers/baki-1/day", params={"date": day},
                          headers=auth(key)).json()  # fmt: skip
    assert code in {b["code"] for b in day_view}

    say(text="növbəni ləğv et")
    say(text="bəli")
    assert client.get(f"/api/v1/bookings/{code}", headers=auth(key)).json()["status"] == "cancelled"


def test_the_web_chat_proves_a_number_through_the_verify_api(client: TestClient,
                                                             tmp_path: Path) -> None:  # fmt: skip
    url = "/api/v1/chat/verify-page-1/verify"
    assert client.post(url, json={"phone": "salam"}).status_code == 422
    assert client.post(url, json={"phone": "050 444 55 66", "code": "12"}).status_code == 422
    sent = client.post(url, json={"phone": "050 444 55 66"})
    assert sent.status_code == 200 and sent.json() == {"status": "sent", "tries_left": None}
    sms = (tmp_path / "sms-demo.log").read_text(encoding="utf-8").splitlines()[-1]
    code = re.search(r"\b\d{6}\b", sms).group(0)
    wrong = "000000" if code != "000000" else "111111"
    assert client.post(url, json={"phone": "050 444 55 66", "code": wrong}).json() == {
        "status": "wrong", "tries_left": 4}  # fmt: skip
    proven = client.post(url, json={"phone": "050 444 55 66", "code": code})
    assert proven.json()["status"] == "proven"
    # The conversation now knows the number: "my bookings" answers instead of asking for it.
    reply = client.post("/api/v1/chat", json={"conversation_id": "verify-page-1",
                                              "text": "növbəmi göstər"}).json()  # fmt: skip
    assert "aktiv növbə tapmadım" in reply["replies"][-1]["text"]
    for _ in range(2):
        client.post(url, json={"phone": "050 444 55 66"})
    limited = client.post(url, json={"phone": "050 444 55 66"})
    assert limited.status_code == 429 and "Retry-After" in limited.headers
