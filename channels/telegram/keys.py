"""Every Redis key the Telegram channel owns: all under `dost:tg:`, nothing of the core's."""

from __future__ import annotations

PREFIX = "dost:tg:"


def update_seen(update_id: int) -> str:
    return f"{PREFIX}update:{update_id}"


def keyboards(chat_id: int) -> str:
    return f"{PREFIX}keyboards:{chat_id}"


def reply_keyboard(chat_id: int) -> str:
    return f"{PREFIX}reply-keyboard:{chat_id}"


def callback(token: str) -> str:
    return f"{PREFIX}cb:{token}"


WEBHOOK_SECRET = f"{PREFIX}webhook-secret"

# The rate limiter's keys share one hash tag, so its script also runs on a Redis Cluster.
RATE_GLOBAL = f"{PREFIX}{{rate}}:global"


def rate_chat(chat_id: int) -> str:
    return f"{PREFIX}{{rate}}:chat:{chat_id}"
