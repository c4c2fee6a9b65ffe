"""API keys for the back-office API: shown once at creation, stored only as a SHA-256 hash.

A key has a kind: `live`, or `test` (its notices go nowhere outside: magic numbers produce each
outcome, see `bot.notices.testmode`). It may carry a callback URL for notification status
callbacks, signed with a secret that is shown once with the key (and kept, to sign with), and
its own limit of requests a minute.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Literal

from bot.clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    import redis.asyncio as aioredis

KEYS = "dost:apikeys"  # hash: sha256(key) → {"name", "created", "kind", ...}
PREFIX = "dost_"
TEST_PREFIX = "dost_test_"
KINDS = ("live", "test")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    digest: str  # the stored hash: names the key without revealing it
    name: str
    kind: Literal["live", "test"] = "live"
    callback_url: str | None = None
    callback_secret: str | None = None
    rate_per_minute: int | None = None  # None: the service's default

    @property
    def is_test(self) -> bool:
        return self.kind == "test"


@dataclass(frozen=True)
class Created:
    key: str
    callback_secret: str | None


async def create(
    redis: aioredis.Redis,
    name: str,
    clock: Clock = SYSTEM_CLOCK,
    *,
    kind: Literal["live", "test"] = "live",
    callback_url: str | None = None,
    rate_per_minute: int | None = None,
) -> Created:
    """A new key (and, with a callback URL, the secret its callbacks are signed with)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    key = (TEST_PREFIX if kind == "test" else PREFIX) + secrets.token_urlsafe(32)
    secret = secrets.token_urlsafe(32) if callback_url else None
    record = {"name": name, "created": clock.now().astimezone(UTC).isoformat(), "kind": kind,
              "callback_url": callback_url, "callback_secret": secret,
              "rate_per_minute": rate_per_minute}  # fmt: skip
    await redis.hset(KEYS, _digest(key), json.dumps(record, ensure_ascii=False))
    return Created(key, secret)


async def create_key(redis: aioredis.Redis, name: str, clock: Clock = SYSTEM_CLOCK) -> str:
    return (await create(redis, name, clock)).key


def _record(digest: str, raw: str) -> ApiKey:
    data = json.loads(raw)
    return ApiKey(
        digest=digest,
        name=data["name"],
        kind=data.get("kind") or "live",
        callback_url=data.get("callback_url"),
        callback_secret=data.get("callback_secret"),
        rate_per_minute=data.get("rate_per_minute"),
    )


async def lookup(redis: aioredis.Redis, key: str) -> ApiKey | None:
    """The record of a valid key, else None. A random key is compared by its hash, so timing
    says nothing about stored keys; the final compare is constant-time anyway."""
    digest = _digest(key)
    raw = await redis.hget(KEYS, digest)
    if raw is None or not hmac.compare_digest(digest, _digest(key)):
        return None
    return _record(digest, raw)


async def by_digest(redis: aioredis.Redis, digest: str) -> ApiKey | None:
    raw = await redis.hget(KEYS, digest)
    return _record(digest, raw) if raw is not None else None


async def by_name(redis: aioredis.Redis, name: str) -> ApiKey | None:
    """The newest key with this name."""
    best: tuple[str, ApiKey] | None = None
    for digest, raw in (await redis.hgetall(KEYS)).items():
        data = json.loads(raw)
        if data["name"] == name and (best is None or data["created"] > best[0]):
            best = (data["created"], _record(digest, raw))
    return best[1] if best else None


async def key_name(redis: aioredis.Redis, key: str) -> str | None:
    found = await lookup(redis, key)
    return found.name if found is not None else None


async def revoke(redis: aioredis.Redis, name: str) -> int:
    removed = 0
    for digest, raw in (await redis.hgetall(KEYS)).items():
        if json.loads(raw)["name"] == name:
            removed += await redis.hdel(KEYS, digest)
    return removed
