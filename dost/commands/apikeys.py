"""`dost apikeys create --name N [--kind live|test] [--callback-url URL] [--rate N]`: print a new
key once (only its hash is stored); with a callback URL, also the secret its status callbacks
are signed with."""

from __future__ import annotations

import asyncio

from bot.config import get_settings
from bot.redis_conn import connect, redis_for


def create(
    name: str, kind: str = "live", callback_url: str | None = None, rate: int | None = None
) -> int:
    settings = get_settings()
    with redis_for(settings) as url:
        created = asyncio.run(_create(url, name, kind, callback_url, rate))
    print(created.key)
    if created.callback_secret:
        print(f"callback secret: {created.callback_secret}")
    return 0


async def _create(url: str, name: str, kind: str, callback_url: str | None, rate: int | None):
    from bot import apikeys

    redis = connect(url)
    try:
        return await apikeys.create(
            redis, name, kind=kind, callback_url=callback_url, rate_per_minute=rate
        )
    finally:
        await redis.aclose()
