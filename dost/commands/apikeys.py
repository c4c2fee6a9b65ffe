"""`dost apikeys create --name N`: print a new key once; only its hash is stored."""

from __future__ import annotations

import asyncio
import contextlib

from bot.config import get_settings
from bot.redis_conn import EmbeddedRedis, connect


def create(name: str) -> int:
    settings = get_settings()
    with contextlib.ExitStack() as stack:
        url = settings.redis_url or stack.enter_context(EmbeddedRedis(settings.redis_dir))
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
