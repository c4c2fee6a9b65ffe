"""How the core sends an SMS of its own (one-time codes): Twilio when configured, else a demo
file in the data directory, so a newcomer's web chat can still prove a number."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.logs import get_logger

if TYPE_CHECKING:
    from bot.config import Settings

log = get_logger("dost.sms")
DEMO_FILE = "sms-demo.log"

SendSms = Callable[[str, str], Awaitable[bool]]


def demo_sms(data_dir: Path) -> SendSms:
    """Writes each SMS to DOST_DATA_DIR/sms-demo.log instead of a phone (demo set-ups only)."""
    path = data_dir / DEMO_FILE
    log.warning("Twilio SMS is not configured: SMS are written to the demo file instead",
                file=str(path))  # fmt: skip

    def write(phone: str, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{phone}\t{text}\n")

    async def send(phone: str, text: str) -> bool:
        await asyncio.to_thread(write, phone, text)
        return True

    return send


def build_send_sms(settings: Settings) -> SendSms:
    from channels.twilio import build_messenger

    messenger = build_messenger(settings)
    if messenger is None or not messenger.can_send("+994000000000"):
        return demo_sms(settings.data_dir)

    async def send(phone: str, text: str) -> bool:
        try:
            return bool(await messenger.send(phone, text))
        except Exception as exc:  # the provider's refusal is an answer, not a crash
            log.warning("SMS not sent", error=type(exc).__name__)
            return False

    return send
