"""Live streams to open pages (the web chat now, the operator console later) over Redis pub/sub,
so any web process can serve a page and any process — a job worker, an operator's request —
can reach it.

A stream is named by its owner ("web:<conversation id>"); an event is a JSON object. Nothing is
stored: `publish` says how many open pages received the event, and 0 means nobody saw it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis.asyncio as aioredis

PREFIX = "dost:push:"


def _channel(stream: str) -> str:
    return PREFIX + stream


class Subscription:
    def __init__(self, pubsub: Any) -> None:
        self._pubsub = pubsub

    async def aclose(self) -> None:
        await self._pubsub.unsubscribe()
        await self._pubsub.aclose()

    async def next(self, timeout: float | None = None) -> dict | None:
        """The next event, or None when none came within `timeout` seconds (None: wait)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if message is not None and message.get("type") == "message":
                return json.loads(message["data"])
            if deadline is not None and loop.time() >= deadline:
                return None


class Push:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def publish(self, stream: str, event: dict) -> int:
        """Send `event` to every open subscriber of `stream`; how many received it."""
        data = json.dumps(event, ensure_ascii=False)
        return int(await self.redis.publish(_channel(stream), data))

    async def listeners(self, stream: str) -> int:
        """How many subscribers `stream` has right now (across every process)."""
        [(_, count)] = await self.redis.pubsub_numsub(_channel(stream))
        return int(count)

    async def open(self, stream: str, *more: str) -> Subscription:
        """Subscribed on return: every event published from then on (on any of the streams)
        is received. The caller closes it (`aclose`)."""
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(*(_channel(s) for s in (stream, *more)))
        return Subscription(pubsub)

    @asynccontextmanager
    async def subscribe(self, stream: str) -> AsyncIterator[Subscription]:
        subscription = await self.open(stream)
        try:
            yield subscription
        finally:
            await subscription.aclose()
