"""`dost telegram poll | set-webhook [URL] | delete-webhook`.

- `poll`: the Telegram channel in polling mode, for development (no public URL needed). It
  removes a registered webhook first (Telegram serves one or the other).
- `set-webhook [URL]`: register URL (default: PUBLIC_BASE_URL + /webhooks/telegram) with a
  secret token — TELEGRAM_WEBHOOK_SECRET, or one generated now and kept in Redis, where
  `dost serve` finds it — and set the bot's command menu.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
from urllib.parse import urlsplit

from bot.config import Settings, get_settings
from bot.logs import configure_logging, get_logger
from bot.redis_conn import connect, redis_for

log = get_logger("dost.telegram")


def _need_token(settings: Settings) -> bool:
    if settings.telegram_bot_token:
        return True
    print("TELEGRAM_BOT_TOKEN is not set: the Telegram channel is off.", file=sys.stderr)
    return False


def webhook_url(url: str | None, settings: Settings) -> str | None:
    """The URL to register: as given, with /webhooks/telegram added to a bare base URL."""
    from channels.telegram.webhook import WEBHOOK_PATH

    base = url or settings.public_base_url
    if not base:
        return None
    if urlsplit(base).path in ("", "/"):
        return base.rstrip("/") + WEBHOOK_PATH
    return base


def poll() -> int:
    settings = get_settings()
    if not _need_token(settings):
        return 2
    configure_logging(settings.log_level)
    with redis_for(settings) as url, contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_poll(url, settings))
    return 0


async def _poll(url: str, settings: Settings) -> None:
    from bot.engine import build_engine
    from bot.jobs_redis import arq_pool
    from bot.notices.ack import Acknowledgements
    from bot.notices.policy import NoticeConfig
    from bot.people import People
    from bot.reminders import Reminders
    from bot.worker import build_worker
    from channels.telegram.channel import ALLOWED_UPDATES, TelegramChannel
    from dost.interop import configured_nlu
    from dost.senders import sender_channels, senders_factory
    from dost.sms import build_send_sms

    redis = connect(url, cluster=settings.redis_cluster)
    arq = arq_pool(url, cluster=settings.redis_cluster)
    reminders = Reminders(
        arq, settings.reminder_offsets, people=People(redis), channels=sender_channels(settings)
    )
    engine = build_engine(redis, settings.cache_dir, settings.conversation_ttl_seconds, reminders,
                          send_sms=build_send_sms(settings),
                          acknowledgements=Acknowledgements(redis, arq),
                          nlu=configured_nlu(settings))  # fmt: skip
    channel = TelegramChannel.from_settings(settings, engine, redis)
    worker = (
        build_worker(
            url,
            senders=senders_factory(settings),
            handle_signals=False,
            notices=NoticeConfig.from_settings(settings),
            cluster=settings.redis_cluster,
        )
        if settings.inprocess_worker
        else None
    )
    worker_task = asyncio.create_task(worker.async_run()) if worker else None

    async def first_time_only(handler, update, data):  # getUpdates may repeat after a crash
        if await channel.state.first_update(update.update_id):
            return await handler(update, data)
        return None

    channel.dispatcher.update.outer_middleware(first_time_only)
    try:
        await channel.bot.delete_webhook(drop_pending_updates=False)
        log.info("telegram channel on", mode="polling")
        # One update at a time: the order of a chat's messages is kept.
        await channel.dispatcher.start_polling(
            channel.bot, allowed_updates=ALLOWED_UPDATES, handle_as_tasks=False
        )
    finally:
        if worker is not None and worker_task is not None:
            worker_task.cancel()
            await worker.close()
        await channel.close()
        await arq.aclose()
        await redis.aclose()


def set_webhook(url: str | None, drop_pending: bool) -> int:
    settings = get_settings()
    if not _need_token(settings):
        return 2
    target = webhook_url(url, settings)
    if target is None:
        print("Give the URL, or set PUBLIC_BASE_URL.", file=sys.stderr)
        return 2
    if not target.startswith("https://") and not settings.telegram_api_base:
        print("Telegram calls only https:// webhooks.", file=sys.stderr)
        return 2
    with redis_for(settings) as redis_url:
        return asyncio.run(_set_webhook(target, drop_pending, settings, redis_url))


async def _set_webhook(url: str, drop_pending: bool, settings: Settings, redis_url: str) -> int:
    from aiogram.types import BotCommand

    from channels.telegram.channel import ALLOWED_UPDATES, make_bot
    from channels.telegram.chat_state import ChatState
    from channels.telegram.texts import command_descriptions

    secret = settings.telegram_webhook_secret
    generated = secret is None
    if generated:
        secret = secrets.token_urlsafe(32)  # Telegram allows A-Z a-z 0-9 _ -
    bot = make_bot(settings)
    redis = connect(redis_url)
    try:
        if generated:
            # Stored before Telegram learns it, so `dost serve` never refuses a real update.
            await ChatState(redis).set_webhook_secret(secret)
        await bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending,
        )
        await bot.set_my_commands(
            [BotCommand(command=c, description=d) for c, d in command_descriptions().items()]
        )
    finally:
        await bot.session.close()
        await redis.aclose()
    origin = "generated and stored in Redis" if generated else "TELEGRAM_WEBHOOK_SECRET"
    print(f"Webhook set: {url} (secret token: {origin}).")
    return 0


def delete_webhook() -> int:
    settings = get_settings()
    if not _need_token(settings):
        return 2

    async def run() -> None:
        from channels.telegram.channel import make_bot

        bot = make_bot(settings)
        try:
            await bot.delete_webhook(drop_pending_updates=False)
        finally:
            await bot.session.close()

    asyncio.run(run())
    print("Webhook removed.")
    return 0
