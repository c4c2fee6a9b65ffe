"""The engine: one channel-neutral entry point, `handle(Inbound) -> [Outbound]`.

Around each dialogue turn: duplicate detection (a retried webhook has no second effect), a
per-conversation lock (two quick messages are handled in order), state and transcript in Redis.
If Redis is unreachable even after the client's retries, the turn still runs on a blank state:
the person gets an answer, only the context of earlier turns is missing.

The engine reads the time from one clock (`bot.clock`), shared with its booking calendar, store
and reminders; tests and stories hand it a frozen one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from bot.booking.limits import BookingLimits
from bot.booking.slots import SlotCalendar
from bot.booking.store import BookingStore
from bot.booking_flow import BookingDialogue
from bot.catalog import speaking, t
from bot.clock import SYSTEM_CLOCK, Clock
from bot.dialogue import Dialogue
from bot.flows.compiler import compile_flows
from bot.handoff import CallCenterHandoff, HandoffPoint, LiveHandoff
from bot.identity import Identity
from bot.logs import get_logger
from bot.messages import Inbound, Outbound
from bot.notices.ack import Acknowledgements
from bot.notices.facts import NoticeFacts
from bot.operators.desk import GENERAL_SKILL, Desk, ticket_of
from bot.operators.desk import OPEN as OPEN_STATUSES
from bot.operators.relay import Relay
from bot.operators.rules import Rules
from bot.outcomes import CALL_CENTER_TICKET, Outcomes
from bot.people import People, conversation_address
from bot.ratelimit import RateLimit
from bot.reminders import Reminders, RemindingBookingStore
from bot.state import (
    UNPROVEN_TRANSCRIPT_SECONDS,
    ConversationState,
    LockTimeout,
    StateStore,
    Turn,
)
from bot.verification import CheckResult, PhoneVerification, SendSms, Started
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
        reminders: Reminders | None = None,
        clock: Clock = SYSTEM_CLOCK,
        send_sms: SendSms | None = None,
        desk: Desk | None = None,
        acknowledgements: Acknowledgements | None = None,
        unproven_transcript_ttl: int = UNPROVEN_TRANSCRIPT_SECONDS,
    ) -> None:
        """With `reminders`, every booking change keeps its reminder jobs in step (the
        reminders must read the same clock). `send_sms` carries one-time codes; without it
        no code can be sent and a web chat cannot prove a number. With the operators' `desk`,
        "a person" is a live operator whenever operator accounts exist. With
        `acknowledgements`, "Aldım" (a button or the word) acknowledges the notices waiting for
        it."""
        self.redis, self.nlu, self.passports, self.centers = redis, nlu, passports, centers
        self.flows = compile_flows(passports)
        self.desk = desk
        self.relay = Relay(desk) if desk is not None else None
        self.outcomes = Outcomes(redis, clock) if desk is not None else None
        if handoff is None and desk is not None:
            handoff = LiveHandoff(desk, CallCenterHandoff(centers), self.skill_of)
        self.handoff = handoff or CallCenterHandoff(centers)
        self.show_sources = show_sources
        self.reminders = reminders
        self.clock = clock
        self.send_sms = send_sms or _no_sms
        self.acknowledgements = acknowledgements
        self.store = StateStore(redis, ttl_seconds, clock, unproven_ttl=unproven_transcript_ttl)
        self.people = People(redis, clock)
        calendar = SlotCalendar(centers, passports, clock=clock)
        self.bookings = (
            RemindingBookingStore(redis, calendar, reminders=reminders)
            if reminders is not None
            else BookingStore(redis, calendar)
        )
        self.identity = Identity(self.people, PhoneVerification(redis, self.send_sms))
        booking = BookingDialogue(self.bookings, centers, passports, self.identity,
                                  BookingLimits(redis))  # fmt: skip
        self.dialogue = Dialogue(
            nlu,
            passports,
            centers,
            self.flows,
            self.handoff,
            show_sources=show_sources,
            booking=booking,
            clock=clock,
            facts=NoticeFacts(redis, self.people),
            rules=Rules(redis) if desk is not None else None,
        )

    def with_clock(self, clock: Clock, send_sms: SendSms | None = None) -> Engine:
        """The same engine (Redis, NLU, knowledge, hand-off, reminder queue) reading the time
        from `clock` (and sending SMS through `send_sms` when given): a story runs on its own
        fixed day, with its own SMS outbox, this way."""
        reminders = self.reminders
        if reminders is not None:
            reminders = Reminders(
                reminders.arq, reminders.offsets, clock,
                people=People(self.redis, clock) if reminders.people else None,
                channels=reminders.channels,
            )  # fmt: skip
        return Engine(
            self.redis,
            self.nlu,
            self.passports,
            self.centers,
            ttl_seconds=self.store.ttl,
            handoff=self.handoff,
            show_sources=self.show_sources,
            reminders=reminders,
            clock=clock,
            send_sms=send_sms or self.send_sms,
            desk=self.desk,
            acknowledgements=self.acknowledgements,
            unproven_transcript_ttl=self.store.unproven_ttl,
        )

    def skill_of(self, service: str | None) -> str:
        """The operators' queue a service's hand-off goes to: the service's group."""
        flow = self.flows.get(service) if service else None
        return flow.group if flow is not None and flow.group else GENERAL_SKILL

    async def handle(self, inbound: Inbound, limits: Sequence[RateLimit] = ()) -> list[Outbound]:
        """The replies to one message. With `limits` (counted in the same round trip to Redis
        as the lock and the state), raises `RateLimited` when one is exceeded."""
        if inbound.received_at is None:
            inbound.received_at = self.clock.now()
        conversation = inbound.conversation_id
        try:
            if inbound.message_id and not await self.store.first_time(
                conversation, inbound.message_id
            ):
                log.info("duplicate message ignored", conversation=conversation)
                return []
            async with self.store.turn(conversation, limits, self._reads(conversation)) as current:
                state = current.state
                tapped = state.choices.get(inbound.choice or "", inbound.choice)  # its title
                said = inbound.text
                if said is None:  # a tapped choice, a command or a shared contact
                    said = f"[{tapped or inbound.command or 'contact'}]"
                await self.store.record(conversation, "user", said, channel=inbound.channel)
                if self.relay is not None:
                    with speaking(state.language):
                        relayed = await self.relay.intercept(state, inbound)
                    if relayed is not None:
                        return await self._relayed(inbound, current, relayed)
                acknowledged = await self._acknowledged(inbound)
                if acknowledged is not None:
                    await self._consent(conversation, None)
                    for out in acknowledged:
                        await self.store.record(conversation, "bot", out.text, intent=out.intent)
                    return acknowledged
                turn = await self.dialogue.turn(state, inbound)
                current.save = True
                await self._note_outcome(inbound, state, turn.intent, turn.service, turn.replies)
                await self._consent(conversation, turn.intent)
                for i, out in enumerate(turn.replies):
                    # What the assistant understood and where each answer came from, for an
                    # operator who takes over.
                    understood = _understood(turn.entities if i == 0 else [], out)
                    await self.store.record(
                        conversation,
                        "bot",
                        out.shown_text,
                        intent=out.intent,
                        service=out.service,
                        **understood,
                    )
        except (RedisError, LockTimeout) as exc:
            log.warning("redis unavailable; answering without context", error=str(exc))
            return await self._stateless(inbound)
        log.info(
            "turn", conversation=conversation, channel=inbound.channel,
            intent=turn.intent, service=turn.service, replies=len(turn.replies),
        )  # fmt: skip
        return turn.replies

    def _reads(self, conversation: str) -> dict[str, Callable[[Any], object]]:
        """What every turn reads besides its state, read with the lock in one round trip."""
        reads: dict[str, Callable[[Any], object]] = {}
        if self.desk is not None:
            reads |= self.desk.relay_reads(conversation) | Rules.turn_reads()
        if self.outcomes is not None:
            reads |= self.outcomes.turn_reads(conversation)
        return reads

    async def _relayed(
        self, inbound: Inbound, current: Turn, replies: list[Outbound]
    ) -> list[Outbound]:
        """A message that belonged to a hand-off: the assistant's turn did not run."""
        state = current.state
        if replies:
            state.choices = {c.id: c.title for out in replies for c in out.choices}
        conversation = inbound.conversation_id
        current.save = True
        await self._note_outcome(inbound, state, None, None, replies)
        for out in replies:
            if out.author != "operator":  # an operator's message is in the transcript already
                await self.store.record(conversation, "bot", out.shown_text, intent=out.intent)
        return replies

    async def _note_outcome(
        self,
        inbound: Inbound,
        state: ConversationState,
        intent: str | None,
        service: str | None,
        replies: list[Outbound],
    ) -> None:
        """One turn towards the conversation's outcome (bot.outcomes), with the hand-off it
        started: a live operator's ticket, or the call center's."""
        if self.outcomes is None or self.desk is None:
            return
        conversation = inbound.conversation_id
        ticket = None
        handed = next((out.handoff for out in replies if out.handoff is not None), None)
        record = await self.desk.handoff(conversation)
        if record.get("status") in OPEN_STATUSES:
            ticket = ticket_of(conversation, record)
        elif handed is not None:
            ticket = f"{CALL_CENTER_TICKET}{handed.reason}"
        # The assistant's question left open: a flow, a consent, "which service?", a
        # misunderstanding (an answer that a question is out of scope asks nothing).
        misunderstood = state.failures > 0 and intent != "out_of_scope"
        pending = bool(state.booking or state.eligibility or state.handoff_offer
                       or state.callback or state.pending_topic or misunderstood)  # fmt: skip
        await self.outcomes.turn(
            conversation, inbound.channel, citizen=state.person_id, intent=intent,
            services=[s for s in (service, state.service) if s], pending=pending, handoff=ticket,
        )  # fmt: skip

    async def send_code(self, conversation: str, phone: str, requester: str | None) -> Started:
        """Send a one-time code to `phone` for this conversation (the web chat's verify API)."""
        return await self.identity.send_code(conversation, phone, requester)

    async def check_code(self, conversation: str, channel: str, code: str) -> CheckResult:
        """Prove the conversation's pending number with its code; the state remembers it."""
        async with self.store.locked(conversation):
            state = await self.store.load(conversation)
            result = await self.identity.check_code(state, code, channel, conversation)
            await self.store.save(conversation, state)
        return result

    async def _acknowledged(self, inbound: Inbound) -> list[Outbound] | None:
        """ "Aldım" for a notice waiting for it: the thanks, and no dialogue turn."""
        if self.acknowledgements is None:
            return None
        return await self.acknowledgements.on_inbound(inbound)

    async def _consent(self, conversation: str, intent: str | None) -> None:
        """Writing makes the conversation's address reachable and the person's last channel;
        "stop sending me notices" opts the address out (the answer says so)."""
        await self.people.wrote(conversation)
        address = conversation_address(conversation)
        if intent == "unsubscribe" and address is not None:
            await self.people.opt_out(*address)

    async def _stateless(self, inbound: Inbound) -> list[Outbound]:
        try:
            turn = await self.dialogue.turn(ConversationState(), inbound)
        except Exception:
            log.exception("turn failed")
            return [Outbound(text=t("technical_problem"))]
        return turn.replies

    async def transcript(self, conversation_id: str) -> list[dict]:
        return await self.store.transcript(conversation_id)


def _understood(entities: list[dict], out: Outbound) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {"entities": entities} if entities else {}
    if out.sources:
        found["sources"] = [s.model_dump(exclude_none=True) for s in out.sources]
    return found


async def _no_sms(phone: str, text: str) -> bool:
    log.warning("no SMS sender configured: one-time code not sent")
    return False


def build_engine(
    redis: aioredis.Redis,
    cache_dir: Path | None,
    ttl_seconds: int,
    reminders: Reminders | None = None,
    clock: Clock = SYSTEM_CLOCK,
    send_sms: SendSms | None = None,
    nlu: Any | None = None,
    desk: Desk | None = None,
    acknowledgements: Acknowledgements | None = None,
    unproven_transcript_ttl: int = UNPROVEN_TRANSCRIPT_SECONDS,
) -> Engine:
    """The engine over the packaged knowledge base and the cached NLU model (or `nlu`, another
    backend the composition root chose), on the real time unless given another clock; with
    `reminders`, every booking change keeps its reminder jobs in step."""
    from knowledge.centers import default_centers
    from knowledge.store import default_passports
    from nlu.pipeline import build_nlu

    return Engine(
        redis,
        nlu if nlu is not None else build_nlu(cache_dir),
        default_passports(),
        default_centers(),
        ttl_seconds=ttl_seconds,
        reminders=reminders,
        clock=clock,
        send_sms=send_sms,
        desk=desk,
        acknowledgements=acknowledgements,
        unproven_transcript_ttl=unproven_transcript_ttl,
    )
