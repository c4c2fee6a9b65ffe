"""The citizen says "Aldım" (received) for a notice — by its button (Telegram, web chat), by
writing the word (any chat, SMS, WhatsApp) or by key 1 on the notice's phone call.

A notice counts as read only on the address it was delivered to and is waiting there; the
engine asks `on_inbound` first, so the word never reaches the NLU while a notice waits for it.
A call that nobody answered or heard to the end is `unheard`: not delivered; the next channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.catalog import t, words
from bot.clock import SYSTEM_CLOCK, Clock
from bot.delivery import Deliveries, Senders, delivery_status
from bot.logs import get_logger
from bot.messages import Inbound, Outbound
from bot.notices.callbacks import report
from bot.notices.records import Notifications
from bot.notices.schedule import schedule
from bot.notices.texts import ACK_PREFIX
from bot.people import conversation_address
from nlu.normalize import fold

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from arq.connections import ArqRedis

log = get_logger("dost.notices")


def is_ack_word(text: str) -> bool:
    said = fold(text).strip().strip(".!")
    return bool(said) and said in {fold(w) for w in words("notice.ack_words")}


class Acknowledgements:
    def __init__(self, redis: aioredis.Redis, arq: ArqRedis, clock: Clock = SYSTEM_CLOCK) -> None:
        self.redis = redis
        self.arq = arq
        self.clock = clock
        self.records = Notifications(redis, clock)

    async def on_inbound(self, inbound: Inbound) -> list[Outbound] | None:
        """The thanks when the message acknowledges a notice; None when it does not."""
        address = conversation_address(inbound.conversation_id)
        if address is None:
            return None
        if inbound.choice and inbound.choice.startswith(ACK_PREFIX):
            await self.read(inbound.choice.removeprefix(ACK_PREFIX), *address)
            return [thanks()]  # also for a button tapped twice: it was received either way
        if inbound.text and is_ack_word(inbound.text):
            waiting = await self.records.awaiting(*address)
            if not waiting:
                return None
            for notice_id in waiting:
                await self.read(notice_id, *address)
            return [thanks()]
        return None

    async def unheard(self, notice_id: str, reason: str) -> None:
        """A notice's call nobody answered or heard to the end: it was not delivered by phone;
        the notice goes on to its next channel, if any."""
        notification = await self.records.get(notice_id)
        if notification is None:
            return
        delivery = await delivery_status(self.redis, notification.delivery_key)
        deliveries = Deliveries(self.redis, Senders(), clock=self.clock)
        if not await deliveries.reopen(notification.delivery_key, "voice", reason, heard=False):
            return
        if delivery is not None and delivery.address:
            await self.records.forget_awaiting(notice_id, "voice", delivery.address)
        log.info("notice call not heard", notice=notice_id, reason=reason)
        phase = await self.records.next_phase(notice_id)
        await schedule(self.arq, self.clock, notice_id, phase, priority=notification.priority)
        await report(self.records, self.arq, notification)

    async def read(self, notice_id: str, channel: str, address: str) -> bool:
        """Mark the notice read if it waits on this address; its callbacks follow."""
        if not await self.records.mark_read(notice_id, channel, address):
            return False
        log.info("notice read", notice=notice_id, channel=channel)
        notification = await self.records.get(notice_id)
        if notification is not None:
            await report(self.records, self.arq, notification)
        return True


def thanks() -> Outbound:
    return Outbound(text=t("notice.ack_thanks"), intent="notice_ack")
