"""The IVR simulator's per-browser sessions: whose simulated call a step drives.

A session is a simulated caller number (bot.simulated: +994 90…, never a subscriber's)
and the call in progress, if any. Both are chosen by the server and kept in a signed, HttpOnly,
SameSite=Strict cookie (itsdangerous), so a browser can neither pick a number nor name another
browser's call. The signing key is random, made once and kept in Redis, so every web worker
reads the same cookies; it has nothing to do with Twilio's auth token.

Each number is reserved in Redis for its session (owner = the session's random id) for longer
than any booking made with it lives, so no later session is ever given it again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.channel_state import ChannelState
from bot.simulated import is_simulated, new_number

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from fastapi import Request, Response

COOKIE = "dost_ivr_simulator"
COOKIE_PATH = "/simulator/ivr"
MAX_AGE_SECONDS = 12 * 3600  # a session idle this long is forgotten
NAMESPACE = "twilio:simulator"
KEY_NAME = "cookie-key"
NUMBER_PREFIX = "number:"
NUMBER_TTL_SECONDS = 60 * 24 * 3600  # outlives its bookings: days offered + 30 days' retention
SALT = "dost-ivr-simulator-session"


@dataclass(frozen=True)
class Session:
    id: str
    caller: str
    call_sid: str | None = None

    def with_call(self, call_sid: str | None) -> Session:
        return replace(self, call_sid=call_sid)


def new_call_sid() -> str:
    return "CA" + secrets.token_hex(16)


class Sessions:
    async def _serializer(self, redis: aioredis.Redis) -> URLSafeTimedSerializer:
        store = ChannelState(redis, NAMESPACE)
        key = await store.get(KEY_NAME)
        if key is None:
            await store.claim(KEY_NAME, secrets.token_hex(32))  # the first worker's wins
            key = await store.get(KEY_NAME)
        return URLSafeTimedSerializer(key, salt=SALT)

    async def load(self, request: Request, redis: aioredis.Redis) -> Session | None:
        """The cookie's session if its signature, age, shape and number reservation hold."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = (await self._serializer(redis)).loads(raw, max_age=MAX_AGE_SECONDS)
            session = Session(id=data["id"], caller=data["caller"], call_sid=data.get("call"))
        except (BadSignature, KeyError, TypeError):
            return None
        if not is_simulated(session.caller):
            return None
        store = ChannelState(redis, NAMESPACE)
        if await store.get(NUMBER_PREFIX + session.caller) != session.id:
            return None  # the reservation is gone: the number is no longer this session's
        await store.touch(NUMBER_PREFIX + session.caller, NUMBER_TTL_SECONDS)
        return session

    async def new(self, redis: aioredis.Redis) -> Session:
        session_id = secrets.token_urlsafe(24)
        for _ in range(20):  # 10**10 numbers: a clash is rare, twenty in a row never happens
            caller = new_number()
            store = ChannelState(redis, NAMESPACE)
            if await store.claim(NUMBER_PREFIX + caller, session_id, NUMBER_TTL_SECONDS):
                return Session(id=session_id, caller=caller)
        raise RuntimeError("no free simulated number")

    async def save(
        self, response: Response, request: Request, redis: aioredis.Redis, session: Session
    ) -> None:
        data = {"id": session.id, "caller": session.caller, "call": session.call_sid}
        value = (await self._serializer(redis)).dumps(data)
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE_SECONDS,
            path=request.scope.get("root_path", "") + COOKIE_PATH,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
