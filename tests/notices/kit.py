"""What the notices tests share: DOST's back office (an API key, events posted, due jobs run by
real arq workers on the test's clock), the events they post and what to look at."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi.testclient import TestClient

from bot import apikeys
from bot.clock import BAKU
from bot.config import Settings
from bot.jobs_redis import arq_pool
from bot.notices.policy import NoticeConfig
from bot.people import People, Proof
from dost.senders import senders_factory
from tests.jobs import ProcessClock, run_due_jobs
from tests.telegram_emulator import BotAPIEmulator
from tests.twilio_fake import FakeTwilio

NOW = datetime(2026, 11, 20, 11, 0, tzinfo=BAKU)  # a Friday, late morning
SERVICE = "02-04-10-00"
CHAT = 700300400
PHONE = "+994501112233"
SMS_FROM = "+15005550006"


class BackOffice:
    """DOST's back office (an API key, events posted) and the job worker (due jobs run)."""

    def __init__(self, client: TestClient, settings: Settings, clock: ProcessClock) -> None:
        self.client, self.settings, self.clock = client, settings, clock
        self.redis = client.app.state.redis
        self.key = self.new_key("back-office").key
        self.count = 0

    def new_key(self, name: str, **options) -> apikeys.Created:
        return self.client.portal.call(lambda: apikeys.create(self.redis, name, **options))

    def post(self, body: dict, idempotency_key: str | None = None, key: str | None = None):
        self.count += 1
        headers = {
            "Authorization": f"Bearer {key or self.key}",
            "Idempotency-Key": idempotency_key or f"evt-{self.count}",
        }
        return self.client.post("/api/v1/events", json=body, headers=headers)

    def send(self, body: dict, **kw) -> list[str]:
        """Post an event that must be accepted; its notifications' ids."""
        response = self.post(body, **kw)
        assert response.status_code == 202, response.text
        return [n["id"] for n in response.json()["notifications"]]

    def status(self, notice_id: str, key: str | None = None) -> dict:
        response = self.client.get(
            f"/api/v1/notifications/{notice_id}",
            headers={"Authorization": f"Bearer {key or self.key}"},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def run(self, until: datetime | None = None, config: NoticeConfig | None = None) -> None:
        """Run every job due by `until` (default: now), moving the clock to each."""

        async def jobs() -> None:
            arq = arq_pool(self.settings.redis_url)
            try:
                await run_due_jobs(
                    self.settings.redis_url,
                    arq,
                    self.clock,
                    senders_factory(self.settings),
                    until=until,
                    notices=config or NoticeConfig.from_settings(self.settings),
                )
            finally:
                await arq.aclose()

        asyncio.run(jobs())

    def citizen_on_telegram(self, chat: int = CHAT, phone: str = PHONE) -> str:
        people = People(self.redis)
        person = self.client.portal.call(
            people.prove, phone, Proof.TELEGRAM_CONTACT, "telegram", str(chat)
        )
        return person.id


def commission(phone: str = PHONE, **extra) -> dict:
    return {
        "type": "commission_scheduled",
        "citizen": {"phone": phone},
        "service": SERVICE,
        "date": "2026-11-27",
        "time": "10:00",
        "place": "Yasamal DOST mərkəzi, 3-cü otaq",
        **extra,
    }


def decision(phone: str = PHONE, **extra) -> dict:
    return {
        "type": "commission_decision",
        "citizen": {"phone": phone},
        "service": SERVICE,
        "decision": "approved",
        **extra,
    }


def monitoring(phone: str = PHONE, **extra) -> dict:
    return {
        "type": "monitoring_visit",
        "citizen": {"phone": phone},
        "service": SERVICE,
        "date": "2026-11-25",
        "time_from": "10:00",
        "time_to": "13:00",
        **extra,
    }


def texts(emulator: BotAPIEmulator, chat: int = CHAT) -> list[str]:
    return [m["text"] for m in emulator.sent(chat)]


def sms_to(twilio: FakeTwilio, phone: str = PHONE) -> list[str]:
    return [m["Body"] for m in twilio.messages if m["To"] == phone]


def results(status: dict) -> list[tuple[str, str]]:
    return [(a["channel"], a["result"]) for a in status["attempts"]]


def at(attempt: dict) -> datetime:
    return datetime.fromisoformat(attempt["at"])
