"""The names of the Telegram channel's records, kept by the core's channel state under the "tg"
namespace. (The rate limiter names its own keys, in ratelimit.py.)"""

from __future__ import annotations

NAMESPACE = "tg"


def update_seen(update_id: int) -> str:
    return f"update:{update_id}"


def keyboards(chat_id: int) -> str:
    return f"keyboards:{chat_id}"


def reply_keyboard(chat_id: int) -> str:
    return f"reply-keyboard:{chat_id}"


def updatable(chat_id: int, key: str) -> str:
    """The message a later one with the same update key edits (a place in the queue)."""
    return f"updatable:{chat_id}:{key}"


def callback(token: str) -> str:
    return f"cb:{token}"


WEBHOOK_SECRET = "webhook-secret"
