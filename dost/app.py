"""The ASGI application factory: the composition root that wires channels onto the core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from bot.config import Settings, get_settings
from bot.redis_conn import EmbeddedRedis, connect


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        embedded: EmbeddedRedis | None = None
        url = settings.redis_url
        if not url:
            # Started without `dost serve` (e.g. `uvicorn --factory`): own an embedded server.
            embedded = EmbeddedRedis(settings.redis_dir)
            url = embedded.start()
        app.state.redis = connect(url)
        try:
            yield
        finally:
            await app.state.redis.aclose()
            if embedded is not None:
                embedded.stop()

    app = FastAPI(title="DOST Assistant", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        from redis.exceptions import RedisError

        try:
            await app.state.redis.ping()
        except (RedisError, OSError):
            return JSONResponse({"status": "degraded", "redis": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "redis": "ok"})

    return app
