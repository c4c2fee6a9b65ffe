"""Delivery: a message we send first (a reminder, later notices and operators' replies) reaches
the person on one of their channels, once.

- Each channel implements `Sender` (in channels/); the composition root registers them in a
  `Senders` registry that the job worker holds.
- `enqueue_delivery` queues the arq job `deliver` under the id "deliver:<key>" (with the jobs'
  hash tag, `bot.jobs_keys`): the same key scheduled twice is one job.
- The job takes the person's routes (`People.routes`: their preference, the channel they used
  last first, opted-out and unreachable addresses left out) — or, for someone not in the
  registry yet, the addresses given (a phone number → SMS) — and skips channels without a
  sender. Before sending on a channel it claims (key, channel) in Redis atomically, so a retried
  job or a second worker never sends one key twice on a channel.
- A transient error (a provider's 5xx or 429, the network) retries the same channel later (arq
  `Retry`, growing backoff); after the last try the next channel is tried. A permanent error marks
  the address unreachable (unless it concerned this message only, e.g. no page was open) and the
  next channel is tried. A sender that raises instead of answering may or may not have sent, and
  so may a send whose worker died (its claim outlived its lease): that channel is "ambiguous" and
  never used again for the key. A reminder stops there rather than risk saying it twice; a notice
  (`ambiguous_next`) goes on to the next channel — never twice on one channel.
- A message may be worded per channel (`variants`: a short SMS, a WhatsApp template).
- A delivered message that must be acknowledged and was not (a notice's "Aldım") can be
  `reopen`ed: that channel counts as "unread" and the next run goes on to the next channel.
- Every attempt is recorded under the key — channel, time (the injected clock), result, error —
  and `delivery_status` reads it back.

Redis (the key in a hash tag, so one delivery's data stays in one Cluster slot):
  dost:delivery:{<key>}:status    hash: status (queued, sending, delivered, failed, ambiguous),
                                  channel and address it was delivered to, …
  dost:delivery:{<key>}:claims    hash: channel → sending | retry | delivered | failed | unread |
                                  ambiguous
  dost:delivery:{<key>}:lease:<channel>   present while a send is under way
  dost:delivery:{<key>}:attempts  list of JSON attempts
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from arq import Retry

from bot.clock import SYSTEM_CLOCK, Clock
from bot.jobs_keys import tagged
from bot.logs import get_logger
from bot.messages import Outbound
from bot.people import DEFAULT_PREFERENCE, PHONE_CHANNELS, People
from bot.redis_conn import together

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from arq.connections import ArqRedis

log = get_logger("dost.delivery")

JOB = "deliver"
MAX_TRIES = 5  # tries of one job; transient errors are retried until the last one
BACKOFF_SECONDS = 30  # 30 s, 1 min, 2 min, 4 min between tries
BACKOFF_CAP_SECONDS = 15 * 60
TTL_SECONDS = 30 * 24 * 3600  # a delivery's record (its status is asked for later)
LEASE_SECONDS = 10 * 60  # longer than any one send takes


class Outcome(StrEnum):
    DELIVERED = "delivered"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    error: str | None = None
    address_gone: bool = True  # a permanent error about the address, not just this message
    provider_ids: tuple[str, ...] = ()  # the provider's message ids (Twilio SIDs)

    @classmethod
    def delivered(cls, *provider_ids: str) -> SendResult:
        return cls(Outcome.DELIVERED, provider_ids=provider_ids)

    @classmethod
    def transient(cls, error: str) -> SendResult:
        return cls(Outcome.TRANSIENT, error)

    @classmethod
    def permanent(cls, error: str, *, address_gone: bool = True) -> SendResult:
        return cls(Outcome.PERMANENT, error, address_gone=address_gone)


class Sender(Protocol):
    channel: str

    async def send(self, address: str, message: Outbound) -> SendResult: ...


class Senders:
    """The channels messages can be delivered on; filled by the composition root."""

    def __init__(self, senders: Iterable[Sender] = ()) -> None:
        self._by_channel: dict[str, Sender] = {}
        for sender in senders:
            self.register(sender)

    def register(self, sender: Sender) -> None:
        self._by_channel[sender.channel] = sender

    def get(self, channel: str) -> Sender | None:
        return self._by_channel.get(channel)

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self._by_channel)

    async def aclose(self) -> None:
        for sender in self._by_channel.values():
            close = getattr(sender, "aclose", None)
            if close is not None:
                await close()


class Route(NamedTuple):
    channel: str
    address: str


async def find_routes(
    people: People,
    channels: Collection[str],
    person: str | None,
    addresses: Sequence[tuple[str, str]] = (),
    preference: Sequence[str] | None = None,
    phone_channels: Sequence[str] = PHONE_CHANNELS,
) -> list[Route]:
    """Where a message to `person` (an id), or to `addresses` for someone not in the registry,
    may go now, best first, on `channels` (those with a sender)."""
    found: list[Route] = []
    record = await people.get(person) if person else None
    if record is not None:
        order = tuple(preference) if preference is not None else DEFAULT_PREFERENCE
        addresses_of = await people.routes(record, order, phone_channels)
        found = [Route(a.channel, a.address) for a in addresses_of]
    elif addresses:
        given = [Route(c, a) for c, a in addresses if preference is None or c in preference]
        found = await people.usable(given)
    return [r for r in found if r.channel in channels]


def job_id(key: str) -> str:
    return tagged(f"{JOB}:{key}")


def _key(key: str, part: str) -> str:
    return f"dost:delivery:{{{key}}}:{part}"


def delivery_attempts_key(key: str) -> str:
    """Where a delivery's attempts are listed (a notice copies them into its history)."""
    return _key(key, "attempts")


def backoff(job_try: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_SECONDS * 2 ** (job_try - 1), BACKOFF_CAP_SECONDS))


async def enqueue_delivery(
    redis: aioredis.Redis,
    arq: ArqRedis,
    key: str,
    message: Outbound,
    *,
    person: str | None = None,
    addresses: Sequence[tuple[str, str]] = (),
    preference: Sequence[str] | None = None,
    defer_by: timedelta | None = None,
) -> bool:
    """Queue the delivery of `message` to a person (their id) or, for someone not in the
    registry, to `addresses` ((channel, address), in order). False when a job for `key` is
    already queued or has run lately (the same key is delivered once). The delivery's status
    is kept with `redis` (on a cluster arq's client reaches only the jobs' node)."""
    if person is None and not addresses:
        raise ValueError("a delivery needs a person or an address")
    await redis.hsetnx(_key(key, "status"), "status", "queued")
    await redis.expire(_key(key, "status"), TTL_SECONDS)
    job = await arq.enqueue_job(
        JOB,
        key,
        message.model_dump(mode="json"),
        person=person,
        addresses=[list(a) for a in addresses],
        preference=list(preference) if preference is not None else None,
        _job_id=job_id(key),
        _defer_by=defer_by,
    )
    return job is not None


# Claim (key, channel) for one send. KEYS: claims hash, lease key. ARGV: channel, lease ms,
# the record's TTL in seconds.
# Returns "claimed", "delivered" (the key went out on some channel), "done" (this channel was
# given up on, left unread or is ambiguous), "busy" (another worker is sending) or "ambiguous"
# (a send began and its worker died: it may have gone out, so the channel is never used again).
_CLAIM = """
for _, state in ipairs(redis.call('HVALS', KEYS[1])) do
  if state == 'delivered' then return 'delivered' end
end
local state = redis.call('HGET', KEYS[1], ARGV[1])
if state == 'failed' or state == 'unread' or state == 'ambiguous' then return 'done' end
if state == 'sending' then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 'busy' end
  redis.call('HSET', KEYS[1], ARGV[1], 'ambiguous')
  return 'ambiguous'
end
redis.call('HSET', KEYS[1], ARGV[1], 'sending')
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return 'claimed'
"""


# A delivered channel left unacknowledged ("unread") or found not delivered after all ("failed":
# a call nobody heard), and the delivery open again. KEYS: claims, status. ARGV: channel, state.
# Returns 1 when reopened, 0 when that channel was not the delivered one.
_REOPEN = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= 'delivered' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], 'status', 'queued')
redis.call('HDEL', KEYS[2], 'channel', 'address')
return 1
"""

AMBIGUOUS_ERROR = "the send began but never reported: it may have gone out"


class Deliveries:
    """The job's side: resolve routes, claim, send, record."""

    def __init__(
        self,
        redis: aioredis.Redis,
        senders: Senders,
        *,
        people: People | None = None,
        clock: Clock = SYSTEM_CLOCK,
        max_tries: int = MAX_TRIES,
        phone_channels: Sequence[str] = PHONE_CHANNELS,
    ) -> None:
        """`phone_channels`: where a person's proven number is an address of its own (SMS; a
        call too for notices)."""
        self.redis = redis
        self.senders = senders
        self.people = people or People(redis, clock)
        self.clock = clock
        self.max_tries = max_tries
        self.phone_channels = tuple(phone_channels)
        self._claim = redis.register_script(_CLAIM)
        self._reopen = redis.register_script(_REOPEN)

    async def routes(
        self,
        person: str | None,
        addresses: Sequence[tuple[str, str]] = (),
        preference: Sequence[str] | None = None,
    ) -> list[Route]:
        return await find_routes(self.people, self.senders.channels, person, addresses, preference,
                                 self.phone_channels)  # fmt: skip

    async def run(
        self,
        key: str,
        message: Outbound,
        *,
        person: str | None = None,
        addresses: Sequence[tuple[str, str]] = (),
        preference: Sequence[str] | None = None,
        job_try: int = 1,
        variants: Mapping[str, Outbound] | None = None,
        ambiguous_next: bool = False,
    ) -> str:
        """Deliver `message` (or its variant for a channel); "delivered", "failed", "ambiguous"
        or "busy" (another worker is sending it right now). Raises arq's `Retry` to try the
        same channel again later."""
        done = await self.redis.hget(_key(key, "status"), "status")
        if done in ("delivered", "ambiguous"):  # a job run again later: the record stands
            return done
        routes = await self.routes(person, addresses, preference)
        if not routes:
            log.info("delivery has no route", key=key)
            await self._status(key, "failed", error="no route")
            return "failed"
        ambiguous = False
        for route in routes:
            claim = await self._claim(
                keys=[_key(key, "claims"), _key(key, f"lease:{route.channel}")],
                args=[route.channel, LEASE_SECONDS * 1000, TTL_SECONDS],
            )
            if claim in ("delivered", "busy"):
                return claim
            if claim == "ambiguous":
                log.warning("delivery ambiguous: an earlier send never reported", key=key,
                            channel=route.channel)  # fmt: skip
                await self._attempt(key, route, None, AMBIGUOUS_ERROR, result_name="ambiguous")
                if not ambiguous_next:
                    await self._status(key, "ambiguous")
                    return "ambiguous"
                ambiguous = True
                continue
            if claim == "done":
                continue
            await self._status(key, "sending")
            sender = self.senders.get(route.channel)
            assert sender is not None  # routes() kept only channels with a sender
            wording = (variants or {}).get(route.channel, message)
            try:
                result = await sender.send(route.address, wording)
            except Exception as exc:
                # A sender that fails in an unforeseen way may or may not have sent: sending
                # again on this channel could say it twice.
                log.exception("sender failed", key=key, channel=route.channel)
                await self._attempt(key, route, None, f"{type(exc).__name__}: {exc}")
                await self._settle(key, route.channel, "ambiguous")
                if not ambiguous_next:
                    await self._status(key, "ambiguous")
                    return "ambiguous"
                ambiguous = True
                continue
            await self._attempt(key, route, result)
            if result.outcome is Outcome.DELIVERED:
                await self._settle(key, route.channel, "delivered")
                await self._status(key, "delivered", channel=route.channel, address=route.address)
                log.info("delivered", key=key, channel=route.channel)
                return "delivered"
            if result.outcome is Outcome.TRANSIENT and job_try < self.max_tries:
                await self._settle(key, route.channel, "retry")
                await self._status(key, "queued")
                log.info("delivery retried later", key=key, channel=route.channel,
                         error=result.error, job_try=job_try)  # fmt: skip
                raise Retry(defer=backoff(job_try))
            await self._settle(key, route.channel, "failed")
            if result.outcome is Outcome.PERMANENT and result.address_gone:
                await self.people.mark_unreachable(route.channel, route.address)
            log.info("delivery channel given up", key=key, channel=route.channel,
                     error=result.error)  # fmt: skip
        claims = await self.redis.hgetall(_key(key, "claims"))
        if "unread" in claims.values():  # it did reach someone, only unacknowledged
            final = "delivered"
        else:
            final = "ambiguous" if ambiguous else "failed"
        await self._status(key, final)
        return final

    async def pending_routes(
        self,
        key: str,
        person: str | None,
        addresses: Sequence[tuple[str, str]] = (),
        preference: Sequence[str] | None = None,
    ) -> list[Route]:
        """The routes a next run could still try: not delivered, given up, unread or ambiguous."""
        claims = await self.redis.hgetall(_key(key, "claims"))
        routes = await self.routes(person, addresses, preference)
        return [r for r in routes if claims.get(r.channel) in (None, "retry")]

    async def reopen(self, key: str, channel: str, reason: str, *, heard: bool = True) -> bool:
        """The message delivered on `channel` was not acknowledged in time: that channel counts
        as "unread" and a next run goes on to the next channel; with `heard` False (a call
        nobody answered or heard to the end) it was not delivered at all ("unheard"). False
        when `channel` is not the one it was delivered on (reopened already)."""
        state, result = ("unread", "unread") if heard else ("failed", "unheard")
        reopened = await self._reopen(keys=[_key(key, "claims"), _key(key, "status")],
                                      args=[channel, state])  # fmt: skip
        if reopened:
            entry = {"channel": channel, "at": self.clock.now().astimezone(UTC).isoformat(),
                     "result": result, "error": reason}  # fmt: skip
            async with together(self.redis) as pipe:
                pipe.rpush(_key(key, "attempts"), json.dumps(entry, ensure_ascii=False))
                pipe.expire(_key(key, "attempts"), TTL_SECONDS)
                await pipe.execute()
        return bool(reopened)

    async def _settle(self, key: str, channel: str, state: str) -> None:
        async with together(self.redis) as pipe:
            pipe.hset(_key(key, "claims"), channel, state)
            pipe.expire(_key(key, "claims"), TTL_SECONDS)
            pipe.delete(_key(key, f"lease:{channel}"))
            await pipe.execute()

    async def _attempt(
        self,
        key: str,
        route: Route,
        result: SendResult | None,
        error: str | None = None,
        *,
        result_name: str = "error",
    ) -> None:
        """One attempt on the record; `result` None: the sender raised or its worker died
        (`error`, recorded as `result_name`)."""
        entry: dict[str, Any] = {
            "channel": route.channel,
            "at": self.clock.now().astimezone(UTC).isoformat(),
            "result": result.outcome.value if result is not None else result_name,
        }
        if result is not None and result.error:
            entry["error"] = result.error
        if error:
            entry["error"] = error
        if result is not None and result.provider_ids:
            entry["provider_ids"] = list(result.provider_ids)
        async with together(self.redis) as pipe:
            pipe.rpush(_key(key, "attempts"), json.dumps(entry, ensure_ascii=False))
            pipe.expire(_key(key, "attempts"), TTL_SECONDS)
            await pipe.execute()

    async def _status(self, key: str, status: str, **fields: str) -> None:
        at = self.clock.now().astimezone(UTC).isoformat()
        async with together(self.redis) as pipe:
            pipe.hset(_key(key, "status"), mapping={"status": status, "updated_at": at, **fields})
            pipe.expire(_key(key, "status"), TTL_SECONDS)
            await pipe.execute()


@dataclass(frozen=True)
class DeliveryStatus:
    key: str
    status: str  # queued | sending | delivered | failed | ambiguous
    channel: str | None  # where it was delivered
    attempts: list[dict[str, Any]]
    address: str | None = None  # the address on that channel


async def delivery_status(redis: aioredis.Redis, key: str) -> DeliveryStatus | None:
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(_key(key, "status"))
        pipe.lrange(_key(key, "attempts"), 0, -1)
        status, attempts = await pipe.execute()
    if not status:
        return None
    return DeliveryStatus(
        key=key,
        status=status["status"],
        channel=status.get("channel"),
        attempts=[json.loads(a) for a in attempts],
        address=status.get("address"),
    )


async def deliver(
    ctx: dict,
    key: str,
    message: dict,
    person: str | None = None,
    addresses: Sequence[Sequence[str]] = (),
    preference: Sequence[str] | None = None,
) -> str:
    """The arq job (see `enqueue_delivery`)."""
    deliveries: Deliveries = ctx["deliveries"]
    return await deliveries.run(
        key,
        Outbound.model_validate(message),
        person=person,
        addresses=[(c, a) for c, a in addresses],
        preference=preference,
        job_try=ctx.get("job_try", 1),
    )
