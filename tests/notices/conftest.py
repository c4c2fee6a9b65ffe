"""Fixtures of the notices tests: the real app with the Telegram Bot API emulator and Twilio's
REST API faked over HTTP, on a controllable clock (a frozen clock for our code, time-machine
for arq's and the app's), and DOST's back office posting events through the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from fastapi.testclient import TestClient

from bot.config import Settings
from dost.app import create_app
from tests.jobs import ProcessClock
from tests.notices.kit import NOW, SMS_FROM, BackOffice
from tests.telegram_emulator import BotAPIEmulator
from tests.test_telegram_webhook import SECRET
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE, FakeTwilio, running_fake


@pytest.fixture
def clock() -> Iterator[ProcessClock]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield ProcessClock(NOW, traveller)


@pytest.fixture
def emulator() -> Iterator[BotAPIEmulator]:
    with BotAPIEmulator() as running:
        yield running


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with running_fake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
def settings(redis_url: str, data_dir, emulator: BotAPIEmulator, twilio: FakeTwilio) -> Settings:
    return Settings(
        REDIS_URL=redis_url,
        DOST_DATA_DIR=data_dir,
        PUBLIC_BASE_URL=PUBLIC_BASE,
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE=emulator.base_url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE=twilio.url,
        TWILIO_SMS_NUMBER=SMS_FROM,
        DOST_INPROCESS_WORKER=False,
    )


@pytest.fixture
def back(settings: Settings, clock: ProcessClock) -> Iterator[BackOffice]:
    with TestClient(create_app(settings)) as client:
        yield BackOffice(client, settings, clock)
