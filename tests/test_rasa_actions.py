"""The Rasa action server (`dost rasa-actions`, rasa-sdk): Rasa's action-server request JSON
posted to its /webhook over HTTP; Rasa's tracker is a local fake (tests/rasa_fake.py).

rasa-sdk is the optional `rasa` extra with its own lock (requirements-rasa.lock): these tests run
in the virtualenv made from it (scripts/test.sh: .venv-rasa) and are skipped without it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("rasa_sdk")
# The requests say Rasa Open Source 3.6; rasa-sdk 3.21 warns that its minor version differs.
pytestmark = pytest.mark.filterwarnings("ignore:Your versions of rasa and rasa_sdk:UserWarning")

from bot.booking.slots import SlotCalendar  # noqa: E402
from bot.booking.store import BookingStore  # noqa: E402
from bot.catalog import t  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.flows.compiler import topics  # noqa: E402
from bot.identity import number_request  # noqa: E402
from bot.operators.desk import build_desk, waiting_text  # noqa: E402
from bot.people import Proof  # noqa: E402
from bot.redis_conn import connect  # noqa: E402
from dost.interop import resume_rasa_on_close  # noqa: E402
from interop.rasa.actions import Core, build_app  # noqa: E402
from interop.rasa.export import ACTIONS  # noqa: E402
from interop.rasa.replies import answered_topics, passport_replies  # noqa: E402
from knowledge.centers import default_centers  # noqa: E402
from knowledge.pages import default_page_knowledge  # noqa: E402
from knowledge.store import default_passports  # noqa: E402
from tests.rasa_fake import FakeRasa  # noqa: E402

SERVICE = "02-04-10-00"
SENDER = "rasa-user-7"
TOKEN = "rasa-actions-test-token"  # DOST_RASA_ACTIONS_TOKEN, as endpoints.yml gives it to Rasa
PHONE = "+994501234567"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tracker_server() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def sms() -> list[tuple[str, str]]:
    return []


@pytest.fixture(scope="module")
def module_settings(redis_server: str, tracker_server: FakeRasa) -> Settings:
    return Settings(
        REDIS_URL=redis_server, RASA_URL=tracker_server.url, DOST_OPERATOR_HOURS="always"
    )


@pytest.fixture
def settings(
    redis_url: str, module_settings: Settings, tracker_server: FakeRasa, sms: list
) -> Settings:
    """The action server's settings, on an empty Redis, with nothing sent or posted yet."""
    tracker_server.events.clear()
    sms.clear()
    return module_settings


@pytest.fixture(scope="module")
def action_server(module_settings: Settings, sms: list) -> Iterator[str]:
    """rasa-sdk's app under uvicorn in a thread, on a real port, for the whole module (its
    clock frozen on the stories' Friday)."""
    import uvicorn

    from bot.clock import FrozenClock
    from bot.stories import STORY_NOW

    async def send_sms(phone: str, text: str) -> bool:
        sms.append((phone, text))
        return True

    port = _free_port()
    app = build_app(Core(module_settings, FrozenClock(STORY_NOW), send_sms=send_sms), TOKEN)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the action server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def server(action_server: str, settings: Settings) -> str:
    """The running action server, after this test's Redis was emptied."""
    return action_server


def action_call(action: str, text: str, intent: str, slots: dict[str, Any]) -> dict[str, Any]:
    """The JSON Rasa 3 posts to an action server's /webhook."""
    user = {
        "event": "user",
        "timestamp": 1.0,
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.95}, "entities": []},
    }
    return {
        "next_action": action,
        "sender_id": SENDER,
        "version": "3.6.21",
        "domain": {"version": "3.1", "slots": {name: {"type": "text"} for name in slots}},
        "tracker": {
            "sender_id": SENDER,
            "slots": slots,
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.95},
                "entities": [],
            },
            "latest_event_time": 1.0,
            "followup_action": None,
            "paused": False,
            "events": [{"event": "action", "name": "action_listen", "timestamp": 0.5}, user],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
    }


def post(server: str, call: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{server}/webhook", params={"token": TOKEN}, json=call, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_it_serves_exactly_the_actions_the_export_declares(server: str) -> None:
    listed = httpx.get(f"{server}/actions", params={"token": TOKEN}, timeout=30).json()
    assert sorted(a["name"] for a in listed) == sorted(ACTIONS)


@pytest.mark.parametrize("topic", answered_topics())
@pytest.mark.parametrize("service", sorted(default_passports()))
def test_every_passport_topic_is_answered_as_the_assistant_does(
    server: str, service: str, topic: str
) -> None:
    intent = topics()[topic].intent
    call = action_call("action_answer_topic", t(f"topic.{topic}"), intent, {"service": service})
    result = post(server, call)
    expected = passport_replies(default_passports()[service], default_page_knowledge(), topic)
    assert [r["text"] for r in result["responses"]] == [r.shown_text for r in expected]


def test_the_answer_is_the_assistants(server: str) -> None:
    call = action_call(
        "action_answer_topic",
        "bu xidmət üçün hansı sənədlər lazımdır?",
        "ask_documents",
        {"service": SERVICE},
    )
    result = post(server, call)
    expected = passport_replies(default_passports()[SERVICE], default_page_knowledge(), "documents")
    assert [r["text"] for r in result["responses"]] == [r.shown_text for r in expected]
    assert expected[0].source_line and expected[0].source_line in result["responses"][0]["text"]
    assert result["events"] == []


def test_a_narrower_question_gets_the_narrower_topic(server: str) -> None:
    call = action_call(
        "action_answer_topic", "poçtla göndərmək olar?", "ask_procedure", {"service": SERVICE}
    )
    result = post(server, call)
    expected = passport_replies(default_passports()[SERVICE], default_page_knowledge(), "post")
    assert result["responses"][0]["text"] == expected[0].shown_text


def test_without_a_service_it_asks_which(server: str) -> None:
    result = post(
        server, action_call("action_answer_topic", "nə qədərdir?", "ask_fee", {"service": None})
    )
    assert [r["text"] for r in result["responses"]] == [t("menu.which_service")]


def test_an_unknown_action_is_rasas_404(server: str) -> None:
    response = httpx.post(
        f"{server}/webhook",
        params={"token": TOKEN},
        json=action_call("action_nope", "x", "greet", {}),
        timeout=30,
    )
    assert response.status_code == 404


@pytest.mark.parametrize("params", [{}, {"token": "guessed"}, {"token": TOKEN + "x"}])
def test_a_request_without_rasas_token_is_refused(server: str, params: dict) -> None:
    """Only Rasa, which sends endpoints.yml's token, may run actions; a health probe may look."""
    call = action_call("action_lookup_booking", "növbəm", "booking_lookup", {})
    assert httpx.post(f"{server}/webhook", params=params, json=call, timeout=30).status_code == 401
    assert httpx.get(f"{server}/actions", params=params, timeout=30).status_code == 401
    assert httpx.get(f"{server}/health", timeout=30).status_code == 200


async def test_booking_needs_a_proven_number_then_books(
    server: str, settings: Settings, sms: list, clock
) -> None:
    slots = {
        "service": SERVICE,
        "center": "baki-1",
        "date": "2026-11-23",
        "time": "10:00",
        "phone": None,
    }
    refused = post(server, action_call("action_book_slot", "növbə", "book_slot", slots))
    assert [r["text"] for r in refused["responses"]] == [number_request("rasa", "book").text]
    assert refused["events"] == []

    # Proving the number the assistant's way: a code by SMS, typed back.
    sent = post(
        server,
        action_call(
            "action_verify_phone", "050 123 45 67", "inform", {**slots, "phone": "050 123 45 67"}
        ),
    )
    assert sent["responses"][0]["text"] == t("verify.code_sent", phone=PHONE)
    [(to, text)] = sms
    assert to == PHONE
    code = "".join(c for c in text if c.isdigit())[:6]
    wrong = "000000" if code != "000000" else "111111"
    post(server, action_call("action_verify_phone", wrong, "inform", slots))
    proven = post(server, action_call("action_verify_phone", code, "inform", slots))
    assert proven["responses"][0]["text"] == t("verify.proven")

    booked = post(server, action_call("action_book_slot", "növbə", "book_slot", slots))
    [set_code] = booked["events"]
    assert set_code["event"] == "slot" and set_code["name"] == "booking_code"
    assert set_code["value"] in booked["responses"][0]["text"]
    assert booked["responses"][0]["custom"]["booking"]["start"].startswith("2026-11-23T10:00")

    redis = connect(settings.redis_url)
    try:
        calendar = SlotCalendar(default_centers(), default_passports(), clock=clock)
        stored = await BookingStore(redis, calendar).get(set_code["value"])
    finally:
        await redis.aclose()
    assert stored is not None and stored.phone == PHONE and stored.channel == "rasa"

    found = post(server, action_call("action_lookup_booking", "növbəm", "my_booking", {}))
    assert set_code["value"] in found["responses"][0]["text"]


async def test_a_stranger_sees_no_booking(server: str, settings: Settings, clock) -> None:
    from bot.people import People

    redis = connect(settings.redis_url)
    try:  # someone else's proven number owns a conversation that is not this one
        await People(redis, clock).prove(PHONE, Proof.SMS_CODE, "rasa", "rasa:someone-else")
    finally:
        await redis.aclose()
    found = post(server, action_call("action_lookup_booking", "növbəm", "my_booking", {}))
    assert [r["text"] for r in found["responses"]] == [number_request("rasa", "lookup").text]


async def test_handoff_pauses_and_the_operators_close_resumes(
    server: str, settings: Settings, clock, tracker_server: FakeRasa
) -> None:
    redis = connect(settings.redis_url)
    desk = build_desk(redis, settings, clock, None)  # the web app's desk, with its hook
    resume_rasa_on_close(desk, settings)
    try:
        ayla = await desk.accounts.add("ayla", "uzun-bir-parol-1", "operator")
        call = action_call(
            "action_request_handoff",
            "operatorla danışmaq istəyirəm",
            "human_handoff",
            {"service": SERVICE},
        )
        result = post(server, call)
        assert [e["event"] for e in result["events"]] == ["pause"]
        conversation = f"rasa:{SENDER}"
        # Where the chat stands in the queue, in the assistant's words.
        assert result["responses"][0]["text"] == waiting_text(await desk.placement(conversation))
        item = await desk.item(conversation)
        assert item is not None and item.channel == "rasa" and item.service == SERVICE
        assert tracker_server.events == {}  # nothing resumed while the operator has it

        await desk.heartbeat(ayla)
        assert (await desk.take(conversation, "ayla"))[0] == "taken"
        assert await desk.close(conversation, "ayla")
    finally:
        await redis.aclose()
    assert tracker_server.events == {SENDER: [{"event": "resume"}]}


async def test_handoff_without_operators_does_not_pause(server: str) -> None:
    call = action_call("action_request_handoff", "operator", "human_handoff", {"service": None})
    result = post(server, call)
    assert result["events"] == []
    assert "142" in result["responses"][0]["text"]  # the call center, as the assistant says
