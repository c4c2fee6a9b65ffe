"""The hand-off from Telegram, through the real app and the local Bot API emulator: consent by a
button, the place in the queue kept in one message that is edited as it changes, the operator's
typing and reply in the chat, silence while the operator holds it, close and a rating. The chat
as Telegram saw it goes to the test artifacts."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.catalog import t
from bot.config import Settings
from dost.app import create_app
from tests.telegram_emulator import BotAPIEmulator
from tests.test_telegram_webhook import SECRET, Person, keyboard_data, with_buttons

FIRST, SECOND = 700100301, 700100302
PASSWORD = "uzun-bir-parol-1"


@pytest.fixture
def emulator() -> Iterator[BotAPIEmulator]:
    with BotAPIEmulator() as running:
        yield running


@pytest.fixture
def client(redis_url: str, nlu_cache: Path, tmp_path: Path, nlu, emulator: BotAPIEmulator):
    shutil.copytree(nlu_cache, tmp_path / "cache")
    settings = Settings(
        REDIS_URL=redis_url, DOST_DATA_DIR=tmp_path, TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_API_BASE=emulator.base_url,
        DOST_INPROCESS_WORKER=False, DOST_OPERATOR_HOURS="always",
    )  # fmt: skip
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def consent(person: Person) -> dict:
    """Ask for a person and say yes by the button: the message with the place in the queue."""
    asked = with_buttons(person.say("operatorla danışmaq istəyirəm"))
    assert asked["text"] == t("live.consent")
    _, replies = person.tap(asked, "hy")
    return replies[-1]


def test_a_hand_off_from_telegram(client: TestClient, emulator: BotAPIEmulator,
                                  artifacts_dir: Path) -> None:  # fmt: skip
    first, second = Person(client, emulator, FIRST), Person(client, emulator, SECOND)
    accounts = client.app.state.desk.accounts
    client.portal.call(lambda: accounts.add("ayla", PASSWORD, "operator", capacity=1))
    first.say("özünüməşğulluq proqramı üçün hansı sənədlər lazımdır")
    waiting_first = consent(first)
    assert waiting_first["text"].startswith(t("live.queued_unknown", ahead=0)[:30])
    second.say("özünüməşğulluq proqramı nədir")  # the same service: the same queue
    waiting = consent(second)
    assert "1 nəfər" in waiting["text"]
    assert keyboard_data(waiting) == ["leaveq", "cb"]

    client.post("/operator/login", data={"username": "ayla", "password": PASSWORD})
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/operator").text)[1]
    headers = {"X-CSRF-Token": csrf}
    with client.websocket_connect("/operator/ws") as socket:
        # Ayla signs on: the first chat is offered to her, the second moves up — its waiting
        # message is edited, not sent again.
        while socket.receive_json()["type"] != "offer":
            pass
        sent_before = len(emulator.sent(SECOND))
        key = (SECOND, waiting["message_id"])
        emulator.wait_until(lambda: emulator.messages[key]["text"] != waiting["text"])
        # One operator with room for one chat, 5 minutes a chat before any was handled.
        assert emulator.messages[key]["text"] == t("live.queued_first", minutes=5)
        assert keyboard_data(emulator.messages[key]) == ["leaveq", "cb"]
        assert len(emulator.sent(SECOND)) == sent_before

        cid = f"tg:{FIRST}"
        assert client.post(f"/operator/api/conversations/{cid}/take", headers=headers).json() == {
            "taken": True
        }
        emulator.wait_until(lambda: emulator.sent(FIRST)[-1]["text"] == t("live.joined"))
        client.post(f"/operator/api/conversations/{cid}/typing", headers=headers)
        assert emulator.calls_of("sendChatAction", FIRST)

        # While Ayla holds the chat the assistant says nothing; she hears every word.
        before = len(emulator.sent(FIRST))
        for i in range(5):
            assert first.post(emulator.text_update(FIRST, f"sualım var {i}")) == 200
        heard = []
        while len(heard) < 5:
            event = socket.receive_json()
            if event["type"] == "message":
                heard.append(event["text"])
        assert heard == [f"sualım var {i}" for i in range(5)]
        emulator.wait_until(lambda: not first.channel.busy)
        assert len(emulator.sent(FIRST)) == before

        sent = client.post(f"/operator/api/conversations/{cid}/messages", headers=headers,
                           json={"text": "Salam, mən Aylayam. Sualınızı eşidirəm."})  # fmt: skip
        assert sent.json() == {"delivered": True}
        assert emulator.sent(FIRST)[-1]["text"] == "Salam, mən Aylayam. Sualınızı eşidirəm."
        client.post(f"/operator/api/conversations/{cid}/close", headers=headers)
    closing = emulator.sent(FIRST)[-1]
    assert closing["text"] == t("live.closed")
    assert keyboard_data(closing) == [f"rate:{n}" for n in range(1, 6)]
    _, thanks = first.tap(closing, "rate:5")
    assert thanks[-1]["text"] == t("live.rating_thanks")
    (artifacts_dir / "operator-telegram-chat.json").write_text(
        json.dumps([m["text"] for m in emulator.sent(FIRST)], ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
