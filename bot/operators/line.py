"""The citizen's line: a message an operator (or the hand-off desk) sends to a conversation goes
out at once on the conversation's own channel, through the delivery path's `Sender`s (web chat
over its push stream, Telegram, SMS, WhatsApp). A conversation with no address to write to later
(a phone call) has no line.
"""

from __future__ import annotations

from typing import Protocol

from bot.delivery import Outcome, Senders
from bot.logs import get_logger
from bot.messages import Outbound
from bot.people import conversation_address

log = get_logger("dost.operators")


class CitizenLine(Protocol):
    async def send(self, conversation_id: str, message: Outbound) -> bool:
        """True when the message reached the citizen's channel."""
        ...

    async def typing(self, conversation_id: str) -> None:
        """Show that someone is writing, where the channel can (Telegram)."""
        ...

    async def send_to(self, channel: str, address: str, message: Outbound) -> bool:
        """Another of the citizen's channels (an SMS to their proven number)."""
        ...


class NoLine:
    """No channel can be written to (tests of the queue alone, a CLI)."""

    async def send(self, conversation_id: str, message: Outbound) -> bool:
        return False

    async def typing(self, conversation_id: str) -> None:
        return None

    async def send_to(self, channel: str, address: str, message: Outbound) -> bool:
        return False


class SendersLine:
    def __init__(self, senders: Senders) -> None:
        self.senders = senders

    async def send(self, conversation_id: str, message: Outbound) -> bool:
        found = conversation_address(conversation_id)
        if found is None or self.senders.get(found[0]) is None:
            log.info("no line to the conversation", conversation=conversation_id)
            return False
        return await self.send_to(found[0], found[1], message)

    async def send_to(self, channel: str, address: str, message: Outbound) -> bool:
        sender = self.senders.get(channel)
        if sender is None:
            log.info("no sender for the channel", channel=channel)
            return False
        try:
            result = await sender.send(address, message)
        except Exception:
            log.exception("sending to the citizen failed", channel=channel)
            return False
        if result.outcome is not Outcome.DELIVERED:
            log.info("message to the citizen not delivered", channel=channel, error=result.error)
        return result.outcome is Outcome.DELIVERED

    async def typing(self, conversation_id: str) -> None:
        found = conversation_address(conversation_id)
        sender = self.senders.get(found[0]) if found else None
        show = getattr(sender, "show_typing", None)
        if found is not None and show is not None:
            try:
                await show(found[1])
            except Exception:
                log.info("typing not shown", conversation=conversation_id)
