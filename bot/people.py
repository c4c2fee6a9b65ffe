"""The citizen: who someone is, how sure we are, and on which channels they can be reached.

A person is keyed by a stable random id and found by their phone (E.164), FIN or any channel
address. A phone number enters the registry only with a proof: the carrier's caller number on
SMS, WhatsApp and voice (for that conversation), a Telegram contact the person shared as their
own, a one-time code sent by SMS to the number (web chat), or DOST staff with an API key. A typed
number proves nothing and is never stored here.

Reachability and consent live here too, in one place for every channel: opt-out per address
(STOP / DAYANDIR on SMS, /stop on Telegram, the web chat's setting), unreachable addresses (a
Telegram chat that blocked the bot, a number the carrier refuses), the channel the person used
last, and the application notices an address follows (a Telegram deep link).

Addresses: telegram → the chat id; sms → the E.164 number; whatsapp → "whatsapp:+994…"; web → the
page's conversation id (without "web:"); voice → the E.164 number.

Redis layout (all under `dost:citizen:`):
  <id>                      JSON of the person
  phone:<e164> / fin:<FIN>  the person's id
  addr:<channel>:<address>  the person's id
  optout                    SET of "<channel>:<address>"
  unreachable               SET of "<channel>:<address>"
  follows:<channel>:<address> / followers:<reference>   application notices (SETs)
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TypeVar

from pydantic import BaseModel, Field

from bot.clock import SYSTEM_CLOCK, Clock
from bot.redis_conn import together
from bot.state import defer_writes

if TYPE_CHECKING:
    import redis.asyncio as aioredis

PREFIX = "dost:citizen:"
OPTOUT_KEY = PREFIX + "optout"
UNREACHABLE_KEY = PREFIX + "unreachable"

# Channels a person can be reached on, in the default order for messages we send first.
DEFAULT_PREFERENCE = ("telegram", "whatsapp", "sms", "web", "voice")
PHONE_CHANNELS = ("sms",)  # a proven number reaches them without an address of its own


class Reachable(Protocol):
    @property
    def channel(self) -> str: ...
    @property
    def address(self) -> str: ...


A = TypeVar("A", bound=Reachable)


class Proof(StrEnum):
    """How we know a phone number belongs to the person in a conversation."""

    CARRIER = "carrier"  # the caller's or sender's number, given by the phone network
    TELEGRAM_CONTACT = "telegram_contact"  # their own contact, shared in their Telegram chat
    SMS_CODE = "sms_code"  # a one-time code sent by SMS to the number, typed back
    STAFF = "staff"  # given by DOST staff through the API (with a key)


class Address(BaseModel):
    channel: str  # telegram, sms, whatsapp, voice, web
    address: str  # chat id, E.164 number, "whatsapp:+994…", web conversation id
    proof: Proof
    added_at: datetime
    last_used: datetime | None = None

    @property
    def key(self) -> str:
        return address_key(self.channel, self.address)


class Person(BaseModel):
    id: str
    phone: str | None = None
    phone_proof: Proof | None = None
    fin: str | None = None
    addresses: list[Address] = Field(default_factory=list)
    last_channel: str | None = None

    def address(self, channel: str) -> Address | None:
        """The most recently used address on a channel."""
        found = [a for a in self.addresses if a.channel == channel]
        return max(found, key=lambda a: a.last_used or a.added_at) if found else None


def address_key(channel: str, address: str) -> str:
    return f"{channel}:{address}"


def conversation_address(conversation_id: str) -> tuple[str, str] | None:
    """The (channel, address) a conversation talks on: "tg:42" → ("telegram", "42"),
    "sms:+994…" → ("sms", "+994…"), "whatsapp:+994…" → ("whatsapp", "whatsapp:+994…"),
    "web:<id>" → ("web", "<id>"); None where nothing can be sent later (a phone call)."""
    kind, _, rest = conversation_id.partition(":")
    if not rest:
        return None
    match kind:
        case "tg" | "telegram":
            return "telegram", rest
        case "sms":
            return "sms", rest
        case "whatsapp":
            return "whatsapp", whatsapp_address(rest)
        case "web":
            return "web", rest
    return None


def sms_address(phone: str) -> str:
    return phone


def whatsapp_address(phone: str) -> str:
    return f"whatsapp:{phone}"


class People:
    def __init__(self, redis: aioredis.Redis, clock: Clock = SYSTEM_CLOCK) -> None:
        self.redis = redis
        self.clock = clock

    # --- finding -------------------------------------------------------------------------

    async def get(self, person_id: str) -> Person | None:
        raw = await self.redis.get(PREFIX + person_id)
        return Person.model_validate_json(raw) if raw else None

    async def by_phone(self, phone: str) -> Person | None:
        return await self._by_index(f"phone:{phone}")

    async def by_fin(self, fin: str) -> Person | None:
        return await self._by_index(f"fin:{fin.upper()}")

    async def by_address(self, channel: str, address: str) -> Person | None:
        return await self._by_index(f"addr:{address_key(channel, address)}")

    async def _by_index(self, index: str) -> Person | None:
        person_id = await self.redis.get(PREFIX + index)
        return await self.get(person_id) if person_id else None

    # --- proving -----------------------------------------------------------------------------

    async def prove(
        self, phone: str, proof: Proof, channel: str, address: str, *, fin: str | None = None
    ) -> Person:
        """The person behind `phone` (found or created) now owns `channel:address`, proven by
        `proof`. An address belongs to one person at a time: a Telegram chat whose owner shares
        another number moves to that number's person."""
        now = self.clock.now()
        async with self.redis.lock(PREFIX + "lock:" + phone, timeout=10, blocking_timeout=10):
            person = await self.by_phone(phone) or Person(id=secrets.token_hex(12), phone=phone)
            person.phone_proof = proof
            previous = await self.by_address(channel, address)
            if previous is not None and previous.id != person.id:
                previous.addresses = [
                    a for a in previous.addresses if a.key != address_key(channel, address)
                ]
                await self._save(previous)
            kept = [a for a in person.addresses if a.key != address_key(channel, address)]
            person.addresses = [
                *kept,
                Address(channel=channel, address=address, proof=proof, added_at=now,
                        last_used=now),
            ]  # fmt: skip
            if proof is not Proof.STAFF:  # a number staff gave was not used by the person
                person.last_channel = channel
            if fin:
                person.fin = fin.upper()
            await self._save(person)
            return person

    async def link_fin(self, person: Person, fin: str) -> None:
        """DOST's back office says whose FIN this is (the person is found by it from now on)."""
        person.fin = fin.upper()
        await self._save(person)

    async def used(self, person: Person, channel: str, address: str) -> None:
        """The person wrote on this address just now (their preferred channel is the last)."""
        now = self.clock.now()
        for item in person.addresses:
            if item.key == address_key(channel, address):
                item.last_used = now
        person.last_channel = channel
        await self._save(person)

    async def wrote(self, conversation_id: str) -> None:
        """Someone wrote in this conversation: its address is reachable again and, when it
        belongs to a person, becomes the channel they used last."""
        found = conversation_address(conversation_id)
        if found is None:
            return
        channel, address = found
        await self.mark_reachable(channel, address)
        person = await self.by_address(channel, address)
        if person is not None and person.last_channel != channel:
            await self.used(person, channel, address)

    async def _save(self, person: Person) -> None:
        async with together(self.redis) as pipe:
            pipe.set(PREFIX + person.id, person.model_dump_json())
            if person.phone:
                pipe.set(f"{PREFIX}phone:{person.phone}", person.id)
            if person.fin:
                pipe.set(f"{PREFIX}fin:{person.fin}", person.id)
            for item in person.addresses:
                pipe.set(f"{PREFIX}addr:{item.key}", person.id)
            await pipe.execute()

    # --- consent and reachability --------------------------------------------------------

    async def opt_out(self, channel: str, address: str) -> None:
        await self.redis.sadd(OPTOUT_KEY, address_key(channel, address))

    async def opt_in(self, channel: str, address: str) -> None:
        await self.redis.srem(OPTOUT_KEY, address_key(channel, address))

    async def is_opted_out(self, channel: str, address: str) -> bool:
        return bool(await self.redis.sismember(OPTOUT_KEY, address_key(channel, address)))

    async def mark_unreachable(self, channel: str, address: str) -> None:
        """The person blocked the bot, or the address is gone: messages take another channel."""
        await self.redis.sadd(UNREACHABLE_KEY, address_key(channel, address))

    async def mark_reachable(self, channel: str, address: str) -> None:
        member = address_key(channel, address)
        if not defer_writes(lambda pipe: pipe.srem(UNREACHABLE_KEY, member)):  # with the turn's
            await self.redis.srem(UNREACHABLE_KEY, member)

    async def is_reachable(self, channel: str, address: str) -> bool:
        return not await self.redis.sismember(UNREACHABLE_KEY, address_key(channel, address))

    async def routes(
        self,
        person: Person,
        preference: Sequence[str] = DEFAULT_PREFERENCE,
        phone_channels: Sequence[str] = PHONE_CHANNELS,
    ) -> list[Address]:
        """Where a message we send first may go, best first: the person's addresses on the
        preferred channels, opted-out and unreachable ones left out. The channel they used last
        comes first when it is among the preferred ones. A proven number is an address on
        `phone_channels` (SMS; notices also call it) even if the person never used them."""
        order = list(preference)
        if person.last_channel in order:
            order.remove(person.last_channel)
            order.insert(0, person.last_channel)
        candidates: list[Address] = []
        for channel in order:
            item = person.address(channel)
            if item is None and channel in phone_channels and person.phone and person.phone_proof:
                item = Address(channel=channel, address=sms_address(person.phone),
                               proof=person.phone_proof, added_at=self.clock.now())  # fmt: skip
            if item is not None:
                candidates.append(item)
        return await self.usable(candidates)

    async def usable(self, addresses: Sequence[A]) -> list[A]:
        """The addresses neither opted out nor unreachable, in the order given."""
        if not addresses:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for item in addresses:
                pipe.sismember(OPTOUT_KEY, address_key(item.channel, item.address))
                pipe.sismember(UNREACHABLE_KEY, address_key(item.channel, item.address))
            flags = await pipe.execute()
        return [a for i, a in enumerate(addresses) if not flags[2 * i] and not flags[2 * i + 1]]

    # --- application notices an address follows (Telegram deep links) -------------------

    async def own_reference(self, person: Person, reference: str) -> None:
        """An application (its reference) belongs to this person: DOST's back office says so."""
        await self.redis.sadd(f"{PREFIX}references:{person.id}", reference)

    async def owns_reference(self, person: Person, reference: str) -> bool:
        return bool(await self.redis.sismember(f"{PREFIX}references:{person.id}", reference))

    async def follow_own(self, channel: str, address: str, reference: str) -> bool:
        """Follow an application's notices on this address only when the address belongs to a
        proven person and the application to that person (a link alone proves nothing)."""
        person = await self.by_address(channel, address)
        if person is None or not await self.owns_reference(person, reference):
            return False
        await self.follow(channel, address, reference)
        return True

    async def follow(self, channel: str, address: str, reference: str) -> None:
        async with together(self.redis) as pipe:
            pipe.sadd(f"{PREFIX}follows:{address_key(channel, address)}", reference)
            pipe.sadd(f"{PREFIX}followers:{reference}", address_key(channel, address))
            await pipe.execute()

    async def follows(self, channel: str, address: str) -> set[str]:
        return set(await self.redis.smembers(f"{PREFIX}follows:{address_key(channel, address)}"))

    async def followers(self, reference: str) -> list[tuple[str, str]]:
        """(channel, address) of everyone following an application."""
        members = await self.redis.smembers(f"{PREFIX}followers:{reference}")
        return sorted(tuple(m.split(":", 1)) for m in members)  # type: ignore[misc]

    async def unfollow_all(self, channel: str, address: str) -> set[str]:
        """Stop following every application; returns what was followed."""
        key = address_key(channel, address)
        references = await self.follows(channel, address)
        async with together(self.redis) as pipe:
            for reference in references:
                pipe.srem(f"{PREFIX}followers:{reference}", key)
            pipe.delete(f"{PREFIX}follows:{key}")
            await pipe.execute()
        return references
