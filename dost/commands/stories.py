"""`dost test stories FILE...`: run conversation stories against the real engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import get_settings
from bot.logs import configure_logging
from bot.redis_conn import connect, redis_for


def run(files: list[str]) -> int:
    settings = get_settings()
    configure_logging("WARNING")  # logs go to stderr; the conversation owns stdout
    with redis_for(settings) as url:
        return asyncio.run(_run(url, [Path(f) for f in files]))


async def _run(url: str, files: list[Path]) -> int:
    from bot.engine import build_engine
    from bot.stories import load_stories, run_story

    settings = get_settings()
    redis = connect(url)
    engine = build_engine(redis, settings.cache_dir, settings.conversation_ttl_seconds)
    failed = total = 0
    try:
        for path in files:
            for story in load_stories(path):
                total += 1
                result = await run_story(engine, story)
                print(f"{'PASS' if result.passed else 'FAIL'}  {path.name}: {result.name}")
                for failure in result.failures:
                    print(f"      {failure}")
                failed += not result.passed
    finally:
        await redis.aclose()
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0
