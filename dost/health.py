"""/healthz and /metrics: is Redis there, is the job worker running (restarts, last error), how
many jobs wait in its queue.

/healthz answers 503 while Redis is unreachable (nothing works without it: take this process
out of rotation) and 200 otherwise; its body says what is degraded (a worker restarting after
an outage: jobs wait, nothing is lost). /metrics is Prometheus's text format.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from redis.exceptions import RedisError

from bot.jobs_keys import QUEUE
from bot.worker_supervisor import WorkerSupervisor
from dost.auth import require_api_key

HEALTH_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Health:
    redis: bool
    queued: int | None  # None: Redis did not answer
    worker: WorkerSupervisor | None  # None: the worker runs in its own process (dost worker)

    @property
    def ok(self) -> bool:
        return self.redis and (self.worker is None or self.worker.state.alive)

    def as_json(self) -> dict:
        worker: dict = {"status": "external"}
        if self.worker is not None:
            state = self.worker.state
            worker = {"status": state.status, "restarts": state.restarts,
                      "last_error": state.last_error}  # fmt: skip
        return {
            "status": "ok" if self.ok else "degraded",
            "redis": "ok" if self.redis else "unreachable",
            "worker": worker,
            "queued_jobs": self.queued,
        }


async def queued_jobs(redis) -> int:
    """Jobs waiting in the worker's queue (due or deferred), read with the stores' client: one
    key, so a cluster client finds its node."""
    return int(await redis.zcard(QUEUE))


async def check(request: Request) -> Health:
    redis = request.app.state.redis
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            queued = await queued_jobs(redis)
    except (RedisError, OSError, TimeoutError):
        return Health(False, None, request.app.state.worker)
    return Health(True, queued, request.app.state.worker)


async def warn_if_evicting(redis, log) -> None:
    """An external Redis whose policy may evict keys would, under memory pressure, silently drop
    bookings or queued jobs (they have TTLs or none): say so once at start."""
    try:
        policy = (await redis.config_get("maxmemory-policy")).get("maxmemory-policy", "")
    except (RedisError, OSError):
        return  # unreachable, or CONFIG disabled (a managed Redis): nothing to tell
    if policy != "noeviction":
        log.warning("redis may evict bookings and queued jobs: set maxmemory-policy noeviction",
                    policy=policy)  # fmt: skip


async def _memory(redis) -> tuple[int, int] | None:
    try:
        info = await redis.info("memory")
    except (RedisError, OSError):
        return None
    return int(info.get("used_memory", 0)), int(info.get("maxmemory", 0))


class _Snapshot:
    """One scrape's values as Prometheus metrics (a registry per scrape: several apps may live
    in one process, as in the tests)."""

    def __init__(self, health: Health, memory: tuple[int, int] | None) -> None:
        self.health = health
        self.memory = memory

    def collect(self) -> Iterator[Metric]:
        h = self.health
        yield GaugeMetricFamily("dost_redis_up", "Redis answers (1) or not (0)", value=int(h.redis))
        if h.queued is not None:
            yield GaugeMetricFamily("dost_job_queue_depth", "jobs waiting in the worker's queue",
                                    value=h.queued)  # fmt: skip
        if self.memory is not None:
            used, cap = self.memory
            yield GaugeMetricFamily("dost_redis_used_memory_bytes", "Redis used_memory", value=used)
            yield GaugeMetricFamily("dost_redis_maxmemory_bytes", "Redis maxmemory (0: no cap)",
                                    value=cap)  # fmt: skip
        if h.worker is not None:
            state = h.worker.state
            yield GaugeMetricFamily("dost_worker_up", "the in-process job worker is running",
                                    value=int(state.alive))  # fmt: skip
            yield CounterMetricFamily("dost_worker_restarts", "restarts of the job worker",
                                      value=state.restarts)  # fmt: skip


def health_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        health = await check(request)
        return JSONResponse(health.as_json(), status_code=200 if health.redis else 503)

    # The figures are for DOST's monitoring, not the public: a scrape sends an API key
    # (Prometheus: `authorization: {credentials: <key>}`). With Redis away no key can be
    # checked, so the scrape fails — which a monitor reads as the outage.
    @router.get("/metrics", dependencies=[Depends(require_api_key)])
    async def metrics(request: Request) -> Response:
        registry = CollectorRegistry(auto_describe=False)
        health = await check(request)
        memory = await _memory(request.app.state.redis) if health.redis else None
        registry.register(_Snapshot(health, memory))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
