"""The ASGI application factory: the composition root that wires channels onto the core."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bot.clock import SYSTEM_CLOCK, Clock
from bot.config import Settings, get_settings
from bot.embedded_redis import EmbeddedRedis
from bot.engine import build_engine
from bot.jobs_redis import arq_pool
from bot.logs import get_logger
from bot.notices.ack import Acknowledgements
from bot.notices.intake import Intake
from bot.notices.policy import NoticeConfig
from bot.operators.desk import build_desk
from bot.operators.timers import run_expiry
from bot.people import People
from bot.redis_conn import connect
from bot.reminders import Reminders
from bot.worker import build_worker
from bot.worker_supervisor import WorkerSupervisor
from channels.operator import operator_router
from channels.telegram.webhook import telegram_router
from channels.twilio import build_bridge, twilio_router
from channels.web import web_chat_router
from channels.web_push import web_push_router
from dost import api_events, api_v1
from dost.api_events import IMPORT_PATH
from dost.edge import BodyLimit, SecurityHeaders
from dost.errors import install_error_handlers
from dost.health import health_router, warn_if_evicting
from dost.senders import sender_channels, senders_factory
from dost.sms import build_send_sms
from knowledge.centers import default_centers


def create_app(settings: Settings | None = None, clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    """The whole service; `clock` is the one time its engine, bookings, reminders and worker
    read (tests hand it a frozen one so a test never depends on the hour it runs at)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from dost.interop import configured_nlu, resume_rasa_on_close

        embedded: EmbeddedRedis | None = None
        url = settings.redis_url
        if not url:
            # Started without `dost serve` (e.g. `uvicorn --factory`): own an embedded server.
            embedded = EmbeddedRedis(settings.redis_dir, settings.redis_maxmemory)
            url = embedded.start()
        app.state.redis = connect(url, cluster=settings.redis_cluster)
        await warn_if_evicting(app.state.redis, get_logger("dost.redis"))
        app.state.arq = arq_pool(url, cluster=settings.redis_cluster)
        notices = NoticeConfig.from_settings(settings)
        reminders = Reminders(
            app.state.arq, settings.reminder_offsets, clock,
            people=People(app.state.redis, clock), channels=sender_channels(settings),
        )  # fmt: skip
        # Live operators: the desk behind the console, writing to citizens on their own
        # channel through the delivery senders.
        line_senders = senders_factory(settings)(app.state.redis)
        app.state.desk = build_desk(app.state.redis, settings, clock, line_senders)
        bridge = build_bridge(settings)  # an operator who takes a call is put through
        if bridge is not None:
            app.state.desk.calls = bridge
        # Trains the NLU model on first start (a few seconds), then loads it from the cache.
        app.state.engine = build_engine(
            app.state.redis, settings.cache_dir, settings.conversation_ttl_seconds, reminders,
            clock, send_sms=build_send_sms(settings), desk=app.state.desk,
            nlu=configured_nlu(settings),  # NLU_BACKEND: built-in, or Rasa in front of it
            acknowledgements=Acknowledgements(app.state.redis, app.state.arq, clock),
            unproven_transcript_ttl=settings.unproven_transcript_ttl_seconds,
        )  # fmt: skip
        app.state.service_names = {sid: f.name for sid, f in app.state.engine.flows.items()}
        resume_rasa_on_close(app.state.desk, settings)  # a chat Rasa handed over goes back
        timers = asyncio.create_task(run_expiry(app.state.desk))
        supervisor = None
        if settings.inprocess_worker:
            # Supervised: a Redis outage stops arq's worker; a fresh one takes over after it.
            supervisor = WorkerSupervisor(lambda: build_worker(
                url, clock=clock, senders=senders_factory(settings), handle_signals=False,
                notices=notices, cluster=settings.redis_cluster,
            ))  # fmt: skip
            worker_task = asyncio.create_task(supervisor.run())
        app.state.worker = supervisor
        app.state.bookings = app.state.engine.bookings
        app.state.centers = default_centers()
        services = {pid: p.display_name for pid, p in app.state.engine.passports.items()}
        app.state.intake = Intake(app.state.redis, app.state.arq, services, notices, clock)
        try:
            yield
        finally:
            timers.cancel()
            await line_senders.aclose()
            if supervisor is not None:
                worker_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker_task
            await app.state.arq.aclose()
            await app.state.redis.aclose()
            if embedded is not None:
                embedded.stop()

    # The interactive docs load scripts from a CDN and map the whole surface: only on request.
    docs = settings.api_docs
    app = FastAPI(
        title="DOST Assistant", version="0.1.0", lifespan=lifespan,
        docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )  # fmt: skip
    app.state.settings = settings
    install_error_handlers(app)
    _install_edge(app, settings)

    # /healthz and /metrics: Redis, the job worker and its queue.
    app.include_router(health_router())

    # The web chat: the page at / and POST /api/v1/chat (engine and Redis come from the lifespan).
    app.include_router(
        web_chat_router(
            engine_getter=lambda request: request.app.state.engine,
            redis_getter=lambda request: request.app.state.redis,
        )
    )

    # Messages the web chat gets without asking (SSE) and its setting for them.
    app.include_router(web_push_router(redis_getter=lambda request: request.app.state.redis))

    # Twilio: voice IVR and SMS/WhatsApp webhooks (off without Twilio credentials), the audio
    # prompts at /audio and the IVR simulator at /simulator/ivr.
    app.include_router(
        twilio_router(
            settings,
            engine_getter=lambda request: request.app.state.engine,
            redis_getter=lambda request: request.app.state.redis,
            acknowledgements_getter=lambda request: request.app.state.engine.acknowledgements,
        )
    )
    app.include_router(api_v1.router)
    app.include_router(api_events.router)
    # The operator console at /operator (pages, JSON API, WebSocket; all behind login).
    app.include_router(
        operator_router(
            desk_getter=lambda connection: connection.app.state.desk,
            service_names=lambda connection: connection.app.state.service_names,
        )
    )
    # Telegram: POST /webhooks/telegram (off, with one log line, without TELEGRAM_BOT_TOKEN).
    app.include_router(telegram_router(settings))
    return app


def _install_edge(app: FastAPI, settings: Settings) -> None:
    """Outermost first: security headers on every answer (a 413 too), then the body cap, then
    the client's address from a trusted proxy's X-Forwarded-For (off unless configured; the
    per-address rate limits then count the proxy's resolved client)."""
    if settings.forwarded_allow_ips:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    app.add_middleware(
        BodyLimit, default=settings.max_body_bytes, caps={IMPORT_PATH: settings.max_upload_bytes}
    )
    app.add_middleware(SecurityHeaders)
