"""`dost telegram set-webhook | delete-webhook` against the emulator, and the secret it generates
being the one `dost serve` then demands."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from bot.config import Settings, get_settings
from channels.telegram import keys
from dost.app import create_app
from dost.cli import main
from dost.commands.telegram import webhook_url
from tests.telegram_emulator import BotAPIEmulator

HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def emulator() -> Iterator[BotAPIEmulator]:
    with BotAPIEmulator() as running:
        yield running


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, emulator: BotAPIEmulator, redis_url: str, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", emulator.token)
    monkeypatch.setenv("TELEGRAM_API_BASE", emulator.base_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DOST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://dost.example.az")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_webhook_url() -> None:
    settings = Settings(PUBLIC_BASE_URL="https://dost.example.az/")
    assert webhook_url(None, settings) == "https://dost.example.az/webhooks/telegram"
    assert webhook_url("https://a.az", settings) == "https://a.az/webhooks/telegram"
    assert webhook_url("https://a.az/tg/hook", settings) == "https://a.az/tg/hook"
    assert webhook_url(None, Settings()) is None


def test_set_webhook_generates_a_secret_that_serve_demands(
    env, emulator: BotAPIEmulator, redis_url: str, nlu_cache: Path, tmp_path: Path, nlu
) -> None:
    assert main(["telegram", "set-webhook", "--drop-pending-updates"]) == 0
    webhook = emulator.webhook
    assert webhook["url"] == "https://dost.example.az/webhooks/telegram"
    assert webhook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    assert webhook["drop_pending_updates"] is True
    secret = webhook["secret_token"]
    assert len(secret) >= 32
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    stored = client.get(f"dost:{keys.NAMESPACE}:{keys.WEBHOOK_SECRET}")
    assert stored == hashlib.sha256(secret.encode()).hexdigest()  # only its hash is kept
    assert [c["command"] for c in emulator.commands] == ["start", "help", "operator", "stop"]

    shutil.copytree(nlu_cache, tmp_path / "cache")
    settings = Settings(
        REDIS_URL=redis_url,
        DOST_DATA_DIR=tmp_path,
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_API_BASE=emulator.base_url,
        DOST_INPROCESS_WORKER=False,
    )
    with TestClient(create_app(settings)) as client:
        update = emulator.text_update(1, "Salam")
        post = client.post
        assert post("/webhooks/telegram", json=update, headers={HEADER: "x"}).status_code == 403
        assert post("/webhooks/telegram", json=update, headers={HEADER: secret}).status_code == 200


def test_without_any_secret_the_webhook_refuses_everything(
    redis_url: str, emulator: BotAPIEmulator, nlu_cache: Path, tmp_path: Path, nlu
) -> None:
    shutil.copytree(nlu_cache, tmp_path / "cache")
    settings = Settings(
        REDIS_URL=redis_url,
        DOST_DATA_DIR=tmp_path,
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_API_BASE=emulator.base_url,
        DOST_INPROCESS_WORKER=False,
    )
    with TestClient(create_app(settings)) as client:
        update = emulator.text_update(1, "Salam")
        for headers in ({}, {HEADER: ""}, {HEADER: "None"}):
            assert (
                client.post("/webhooks/telegram", json=update, headers=headers).status_code == 403
            )
    assert emulator.calls == []


def test_set_webhook_uses_the_configured_secret(env, emulator: BotAPIEmulator) -> None:
    env.setenv("TELEGRAM_WEBHOOK_SECRET", "configured-secret")
    get_settings.cache_clear()
    assert main(["telegram", "set-webhook", "https://hook.example.az"]) == 0
    assert emulator.webhook["secret_token"] == "configured-secret"
    assert emulator.webhook["url"] == "https://hook.example.az/webhooks/telegram"
    assert main(["telegram", "delete-webhook"]) == 0
    assert emulator.webhook == {}


def test_without_a_token_the_commands_say_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["telegram", "set-webhook", "https://a.az"]) == 2
        assert main(["telegram", "poll"]) == 2
    finally:
        get_settings.cache_clear()
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err


def test_poll_runs_the_channel_without_a_webhook(
    emulator: BotAPIEmulator, redis_url: str, nlu_cache: Path, tmp_path: Path, nlu
) -> None:
    """`dost telegram poll` as a process: it drops the webhook, takes updates from getUpdates,
    answers through the engine, and stops cleanly on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys

    shutil.copytree(nlu_cache, tmp_path / "cache")
    emulator.webhook = {"url": "https://old.example.az/webhooks/telegram"}
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE": emulator.base_url,
        "REDIS_URL": redis_url,
        "DOST_DATA_DIR": str(tmp_path),
        "DOST_INPROCESS_WORKER": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "dost.cli", "telegram", "poll"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        emulator.push_update(emulator.text_update(77, "Salam"))
        emulator.wait_until(lambda: bool(emulator.sent(77)), timeout=60)
        assert "virtual köməkçi" in emulator.sent(77)[0]["text"]
        assert emulator.calls_of("deleteWebhook") and emulator.webhook == {}
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr.decode()[-2000:]
