"""The engine: one channel-neutral entry point, `handle(Inbound) -> [Outbound]`.

Around each dialogue turn: duplicate detection (a retried webhook has no second effect), a
per-conversation lock (two quick messages are handled in order), state and transcript in Redis.
If Redis is unreachable even after the client's retries, the turn still runs on a blank state:
the person gets an answer, only the context of earlier turns is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from bot.booking.slots import SlotCalendar
from bot.booking.store import BookingStore
from bot.booking_flow import BookingDialogue
from bot.catalog import t
from bot.dialogue import Dialogue
from bot.flows.compiler import compile_flows
from bot.handoff import CallCenterHandoff, HandoffPoint
from bot.logs import get_logger
from bot.messages import Inbound, Outbound
from bot.reminders import Reminders, RemindingBookingStore
from bot.state import ConversationState, StateStore
from knowledge.centers import Centers
from knowledge.model import Passport

if TYPE_CHECKING:
    from pathlib import Path

    import redis.asyncio as aioredis

log = get_logger("dost.engine")


class Engine:
    def __init__(
        self,
        redis: aioredis.Redis,
        nlu: Any,
        passports: Mapping[str, Passport],
        centers: Centers,
        *,
        ttl_seconds: int = 7 * 24 * 3600,
        handoff: HandoffPoint | None = None,
        show_sources: bool = True,
        bookings: BookingStore | None = None,
    ) -> None:
        self.store = StateStore(redis, ttl_seconds)
        self.flows = compile_flows(passports)
        self.bookings = bookings or BookingStore(redis, SlotCalendar(centers, passports))
        self.dialogue = Dialogue(
            nlu,
            passports,
            centers,
            self.flows,
            handoff or CallCenterHandoff(centers),
            show_sources=show_sources,
            booking=BookingDialogue(self.bookings, centers, passports),
        )

    async def handle(self, inbound: Inbound, now: datetime | None = None) -> list[Outbound]:
        conversation = inbound.conversation_id
        try:
            if inbound.message_id and not await self.store.first_time(
                conversation, inbound.message_id
            ):
                log.info("duplicate message ignored", conversation=conversation)
                return []
            async with self.store.locked(conversation):
                state = await self.store.load(conversation)
                said = inbound.text if inbound.text is not None else f"[{inbound.choice}]"
                await self.store.record(conversation, "user", said, channel=inbound.channel)
                turn = await self.dialogue.turn(state, inbound, now)
                await self.store.save(conversation, state)
                for out in turn.replies:
                    await self.store.record(
                        conversation, "bot", out.text, intent=out.intent, service=out.service
                    )
        except RedisError as exc:
            log.warning("redis unavailable; answering without context", error=str(exc))
            return await self._stateless(inbound, now)
        log.info(
            "turn", conversation=conversation, channel=inbound.channel,
            intent=turn.intent, service=turn.service, replies=len(turn.replies),
        )  # fmt: skip
        return turn.replies

    async def _stateless(self, inbound: Inbound, now: datetime | None) -> list[Outbound]:
        try:
            turn = await self.dialogue.turn(ConversationState(), inbound, now)
        except Exception:
            log.exception("turn failed")
            return [Outbound(text=t("technical_problem"))]
        return turn.replies

    async def transcript(self, conversation_id: str) -> list[dict]:
        return await self.store.transcript(conversation_id)


def build_engine(
    redis: aioredis.Redis,
    cache_dir: Path | None,
    ttl_seconds: int,
    reminders: Reminders | None = None,
) -> Engine:
    """The engine over the packaged knowledge base and the cached NLU model; with `reminders`,
    every booking change keeps its reminder jobs in step."""
    from knowledge.centers import default_centers
    from knowledge.store import default_passports
    from nlu.pipeline import build_nlu

    passports, centers = default_passports(), default_centers()
    calendar = SlotCalendar(centers, passports)
    bookings = (
        RemindingBookingStore(redis, calendar, reminders=reminders)
        if reminders is not None
        else BookingStore(redis, calendar)
    )
    return Engine(
        redis,
        build_nlu(cache_dir),
        passports,
        centers,
        ttl_seconds=ttl_seconds,
        bookings=bookings,
    )
