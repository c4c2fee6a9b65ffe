"""An event accepted: the citizen found (or recorded, as given by staff), the facts kept for the
conversation, the notification — and for a commission, its reminder the day before — recorded
and queued.

Ids come from the API key and the idempotency key, so a request repeated after a crash makes the
same notifications and queues the same jobs (arq keeps one job per id).

A commission date that differs from the one the citizen already has for the service is a change:
it takes the priority lane, with decisions. The reminder goes out the day before at 10:00 and
expires at the meeting; a later commission date for the same service supersedes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.apikeys import ApiKey
from bot.clock import BAKU, SYSTEM_CLOCK, Clock
from bot.logs import get_logger
from bot.notices.events import CommissionScheduled, expired
from bot.notices.policy import POLICIES, REMINDER, NoticeConfig
from bot.notices.records import Notification, Notifications, subjects
from bot.notices.schedule import schedule
from bot.notices.testmode import test_addresses
from bot.notices.texts import compose, wording
from bot.people import People, Person, Proof

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from arq.connections import ArqRedis

    from bot.notices.events import Citizen

log = get_logger("dost.notices")
REMINDER_TIME = time(10, 0)  # the day before a commission


class UnknownService(ValueError):
    pass


def notice_id(key: ApiKey, idempotency_key: str) -> str:
    digest = hashlib.sha256(f"{key.digest}\0{idempotency_key}".encode()).hexdigest()
    return f"ntf_{digest[:24]}"


class Intake:
    def __init__(
        self,
        redis: aioredis.Redis,
        arq: ArqRedis,
        services: Mapping[str, str],
        config: NoticeConfig | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """`services`: passport id → name (the texts name the service)."""
        self.redis = redis
        self.arq = arq
        self.services = services
        self.config = config or NoticeConfig()
        self.clock = clock
        self.records = Notifications(redis, clock)
        self.people = People(redis, clock)

    async def accept(self, event: Any, key: ApiKey, idempotency_key: str) -> list[Notification]:
        """The notifications an event makes, recorded and queued (or expired already)."""
        if event.service not in self.services:
            raise UnknownService(event.service)
        now = self.clock.now()
        base = notice_id(key, idempotency_key)
        person = None if key.is_test else await self._person(event.citizen)
        facts_of = subjects(person.id if person else None, event.citizen.fin, event.citizen.phone)
        changed = False
        if isinstance(event, CommissionScheduled) and not key.is_test:
            changed = await self._changes_commission(facts_of, event)
        policy = POLICIES[event.type]
        made = [self._notification(base, event, key, person, now, changed=changed,
                                   mandatory=policy.mandatory,
                                   priority=policy.priority or changed)]  # fmt: skip
        if isinstance(event, CommissionScheduled):
            reminder_at = datetime.combine(event.date - timedelta(days=1), REMINDER_TIME, BAKU)
            if reminder_at > now:
                made.append(self._notification(f"{base}_r", event, key, person, now,
                                               reminder_at=reminder_at, parent=base))  # fmt: skip
        if not key.is_test:
            await self.records.remember(facts_of, made[0])
        for notification in made:
            await self._record_and_queue(notification, event, now)
        return made

    async def _record_and_queue(
        self, notification: Notification, event: Any, now: datetime
    ) -> None:
        if expired(event, now):
            if await self.records.create(notification, status="expired"):
                at = now.isoformat()
                await self.records.add_history(notification.id,
                                               {"event": "expired", "at": at})  # fmt: skip
            log.info("notice expired on arrival", notice=notification.id)
            return
        await self.records.create(notification)
        await schedule(self.arq, self.clock, notification.id, 0, priority=notification.priority,
                       at=notification.not_before)  # fmt: skip

    def _notification(
        self,
        notice: str,
        event: Any,
        key: ApiKey,
        person: Person | None,
        now: datetime,
        *,
        changed: bool = False,
        mandatory: bool = False,
        priority: bool = False,
        reminder_at: datetime | None = None,
        parent: str | None = None,
    ) -> Notification:
        kind = REMINDER if reminder_at else event.type
        words = wording(event, self.services[event.service], reminder=reminder_at is not None,
                        changed=changed)  # fmt: skip
        text = compose(words, notice, mandatory=mandatory)
        return Notification(
            id=notice,
            kind="reminder" if reminder_at else "notice",
            type=kind,
            event=event.model_dump(mode="json"),
            key=key.digest,
            key_name=key.name,
            test=key.is_test,
            person=person.id if person else None,
            addresses=self._addresses(event.citizen, notice, key, person),
            channels=list(self.config.channels_for(kind)),
            mandatory=mandatory,
            priority=priority,
            created_at=now,
            not_before=reminder_at,
            valid_until=event.expires_at(),
            parent=parent,
            message=text.message,
            variants=text.variants,
        )

    @staticmethod
    def _addresses(citizen: Citizen, notice: str, key: ApiKey,
                   person: Person | None) -> list[tuple[str, str]]:  # fmt: skip
        if key.is_test:
            return test_addresses(citizen, notice)
        return []  # a person in the registry: their routes

    async def _person(self, citizen: Citizen) -> Person | None:
        """The citizen in the registry; a phone number given by staff enters it (SMS)."""
        person = await self.people.by_phone(citizen.phone) if citizen.phone else None
        if person is None and citizen.fin:
            person = await self.people.by_fin(citizen.fin)
        if person is None and citizen.phone:
            return await self.people.prove(citizen.phone, Proof.STAFF, "sms", citizen.phone,
                                           fin=citizen.fin)  # fmt: skip
        if person is not None and citizen.fin and not person.fin:
            await self.people.link_fin(person, citizen.fin)
        return person

    async def _changes_commission(self, facts_of: list[str], event: CommissionScheduled) -> bool:
        """A commission date for a service the citizen already had another date for."""
        known = (await self.records.facts(facts_of)).get("commission")
        if known is None or known["event"].get("service") != event.service:
            return False
        before = known["event"]
        now = event.model_dump(mode="json")
        return any(before.get(k) != now.get(k) for k in ("date", "time", "place"))
