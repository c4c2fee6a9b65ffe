"""Idempotency keys for the back-office API: the same key with the same body gets the first
response again; with another body it is refused; keys are kept 7 days.

A request first claims its key with the body's fingerprint (one Lua script, so two concurrent
requests cannot both win). The winner does the work and stores its response; a request that
finds the key still being worked on waits a little for that response. A claim whose worker died
is released after a minute, so the client's retry can do the work (the work itself must be
idempotent for that case: notices derive their ids from the key).

Redis: dost:idem:{<owner>}:<key> hash {fingerprint, state: pending | done, status, body}.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis.asyncio as aioredis

KEEP_SECONDS = 7 * 24 * 3600
PENDING_SECONDS = 60

# KEYS[1] the record. ARGV: fingerprint, pending seconds.
_BEGIN = """
local found = redis.call('HGET', KEYS[1], 'fingerprint')
if not found then
  redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'state', 'pending')
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 'new'
end
if found ~= ARGV[1] then return 'mismatch' end
return redis.call('HGET', KEYS[1], 'state')
"""


class Claim(StrEnum):
    NEW = "new"  # do the work, then `finish`
    DONE = "done"  # answered before: `response` holds it
    MISMATCH = "mismatch"  # the key was used with another body
    PENDING = "pending"  # another request is doing the work right now


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    status: int | None = None
    body: Any = None


def fingerprint(body: Any) -> str:
    """The body's fingerprint: its JSON with sorted keys (spacing and key order do not count)."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyKeys:
    def __init__(self, redis: aioredis.Redis, *, wait_seconds: float = 5.0) -> None:
        self.redis = redis
        self.wait_seconds = wait_seconds
        self._begin = redis.register_script(_BEGIN)

    @staticmethod
    def _key(owner: str, key: str) -> str:
        return f"dost:idem:{{{owner}}}:{key}"

    async def begin(self, owner: str, key: str, print_: str) -> Outcome:
        """Claim `key` for a body with fingerprint `print_`; waits for a request that holds it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        while True:
            claim = Claim(await self._begin(keys=[self._key(owner, key)],
                                            args=[print_, PENDING_SECONDS]))  # fmt: skip
            if claim is Claim.DONE:
                record = await self.redis.hgetall(self._key(owner, key))
                return Outcome(claim, int(record["status"]), json.loads(record["body"]))
            if claim is not Claim.PENDING or loop.time() >= deadline:
                return Outcome(claim)
            await asyncio.sleep(0.05)

    async def finish(self, owner: str, key: str, status: int, body: Any) -> None:
        name = self._key(owner, key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(name, mapping={"state": "done", "status": status,
                                     "body": json.dumps(body, ensure_ascii=False)})  # fmt: skip
            pipe.expire(name, KEEP_SECONDS)
            await pipe.execute()

    async def abandon(self, owner: str, key: str) -> None:
        """The work failed: the key is free for a retry."""
        await self.redis.delete(self._key(owner, key))
