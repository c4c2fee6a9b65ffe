"""`dost apikeys create --name N`: print a new key once; only its hash is stored."""

from __future__ import annotations

import asyncio

from bot.config import get_settings
from bot.redis_conn import connect, redis_for


def create(name: str) -> int:
    settings = get_settings()
    with redis_for(settings) as url:
        key = asyncio.run(_create(url, name))
    print(key)
    return 0


async def _create(url: str, name: str) -> str:
    from bot.apikeys import create_key

    redis = connect(url)
    try:
        return await create_key(redis, name)
    finally:
        await redis.aclose()
