"""The Telegram channel through the real app: POST /webhooks/telegram → the engine → the Bot API
(the local emulator). A whole conversation with booking and contact sharing; the secret token;
replays; bad bodies; the channel off without a token."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog.testing
from fastapi.testclient import TestClient

from bot.config import Settings
from dost.app import create_app
from tests.telegram_emulator import BotAPIEmulator

SECRET = "s3cret-Token_for-tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
CHAT = 700100200
PHONE = "994501234567"


@pytest.fixture
def emulator() -> Iterator[BotAPIEmulator]:
    with BotAPIEmulator() as running:
        yield running


@pytest.fixture
def client(redis_url: str, nlu_cache: Path, tmp_path: Path, nlu, emulator: BotAPIEmulator, clock):
    shutil.copytree(nlu_cache, tmp_path / "cache")  # the model trained once for the run
    settings = Settings(
        REDIS_URL=redis_url,
        DOST_DATA_DIR=tmp_path,
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE=emulator.base_url,
        DOST_INPROCESS_WORKER=False,
    )
    # A frozen Friday morning: the day's free times never depend on the hour the test runs at.
    with TestClient(create_app(settings, clock)) as test_client:
        yield test_client


class Person:
    """Someone writing to the bot: each action posts the update Telegram would send and returns
    the bot's new messages once the update is handled."""

    def __init__(self, client: TestClient, emulator: BotAPIEmulator, chat: int = CHAT) -> None:
        self.client, self.emulator, self.chat = client, emulator, chat
        self.channel = client.app.state.telegram

    def post(self, update: dict, secret: str | None = SECRET) -> int:
        headers = {HEADER: secret} if secret is not None else {}
        return self.client.post("/webhooks/telegram", json=update, headers=headers).status_code

    def _send(self, update: dict) -> list[dict]:
        before = len(self.emulator.sent(self.chat))
        assert self.post(update) == 200
        self.emulator.wait_until(
            lambda: not self.channel.busy and len(self.emulator.sent(self.chat)) > before
        )
        return self.emulator.sent(self.chat)[before:]

    def say(self, text: str) -> list[dict]:
        return self._send(self.emulator.text_update(self.chat, text))

    def share_contact(self, phone: str = PHONE, user_id: int | None = None) -> list[dict]:
        return self._send(self.emulator.contact_update(self.chat, phone, user_id=user_id))

    def tap(self, message: dict, data_prefix: str) -> tuple[str, list[dict]]:
        """Tap the first button whose callback_data starts with the prefix; (its title, replies)."""
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        button = next(b for b in buttons if b["callback_data"].startswith(data_prefix))
        update = self.emulator.callback_update(
            self.chat, message["message_id"], button["callback_data"]
        )
        return button["text"], self._send(update)


def text_of(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


def keyboard_data(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def with_buttons(messages: list[dict]) -> dict:
    return next(m for m in messages if m.get("reply_markup"))


def test_a_whole_conversation_with_booking_and_contact(
    client: TestClient, emulator: BotAPIEmulator, redis_url: str
) -> None:
    person = Person(client, emulator)

    greeting = person.say("Salam")
    menu = with_buttons(greeting)
    assert "virtual köməkçi" in menu["text"] and keyboard_data(menu)[0].startswith("g:")

    documents = person.say("özünüməşğulluq proqramı üçün hansı sənədlər lazımdır")
    assert "Şəxsiyyət vəsiqəsi" in text_of(documents)
    assert "reply_markup" not in emulator.messages[(CHAT, menu["message_id"])]  # stale: removed

    fee = person.say("bəs pulludur?")
    assert "dəqiq məlumat yoxdur" in text_of(fee)

    centers = with_buttons(person.say("özünüməşğulluq üçün növbəyə yazılmaq istəyirəm"))
    title, days = person.tap(centers, "bc:")
    tapped = emulator.messages[(CHAT, centers["message_id"])]
    assert tapped["text"].endswith(f"✓ {title}") and "reply_markup" not in tapped
    _, times = person.tap(with_buttons(days), "bd:")
    time_keyboard = with_buttons(times)
    assert len(time_keyboard["reply_markup"]["inline_keyboard"][0]) == 4  # "09:00" fits 4 a row
    _, ask_phone = person.tap(time_keyboard, "bt:")
    keyboard = ask_phone[-1]["_sent_markup"]
    assert keyboard["keyboard"][0][0]["request_contact"] is True
    assert keyboard["one_time_keyboard"] is True

    confirm = person.share_contact()
    assert confirm[0]["_sent_markup"] == {"remove_keyboard": True}  # the contact keyboard goes
    assert keyboard_data(confirm[-1]) == ["y", "n"]
    _, booked = person.tap(confirm[-1], "y")
    assert "Növbə kodu" in text_of(booked)

    cancel = person.say("növbəni ləğv et")
    assert keyboard_data(cancel[-1]) == ["y", "n"]
    assert "ləğv edildi" in text_of(person.say("bəli"))

    # Native and tidy: every call succeeded, each turn showed "typing", each tap was answered.
    failed = [(c.method, c.status) for c in emulator.calls if c.status != 200]
    assert failed == []
    assert len(emulator.calls_of("answerCallbackQuery")) == 4
    assert len(emulator.calls_of("sendChatAction", CHAT)) >= 11  # more if a turn was slow
    assert all(c.params["parse_mode"] == "HTML" for c in emulator.calls_of("sendMessage"))
    from bot.people import People

    people = People(client.app.state.redis)
    owner = client.portal.call(people.by_address, "telegram", str(CHAT))
    assert owner is not None and owner.phone == "+994501234567"


def test_typing_comes_before_the_reply(client: TestClient, emulator: BotAPIEmulator) -> None:
    Person(client, emulator).say("Salam")
    methods = [c.method for c in emulator.calls]
    assert methods.index("sendChatAction") < methods.index("sendMessage")


def test_the_secret_token_is_required(client: TestClient, emulator: BotAPIEmulator) -> None:
    person = Person(client, emulator)
    update = emulator.text_update(CHAT, "Salam")
    assert person.post(update, secret=None) == 403
    assert person.post(update, secret="wrong") == 403
    assert person.post(update, secret=SECRET + "x") == 403
    assert person.post(update, secret="") == 403
    assert emulator.calls == []  # no handler ran: not even "typing"
    # The refused update was not remembered either: with the secret it is handled.
    assert person._send(update)


def test_a_replayed_update_has_no_second_effect(
    client: TestClient, emulator: BotAPIEmulator
) -> None:
    person = Person(client, emulator)
    update = emulator.text_update(CHAT, "Salam")
    person._send(update)
    calls = len(emulator.calls)
    for _ in range(3):
        assert person.post(update) == 200  # Telegram retries get 200 so they stop
    emulator.wait_until(lambda: not person.channel.busy)
    assert len(emulator.calls) == calls
    transcript = client.portal.call(
        client.app.state.engine.transcript, f"tg:{CHAT}"
    )  # one user message, one reply
    assert [entry["role"] for entry in transcript].count("user") == 1


def test_bad_bodies_are_refused(client: TestClient, emulator: BotAPIEmulator) -> None:
    headers = {HEADER: SECRET, "Content-Type": "application/json"}
    post = client.post
    assert post("/webhooks/telegram", content=b"{not json", headers=headers).status_code == 400
    assert post("/webhooks/telegram", json=[1, 2], headers=headers).status_code == 400
    assert post("/webhooks/telegram", json={"message": {}}, headers=headers).status_code == 400
    bad_message = {"update_id": 5, "message": {"text": "no chat"}}
    assert post("/webhooks/telegram", json=bad_message, headers=headers).status_code == 400
    assert emulator.calls == []


def test_the_channel_is_off_without_a_token(
    redis_url: str, nlu_cache: Path, tmp_path: Path, nlu
) -> None:
    shutil.copytree(nlu_cache, tmp_path / "cache")
    with structlog.testing.capture_logs() as logs:
        app = create_app(
            Settings(REDIS_URL=redis_url, DOST_DATA_DIR=tmp_path, DOST_INPROCESS_WORKER=False)
        )
    off = [e for e in logs if e["event"].startswith("telegram channel off")]
    assert [e["event"] for e in off] == ["telegram channel off: TELEGRAM_BOT_TOKEN is not set"]
    with TestClient(app) as test_client:
        response = test_client.post("/webhooks/telegram", json={"update_id": 1})
        assert response.status_code == 404
        assert not hasattr(test_client.app.state, "telegram")
