"""Operator accounts: a name, a role (operator or supervisor), the skills whose queues they serve,
how many chats they hold at once, and an argon2 hash of the password (argon2-cffi). The password
itself is never stored.

Redis (every operator key shares the hash tag {op}, so the assignment scripts see one slot):
  dost:{op}:account:<name>   JSON of the account
  dost:{op}:accounts         SET of names
"""

from __future__ import annotations

import re
from datetime import UTC
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from bot.clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from argon2 import PasswordHasher

PREFIX = "dost:{op}:"
ACCOUNTS = PREFIX + "accounts"
ALL_SKILLS = "*"
DEFAULT_CAPACITY = 3
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD_CHARS = 10


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"


class Account(BaseModel):
    name: str
    role: Role
    skills: list[str] = Field(default_factory=lambda: [ALL_SKILLS])
    capacity: int = DEFAULT_CAPACITY
    phone: str | None = None  # where a call is dialled (a number or a SIP address)
    password_hash: str
    created_at: str

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR

    def serves(self, skill: str) -> bool:
        return ALL_SKILLS in self.skills or skill in self.skills


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # lazy: `dost --help` stays instant

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so a wrong name costs the same time."""
    return _hasher().hash("not a password of anyone")


def _key(name: str) -> str:
    return f"{PREFIX}account:{name}"


class Accounts:
    def __init__(self, redis: aioredis.Redis, clock: Clock = SYSTEM_CLOCK) -> None:
        self.redis = redis
        self.clock = clock

    async def add(
        self,
        name: str,
        password: str,
        role: Role | str,
        *,
        skills: list[str] | None = None,
        capacity: int = DEFAULT_CAPACITY,
        phone: str | None = None,
    ) -> Account:
        """Create the account, or replace its password, role, skills and capacity."""
        if not NAME_PATTERN.match(name):
            raise ValueError("a name is 2-32 lower-case letters, digits, '.', '_' or '-'")
        if len(password) < MIN_PASSWORD_CHARS:
            raise ValueError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
        if capacity < 1:
            raise ValueError("capacity is at least 1")
        account = Account(
            name=name,
            role=Role(role),
            skills=skills or [ALL_SKILLS],
            capacity=capacity,
            phone=phone,
            password_hash=_hasher().hash(password),
            created_at=self.clock.now().astimezone(UTC).isoformat(),
        )
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(_key(name), account.model_dump_json())
            pipe.sadd(ACCOUNTS, name)
            await pipe.execute()
        return account

    async def get(self, name: str) -> Account | None:
        raw = await self.redis.get(_key(name))
        return Account.model_validate_json(raw) if raw else None

    async def all(self) -> list[Account]:
        names = sorted(await self.redis.smembers(ACCOUNTS))
        if not names:
            return []
        raws = await self.redis.mget([_key(n) for n in names])
        return [Account.model_validate_json(r) for r in raws if r]

    async def any(self) -> bool:
        """Whether live operators exist at all (else "a person" is the 142 call center)."""
        return bool(await self.redis.scard(ACCOUNTS))

    async def verify(self, name: str, password: str) -> Account | None:
        """The account when the password is right, else None (same cost either way)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        account = await self.get(name) if NAME_PATTERN.match(name or "") else None
        try:
            _hasher().verify(account.password_hash if account else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if account is None:
            return None
        if _hasher().check_needs_rehash(account.password_hash):
            account.password_hash = _hasher().hash(password)
            await self.redis.set(_key(name), account.model_dump_json())
        return account

    async def remove(self, name: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(_key(name))
            pipe.srem(ACCOUNTS, name)
            deleted, _ = await pipe.execute()
        return bool(deleted)
