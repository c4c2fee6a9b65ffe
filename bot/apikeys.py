"""API keys for the back-office API: shown once at creation, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC
from typing import TYPE_CHECKING

from bot.clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    import redis.asyncio as aioredis

KEYS = "dost:apikeys"  # hash: sha256(key) → {"name", "created"}
PREFIX = "dost_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(redis: aioredis.Redis, name: str, clock: Clock = SYSTEM_CLOCK) -> str:
    key = PREFIX + secrets.token_urlsafe(32)
    record = {"name": name, "created": clock.now().astimezone(UTC).isoformat()}
    await redis.hset(KEYS, _digest(key), json.dumps(record, ensure_ascii=False))
    return key


async def key_name(redis: aioredis.Redis, key: str) -> str | None:
    """The name of a valid key, else None. A random key is compared by its hash, so timing
    says nothing about stored keys; the final compare is constant-time anyway."""
    digest = _digest(key)
    raw = await redis.hget(KEYS, digest)
    if raw is None or not hmac.compare_digest(digest, _digest(key)):
        return None
    return json.loads(raw)["name"]


async def revoke(redis: aioredis.Redis, name: str) -> int:
    removed = 0
    for digest, raw in (await redis.hgetall(KEYS)).items():
        if json.loads(raw)["name"] == name:
            removed += await redis.hdel(KEYS, digest)
    return removed
