"""Proving a phone number on a channel that cannot (the web chat): a one-time code by SMS.

Six digits, valid five minutes, five tries; only a salted hash of the code is stored, and the
code proves the number to the one conversation that asked for it. Codes are rate limited per
number (a stranger cannot flood someone's phone) and per requesting address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.catalog import t
from bot.ratelimit import RateLimit, hit_rate_limits

if TYPE_CHECKING:
    import redis.asyncio as aioredis

PREFIX = "dost:verify:"
CODE_DIGITS = 6
CODE_TTL_SECONDS = 5 * 60
MAX_TRIES = 5
PER_NUMBER = (3, 3600)  # codes a number may receive per hour
PER_ADDRESS = (10, 3600)  # codes one client address may ask for per hour

SendSms = Callable[[str, str], Awaitable[bool]]  # (E.164 number, text) -> accepted


class Started(StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"
    NOT_SENT = "not_sent"  # the SMS provider refused or is not configured


class Checked(StrEnum):
    PROVEN = "proven"
    WRONG = "wrong"
    NO_CODE = "no_code"  # none asked, expired, or used up


@dataclass(frozen=True)
class CheckResult:
    outcome: Checked
    phone: str | None = None
    tries_left: int = 0


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


class PhoneVerification:
    def __init__(self, redis: aioredis.Redis, send_sms: SendSms) -> None:
        self.redis = redis
        self.send_sms = send_sms

    @staticmethod
    def _key(conversation: str) -> str:
        return PREFIX + conversation

    async def start(self, conversation: str, phone: str, requester: str) -> Started:
        """Send a new code to `phone` for `conversation`; `requester` is the client's address."""
        wait = await hit_rate_limits(
            self.redis,
            [
                RateLimit(f"{PREFIX}rate:number:{phone}", *PER_NUMBER),
                RateLimit(f"{PREFIX}rate:address:{requester}", *PER_ADDRESS),
            ],
            fail_open=False,
        )
        if wait is not None:
            return Started.RATE_LIMITED
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(8)
        key = self._key(conversation)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"phone": phone, "salt": salt, "digest": _digest(salt, code),
                                    "tries": 0})  # fmt: skip
            pipe.expire(key, CODE_TTL_SECONDS)
            await pipe.execute()
        if not await self.send_sms(phone, t("verify.sms", code=code)):
            await self.redis.delete(key)
            return Started.NOT_SENT
        return Started.SENT

    async def pending_phone(self, conversation: str) -> str | None:
        return await self.redis.hget(self._key(conversation), "phone")

    async def check(self, conversation: str, code: str) -> CheckResult:
        key = self._key(conversation)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "tries", 1)
            pipe.hgetall(key)
            tries, stored = await pipe.execute()
        if not stored.get("digest"):
            await self.redis.delete(key)  # HINCRBY made a stray hash without a code
            return CheckResult(Checked.NO_CODE)
        if hmac.compare_digest(stored["digest"], _digest(stored["salt"], code.strip())):
            await self.redis.delete(key)
            return CheckResult(Checked.PROVEN, phone=stored["phone"])
        left = MAX_TRIES - int(tries)
        if left <= 0:
            await self.redis.delete(key)
            return CheckResult(Checked.NO_CODE)
        return CheckResult(Checked.WRONG, tries_left=left)

    async def cancel(self, conversation: str) -> None:
        await self.redis.delete(self._key(conversation))
