"""Console sessions: a random token in an HttpOnly cookie, stored only as its SHA-256 hash, with
the operator's name, role and the CSRF token the console page carries; idle sessions expire.
Login attempts are rate-limited per name and per address.

  dost:{op}:session:<sha256(token)>   JSON {"name", "role", "csrf"} (sliding expiry)
  dost:{op}:login:<name|address>      fixed-window attempt counters (bot.ratelimit)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.operators.accounts import PREFIX, Account, Role
from bot.ratelimit import RateLimit, hit_rate_limits

if TYPE_CHECKING:
    import redis.asyncio as aioredis

IDLE_SECONDS = 8 * 3600  # a working day without activity ends the session
LOGIN_WINDOW_SECONDS = 15 * 60
LOGINS_PER_NAME = 5  # attempts per name in the window
LOGINS_PER_ADDRESS = 20  # attempts from one address in the window


@dataclass(frozen=True)
class Session:
    name: str
    role: Role
    csrf: str

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token or "")


def _key(token: str) -> str:
    return f"{PREFIX}session:{hashlib.sha256(token.encode()).hexdigest()}"


class Sessions:
    def __init__(self, redis: aioredis.Redis, idle_seconds: int = IDLE_SECONDS) -> None:
        self.redis = redis
        self.idle_seconds = idle_seconds

    async def login_allowed(self, name: str, address: str) -> int | None:
        """Count one login attempt; the seconds to wait when too many, else None. Fails
        closed: without Redis nobody logs in anyway."""
        limits = [
            RateLimit(f"{PREFIX}login:name:{name[:64]}", LOGINS_PER_NAME, LOGIN_WINDOW_SECONDS),
            RateLimit(f"{PREFIX}login:addr:{address}", LOGINS_PER_ADDRESS, LOGIN_WINDOW_SECONDS),
        ]
        return await hit_rate_limits(self.redis, limits, fail_open=False)

    async def create(self, account: Account) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(account.name, account.role, secrets.token_urlsafe(32))
        value = {"name": session.name, "role": str(session.role), "csrf": session.csrf}
        await self.redis.set(_key(token), json.dumps(value), ex=self.idle_seconds)
        return token, session

    async def get(self, token: str | None) -> Session | None:
        """The session of a cookie's token (its idle time starts again), else None."""
        if not token or len(token) > 128:
            return None
        raw = await self.redis.getex(_key(token), ex=self.idle_seconds)
        if raw is None:
            return None
        data = json.loads(raw)
        return Session(data["name"], Role(data["role"]), data["csrf"])

    async def end(self, token: str | None) -> None:
        if token:
            await self.redis.delete(_key(token))
