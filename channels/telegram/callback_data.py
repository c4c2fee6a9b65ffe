"""`callback_data` for inline buttons: Telegram allows 1-64 bytes. A choice id that fits (the
usual case: "t:fee", "bt:2026-11-23T10:00:00+04:00") travels as it is; a longer one travels as
"~" + a short token, and the token → id mapping waits in the core's channel state for the
conversation's lifetime."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

from bot.channel_state import ChannelState
from channels.telegram import keys

if TYPE_CHECKING:
    import redis.asyncio as aioredis

TELEGRAM_LIMIT_BYTES = 64
MAX_RAW_BYTES = 60  # kept a little under the limit
TOKEN_MARK = "~"


def _token(choice_id: str) -> str:
    digest = hashlib.sha256(choice_id.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode("ascii")  # 16 characters


class CallbackCodec:
    def __init__(self, redis: aioredis.Redis, ttl_seconds: int = 7 * 24 * 3600) -> None:
        self.store = ChannelState(redis, keys.NAMESPACE)
        self.ttl = ttl_seconds

    @staticmethod
    def fits(choice_id: str) -> bool:
        return 0 < len(choice_id.encode("utf-8")) <= MAX_RAW_BYTES and not choice_id.startswith(
            TOKEN_MARK
        )

    async def encode(self, choice_ids: list[str]) -> list[str]:
        """The callback_data of each choice id; long ones are stored under a token."""
        encoded, long_ids = [], {}
        for choice_id in choice_ids:
            if self.fits(choice_id):
                encoded.append(choice_id)
            else:
                token = _token(choice_id)
                long_ids[token] = choice_id
                encoded.append(TOKEN_MARK + token)
        if long_ids:
            ttl = self.ttl
            await self.store.write({keys.callback(t): (c, ttl) for t, c in long_ids.items()})
        return encoded

    async def decode(self, data: str | None) -> str | None:
        """The choice id behind a button's data; None when it is unknown (expired, forged)."""
        if not data:
            return None
        if not data.startswith(TOKEN_MARK):
            return data
        return await self.store.get(keys.callback(data[len(TOKEN_MARK) :]))
