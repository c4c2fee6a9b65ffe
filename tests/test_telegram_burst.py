"""Proactive sending within Telegram's limits: 1,000 notices to 200 chats (5 each) through the
Redis rate limiter, against an emulator that answers 429 as soon as more than N messages arrive
in any second overall or two arrive in one chat less than 1/M s apart.

Two senders with their own Redis connections and HTTP sessions (as two processes would be)
share the work: the budget is Redis's, not a process's. Each chat's messages arrive in the order
they were sent. The acceptance run uses Telegram's own
limits, 30/s and 1/s per chat (about 35 s, marked `slow`, still run in CI); a quick run with both
sides scaled ×10 runs everywhere.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.config import Settings
from bot.delivery import Outcome
from bot.messages import Outbound
from bot.redis_conn import connect
from channels.telegram.channel import TelegramChannel, make_bot
from tests.telegram_emulator import BotAPIEmulator

CHATS = 200
PER_CHAT = 5


slow = pytest.mark.slow  # registered in pyproject.toml; CI runs it


class NoEngine:
    async def handle(self, inbound):  # proactive sending only
        return []


async def burst(
    redis_url: str,
    global_rate: float,
    chat_rate: float,
    chats: int = CHATS,
    per_chat: int = PER_CHAT,
    mix: bool = False,
    paced_at: float | None = None,
) -> tuple[dict, float]:
    """Send chats × per_chat notices through two senders — each chat through one of them, or
    through both with `mix` — and return the emulator's figures and the seconds taken. The
    senders pace each chat at `paced_at` messages a second (default: the emulator's limit)."""
    with BotAPIEmulator(global_limit=int(global_rate), chat_interval=1 / chat_rate) as emulator:
        settings = Settings(TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_API_BASE=emulator.base_url)
        clients = [connect(redis_url), connect(redis_url)]
        channels = [
            TelegramChannel(
                make_bot(settings),
                NoEngine(),
                client,
                global_rate=global_rate,
                chat_rate=paced_at or chat_rate,
            )
            for client in clients
        ]
        sends = [
            channels[(chat + n * mix) % 2].sender.send(1000 + chat, Outbound(text=f"Bildiriş {n}"))
            for n in range(per_chat)
            for chat in range(chats)
        ]
        started = time.monotonic()
        try:
            results = await asyncio.gather(*sends)
        finally:
            for channel in channels:
                await channel.close()
            for client in clients:
                await client.aclose()
        took = time.monotonic() - started
        assert all(r.outcome is Outcome.DELIVERED for r in results)
        figures = {
            "accepted": emulator.stats.sent,
            "rate_limited": emulator.stats.rate_limited,
            "max_in_1s": emulator.stats.max_in_window(1.0),
            "min_chat_gap": round(emulator.stats.min_chat_gap(), 3),
            "order_kept": all(
                [m["text"] for m in emulator.sent(1000 + chat)]
                == [f"Bildiriş {n}" for n in range(per_chat)]
                for chat in range(chats)
            ),
        }
    limits = f"{global_rate:g}/s, {chat_rate:g}/s per chat"
    print(f"\n{chats * per_chat} sends at {limits}: {took:.1f} s, {figures}")
    return figures, took


async def test_a_burst_within_scaled_limits(redis_url: str) -> None:
    figures, took = await burst(redis_url, global_rate=300, chat_rate=10)
    assert figures["rate_limited"] == 0 and figures["accepted"] == CHATS * PER_CHAT
    assert figures["max_in_1s"] <= 300 and figures["min_chat_gap"] >= 0.1
    assert figures["order_kept"]
    assert took >= (CHATS * PER_CHAT - 300) / 300  # the limiter did hold it back


async def test_one_chat_is_paced(redis_url: str) -> None:
    """Each chat's messages go through both senders: the chat's pace is shared too (their
    order is not: two processes sending to one chat at the same moment have none)."""
    # Paced at half the limit: two HTTP sessions may deliver a chat's messages out of step by
    # a busy machine's jitter (tens of ms), more than the pacer's 50 ms margin at 10/s.
    figures, took = await burst(
        redis_url, global_rate=300, chat_rate=10, chats=2, per_chat=12, mix=True, paced_at=5
    )
    assert figures["rate_limited"] == 0 and figures["accepted"] == 24
    assert figures["min_chat_gap"] >= 0.1
    assert took >= 2.2  # 12 messages in a chat: 11 gaps of 0.2 s at least


@slow
async def test_a_burst_of_1000_within_telegrams_limits(redis_url: str) -> None:
    figures, took = await burst(redis_url, global_rate=30, chat_rate=1)
    assert figures["rate_limited"] == 0 and figures["accepted"] == CHATS * PER_CHAT
    assert figures["max_in_1s"] <= 30 and figures["min_chat_gap"] >= 1.0
    assert figures["order_kept"]
    assert took >= (CHATS * PER_CHAT - 30) / 30
