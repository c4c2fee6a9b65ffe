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


def phone_of_chat(chat_id: int) -> str:
    return f"{PREFIX}phone:{chat_id}"


def chat_of_phone(phone: str) -> str:
    return f"{PREFIX}chat:{phone}"


def subscriptions(chat_id: int) -> str:
    return f"{PREFIX}subscriptions:{chat_id}"


def subscribers(reference: str) -> str:
    return f"{PREFIX}subscribers:{reference}"


UNREACHABLE = f"{PREFIX}unreachable"
ACTIVE_CHATS = f"{PREFIX}active"
WEBHOOK_SECRET = f"{PREFIX}webhook-secret"
OUTBOX_SWEEP_LOCK = f"{PREFIX}outbox-sweep"

# The rate limiter's keys share one hash tag, so its script also runs on a Redis Cluster.
RATE_GLOBAL = f"{PREFIX}{{rate}}:global"


def rate_chat(chat_id: int) -> str:
    return f"{PREFIX}{{rate}}:chat:{chat_id}"
