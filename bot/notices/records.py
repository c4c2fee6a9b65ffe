"""Notification records: what was asked (one event, one citizen), how it stands, its history;
and the facts a conversation may tell the citizen afterwards.

A notification is delivered through Delivery (`bot.delivery`) under the key "notice:<id>", so
its claims per channel and its attempts live there; the record adds what only notices have: the
texts per channel, the read ("Aldım") state, expiry, and the history sent to the integrator's
status callbacks.

Redis (in the hash tag of its delivery, "{notice:<id>}", so a notification's keys and its
delivery's share a Cluster slot):
  dost:notice:{notice:<id>}          JSON of the notification (written once)
  dost:notice:{notice:<id>}:state    hash: status (queued | read | expired), read_at, read_on,
                                     phase, attempts_seen, reported (entries sent as callbacks)
  dost:notice:{notice:<id>}:history  list of JSON entries, in order: the delivery's attempts
                                     (copied) and read / expired events (with "event")
  dost:notice:awaiting:<channel>:<address>  sorted set: ids waiting for "Aldım" there
  dost:notice:facts:<subject>    hash: fact kind → JSON {event, notice, at}; subject is
                                 person:<id>, fin:<FIN> or phone:<E.164>
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from bot.clock import SYSTEM_CLOCK, Clock
from bot.delivery import DeliveryStatus, delivery_attempts_key, delivery_status
from bot.messages import Outbound
from bot.notices.texts import NoticeText
from bot.redis_conn import together

if TYPE_CHECKING:
    import redis.asyncio as aioredis

TTL_SECONDS = 90 * 24 * 3600  # a notification's record (its status is asked for later)
FACTS_TTL_SECONDS = 365 * 24 * 3600
FACT_OF_TYPE = {"commission_scheduled": "commission", "commission_decision": "decision",
                "monitoring_visit": "monitoring", "application_status": "status"}  # fmt: skip


class Notification(BaseModel):
    id: str
    kind: Literal["notice", "reminder"] = "notice"
    type: str  # the event's type (a reminder: commission_reminder)
    event: dict[str, Any]  # the event as accepted
    key: str  # the API key's digest (its callbacks, who may read the status)
    key_name: str
    test: bool = False  # sent by a test key: nothing leaves the machine
    person: str | None = None  # the citizen in the registry
    addresses: list[tuple[str, str]] = Field(default_factory=list)  # else these (channel, address)
    channels: list[str]  # in order
    mandatory: bool = False
    priority: bool = False
    created_at: datetime
    not_before: datetime | None = None  # a reminder's time
    parent: str | None = None  # a reminder's notice
    valid_until: datetime | None = None
    message: Outbound
    variants: dict[str, Outbound] = Field(default_factory=dict)

    @property
    def delivery_key(self) -> str:
        return delivery_key(self.id)

    @property
    def text(self) -> NoticeText:
        return NoticeText(self.message, self.variants)


# Copy new delivery attempts into the history. KEYS: attempts, history, state. ARGV: TTL.
_SYNC = """
local seen = tonumber(redis.call('HGET', KEYS[3], 'attempts_seen') or '0')
local new = redis.call('LRANGE', KEYS[1], seen, -1)
if #new > 0 then
  redis.call('RPUSH', KEYS[2], unpack(new))
  redis.call('EXPIRE', KEYS[2], ARGV[1])
  redis.call('HSET', KEYS[3], 'attempts_seen', seen + #new)
end
return redis.call('LLEN', KEYS[2])
"""


def delivery_key(notice_id: str) -> str:
    return f"notice:{notice_id}"


def _key(notice_id: str, part: str = "") -> str:
    return f"dost:notice:{{{delivery_key(notice_id)}}}" + (f":{part}" if part else "")


def _awaiting(channel: str, address: str) -> str:
    return f"dost:notice:awaiting:{channel}:{address}"


def _facts(subject: str) -> str:
    return f"dost:notice:facts:{subject}"


def overall_status(state: dict[str, str], delivery: DeliveryStatus | None) -> str:
    """queued, sending, delivered, read, failed, expired or ambiguous."""
    own = state.get("status", "queued")
    if own in ("read", "expired"):
        return own
    return delivery.status if delivery is not None else own


class Notifications:
    def __init__(self, redis: aioredis.Redis, clock: Clock = SYSTEM_CLOCK) -> None:
        self.redis = redis
        self.clock = clock

    def _now(self) -> str:
        return self.clock.now().astimezone(UTC).isoformat()

    # --- the record --------------------------------------------------------------------------

    async def create(self, notification: Notification, status: str = "queued") -> bool:
        """Store a new notification; False when one with its id exists already (a repeat)."""
        created = await self.redis.set(_key(notification.id), notification.model_dump_json(),
                                       nx=True, ex=TTL_SECONDS)  # fmt: skip
        if created:
            await self.set_state(notification.id, status=status)
        return bool(created)

    async def get(self, notice_id: str) -> Notification | None:
        raw = await self.redis.get(_key(notice_id))
        return Notification.model_validate_json(raw) if raw else None

    async def state(self, notice_id: str) -> dict[str, str]:
        return await self.redis.hgetall(_key(notice_id, "state"))

    async def set_state(self, notice_id: str, **fields: str) -> None:
        async with together(self.redis) as pipe:
            pipe.hset(_key(notice_id, "state"), mapping={**fields, "updated_at": self._now()})
            pipe.expire(_key(notice_id, "state"), TTL_SECONDS)
            await pipe.execute()

    async def next_phase(self, notice_id: str) -> int:
        """A new number for the notification's next job (each job id is used once)."""
        return int(await self.redis.hincrby(_key(notice_id, "state"), "phase", 1))

    async def status(self, notice_id: str) -> tuple[str, DeliveryStatus | None]:
        state = await self.state(notice_id)
        delivery = await delivery_status(self.redis, delivery_key(notice_id))
        return overall_status(state, delivery), delivery

    # --- history (what the status callbacks report) ------------------------------------------

    async def add_history(self, notice_id: str, *entries: dict[str, Any]) -> None:
        if not entries:
            return
        async with together(self.redis) as pipe:
            pipe.rpush(_key(notice_id, "history"),
                       *(json.dumps(e, ensure_ascii=False) for e in entries))  # fmt: skip
            pipe.expire(_key(notice_id, "history"), TTL_SECONDS)
            await pipe.execute()

    async def sync_attempts(self, notice_id: str) -> int:
        """Copy the delivery's new attempts into the history; the history's length."""
        return int(await self.redis.eval(
            _SYNC, 3, delivery_attempts_key(delivery_key(notice_id)), _key(notice_id, "history"),
            _key(notice_id, "state"), TTL_SECONDS,
        ))  # fmt: skip

    async def history(self, notice_id: str, start: int = 0) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(_key(notice_id, "history"), start, -1)
        return [json.loads(r) for r in raw]

    async def claim_reported(self, notice_id: str, upto: int) -> int:
        """Mark history entries up to `upto` as reported; returns where reporting starts (the
        entries from there to `upto` are this caller's to report)."""
        script = """
        local done = tonumber(redis.call('HGET', KEYS[1], 'reported') or '0')
        if tonumber(ARGV[1]) > done then redis.call('HSET', KEYS[1], 'reported', ARGV[1]) end
        return done
        """
        return int(await self.redis.eval(script, 1, _key(notice_id, "state"), upto))

    # --- "Aldım" -----------------------------------------------------------------------------

    async def await_read(self, notice_id: str, channel: str, address: str) -> None:
        """The notice reached this address and waits for "Aldım" there."""
        at = self.clock.now().timestamp()
        async with together(self.redis) as pipe:
            pipe.zadd(_awaiting(channel, address), {notice_id: at})
            pipe.expire(_awaiting(channel, address), TTL_SECONDS)
            await pipe.execute()

    async def awaiting(self, channel: str, address: str) -> list[str]:
        """Ids waiting for "Aldım" on this address, newest first."""
        return list(await self.redis.zrevrange(_awaiting(channel, address), 0, -1))

    async def mark_read(
        self, notice_id: str, channel: str, address: str, *, waiting_here: bool = True
    ) -> bool:
        """Record "Aldım" for a notice that waits for it on this address (or, with
        `waiting_here` False, that its owner answers from here); False otherwise."""
        removed = await self.redis.zrem(_awaiting(channel, address), notice_id)
        if not removed and waiting_here:
            return False
        state = await self.state(notice_id)
        if state.get("status") == "read":
            return False
        now = self._now()
        await self.set_state(notice_id, status="read", read_at=now, read_on=channel)
        await self.add_history(notice_id, {"event": "read", "channel": channel, "at": now})
        return True

    async def forget_awaiting(self, notice_id: str, channel: str, address: str) -> None:
        await self.redis.zrem(_awaiting(channel, address), notice_id)

    # --- facts for the conversation ------------------------------------------------------------

    async def remember(self, subjects: list[str], notification: Notification) -> None:
        kind = FACT_OF_TYPE[notification.type]
        fact = json.dumps(
            {"event": notification.event, "notice": notification.id,
             "at": notification.created_at.isoformat()},
            ensure_ascii=False,
        )  # fmt: skip
        async with together(self.redis) as pipe:
            for subject in subjects:
                pipe.hset(_facts(subject), kind, fact)
                pipe.expire(_facts(subject), FACTS_TTL_SECONDS)
            await pipe.execute()

    async def facts(self, subjects: list[str]) -> dict[str, dict[str, Any]]:
        """Per fact kind, the newest fact stored under any of the subjects."""
        found: dict[str, dict[str, Any]] = {}
        for subject in subjects:
            for kind, raw in (await self.redis.hgetall(_facts(subject))).items():
                fact = json.loads(raw)
                if kind not in found or fact["at"] > found[kind]["at"]:
                    found[kind] = fact
        return found


def subjects(person: str | None, fin: str | None, phone: str | None) -> list[str]:
    """Where a citizen's facts are kept: under each name we know them by."""
    found = [f"person:{person}"] if person else []
    if fin:
        found.append(f"fin:{fin.upper()}")
    if phone:
        found.append(f"phone:{phone}")
    return found
