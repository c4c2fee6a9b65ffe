"""The hand-off desk: the one service behind the hand-off point, the engine's relay and the
operator console. It moves chats through the queue (`bot.operators.queue`), tells consoles what
changed (push streams, so any web process's console hears it), tells citizens where they stand
(their own channel, through `CitizenLine`), keeps the timestamps of every hand-off and archives
it when it ends, for `dost report`.

Push streams (bot.push): "operators" to every console (a new hand-off, the queue changed),
"operator:<name>" to one operator's consoles (an offer, a citizen's message, a chat taken away).

Redis besides the queue's keys:
  dost:{op}:handled          LIST of recent handling times (s): estimated waits
  dost:{op}:finished         ZSET of finished hand-offs (JSON) by when they ended
  dost:{op}:ratings          HASH ticket → 1..5
  dost:{op}:rating:<conv>    the ticket a conversation's next 1–5 answer rates (a day)
  dost:{op}:notes:<conv>     LIST of private notes (JSON), never sent to the citizen
  dost:{op}:undelivered:<conv>  LIST of operator messages (Outbound JSON) that reached no
                             channel: shown when the citizen's web chat is back
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.catalog import speaking, t
from bot.choices import Pick, choice
from bot.clock import SYSTEM_CLOCK, Clock, as_baku
from bot.logs import get_logger
from bot.messages import Choice, Outbound
from bot.operators.accounts import PREFIX, Account, Accounts
from bot.operators.audit import Audit
from bot.operators.callbacks import Callbacks
from bot.operators.calls import CALL, CALL_FIELDS, GONE_RESULTS, CallBridge, NoBridge
from bot.operators.line import CitizenLine, NoLine
from bot.operators.queue import (
    HEARTBEAT_TIMEOUT_SECONDS,
    OFFER_SECONDS,
    HandoffQueue,
    Moved,
    Offer,
)
from bot.operators.schedule import OperatorHours
from bot.push import Push
from bot.state import MISSING, StateStore, read_ahead

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from bot.config import Settings
    from bot.delivery import Senders

log = get_logger("dost.operators")

BROADCAST = "operators"
HANDLED = PREFIX + "handled"
FINISHED = PREFIX + "finished"
RATINGS = PREFIX + "ratings"
RECENT_HANDLED = 50  # handling times the estimate averages
DEFAULT_HANDLE_SECONDS = 300  # before any chat was handled
RATING_SECONDS = 24 * 3600
OPEN = ("queued", "offered", "assigned")
CloseHook = Callable[[str, dict[str, str]], Awaitable[None]]
EDITABLE_CHANNELS = frozenset({"web", "telegram"})  # a waiting message is updated in place
WAIT_KEY = "handoff-wait"  # the update key of the waiting message
GENERAL_SKILL = "general"
UNDELIVERED = PREFIX + "undelivered:"
# A closed page: the reply goes by SMS instead, or waits for the page to come back.
SMS_FALLBACK_CHANNELS = frozenset({"web"})


def stream_of(operator: str) -> str:
    return f"operator:{operator}"


@dataclass(frozen=True)
class Placement:
    status: str | None  # queued | offered | assigned | closed | abandoned | None (no hand-off)
    position: int | None = None  # 1 = next in line
    estimate_seconds: int | None = None  # None: nobody who could take it is at work


@dataclass(frozen=True)
class QueueItem:
    conversation_id: str
    channel: str
    service: str | None
    reason: str
    waiting_seconds: int
    kind: str = "chat"  # chat | call (the console's incoming-call card)
    call: dict[str, str] | None = None  # a call's caller (masked), ivr path, what was asked

    def as_json(self) -> dict:
        return {
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "service": self.service,
            "reason": self.reason,
            "waiting_seconds": self.waiting_seconds,
            "kind": self.kind,
            "call": self.call,
        }


def ticket_of(conversation: str, record: dict[str, str]) -> str:
    return f"{conversation}@{record.get('requested_at') or record.get('queued_at', '')}"


class Desk:
    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        clock: Clock = SYSTEM_CLOCK,
        hours: OperatorHours | None = None,
        line: CitizenLine | None = None,
        store: StateStore | None = None,
        offer_seconds: float = OFFER_SECONDS,
        heartbeat_timeout_seconds: float = HEARTBEAT_TIMEOUT_SECONDS,
        default_handle_seconds: int = DEFAULT_HANDLE_SECONDS,
        answer_target_seconds: int = 60,
    ) -> None:
        self.redis = redis
        self.clock = clock
        self.hours = hours or OperatorHours.parse(None)
        self.line: CitizenLine = line or NoLine()
        self.store = store or StateStore(redis, 7 * 24 * 3600, clock)
        self.queue = HandoffQueue(
            redis, offer_seconds=offer_seconds, heartbeat_timeout_seconds=heartbeat_timeout_seconds
        )
        self.accounts = Accounts(redis, clock)
        self.close_hooks: list[CloseHook] = []  # see on_close
        self.audit = Audit(redis, clock)
        self.push = Push(redis)
        self.default_handle_seconds = default_handle_seconds
        self.answer_target_seconds = answer_target_seconds  # reports: "answered within"
        self.callbacks = Callbacks(redis, clock, self.hours)  # attempts within the hours
        self.calls: CallBridge = NoBridge()  # the phone line plugs in its own (composition root)

    def now_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    # --- is anyone there? ------------------------------------------------------------------

    async def configured(self) -> bool:
        """Live operators exist at all (else "a person" stays the 142 call center)."""
        return await self.accounts.any()

    def at_work(self) -> bool:
        return self.hours.is_open(self.clock.now())

    def back_at(self) -> datetime | None:
        return self.hours.next_open(self.clock.now())

    # --- the citizen's side ----------------------------------------------------------------

    async def request(
        self,
        conversation: str,
        *,
        channel: str,
        reason: str,
        skill: str = GENERAL_SKILL,
        service: str | None = None,
        summary: str = "",
        kind: str = "chat",
    ) -> Placement:
        """Queue a hand-off (or find the one already open) and say where it stands."""
        now = self.now_ms()
        fields = {
            "channel": channel,
            "reason": reason,
            "service": service or "",
            "summary": summary,
            "requested_at": str(now),
            "kind": kind,
        }
        created, offers = await self.queue.enqueue(conversation, skill, now, **fields)
        if created:
            log.info("hand-off queued", conversation=conversation, skill=skill, reason=reason)
            item = await self.item(conversation)
            await self.push.publish(
                BROADCAST, {"type": "handoff", "item": item.as_json() if item else None}
            )
            await self._offered(offers)
            await self._update_waiting(skip=conversation)
        placement = await self.placement(conversation)
        await self.queue.mark(conversation, announced=_announced(placement))
        return placement

    async def placement(self, conversation: str) -> Placement:
        record = await self.queue.record(conversation)
        status = record.get("status")
        if status != "queued":
            return Placement(status)
        skill = record["skill"]
        position = await self.queue.position(conversation, skill)
        return Placement(status, position, await self.estimate(skill, position or 1))

    async def estimate(self, skill: str, position: int) -> int | None:
        """Seconds until `position` is taken: that many chats must end first, and the
        operators at work for the skill end chats at (their capacity / mean handling time)."""
        capacity = 0
        for name in await self.queue.online(self.now_ms()):
            seat = await self.queue.seat(name)
            if _serves(seat.get("skills", "*"), skill):
                capacity += int(seat.get("capacity", "0"))
        if capacity == 0:
            return None
        return math.ceil(position * await self.mean_handle_seconds() / capacity)

    async def mean_handle_seconds(self) -> float:
        recent = [float(x) for x in await self.redis.lrange(HANDLED, 0, RECENT_HANDLED - 1)]
        return sum(recent) / len(recent) if recent else float(self.default_handle_seconds)

    async def is_open(self, conversation: str) -> bool:
        """A hand-off is waiting or an operator holds the chat: the assistant stays silent."""
        return await self.queue.status(conversation) in OPEN

    async def citizen_said(self, conversation: str, text: str) -> None:
        """The citizen wrote while the hand-off is open: the operator's console shows it live."""
        record = await self.queue.record(conversation)
        event = {
            "type": "message",
            "conversation_id": conversation,
            "from": "citizen",
            "text": text,
            "at": self.clock.now().astimezone(UTC).isoformat(),
        }
        if record.get("operator"):
            await self.push.publish(stream_of(record["operator"]), event)
        else:
            await self.push.publish(BROADCAST, {"type": "queue"})

    async def leave_queue(self, conversation: str) -> bool:
        """The citizen gave up waiting (abandoned)."""
        finished = await self.queue.abandon(conversation, self.now_ms())
        if finished.status != "abandoned":
            return False
        await self._archive(conversation, finished.record)
        if finished.record.get("operator"):
            await self.push.publish(
                stream_of(finished.record["operator"]),
                {"type": "closed", "conversation_id": conversation},
            )
        await self.push.publish(BROADCAST, {"type": "queue"})
        await self._offered(finished.offers)
        await self._update_waiting()
        return True

    async def describe_call(self, conversation: str, **details: str) -> None:
        """What the phone line knows of a queued call (caller, IVR path, what was asked, its
        Twilio queue), for the console's incoming-call card and for putting it through."""
        await self.queue.mark(conversation, **details)
        await self.push.publish(BROADCAST, {"type": "queue"})

    async def call_left_queue(self, conversation: str, result: str, seconds: int) -> bool:
        """Twilio's queue result for a waiting call; True when the hand-off ended abandoned
        (the caller hung up, or the queue failed them) and not for a callback kept in place."""
        record = await self.queue.record(conversation)
        if not record:
            return False
        await self.queue.mark(conversation, queue_result=result, queue_time=seconds)
        if result not in GONE_RESULTS or record.get("callback"):
            return False
        return await self.leave_queue(conversation)

    async def request_callback(
        self, conversation: str, *, phone: str, preferred: str, reason: str, service: str | None
    ) -> str:
        """A callback task for the console; an open hand-off keeps its place in the queue."""
        task = await self.callbacks.request(conversation, phone, preferred, reason, service)
        if await self.is_open(conversation):
            await self.queue.mark(conversation, callback=task.id)
        await self.push.publish(BROADCAST, {"type": "callback"})
        return task.id

    async def _put_through(self, conversation: str, record: dict[str, str], operator: str) -> None:
        """An operator took a call: the caller is connected to them, unless a callback task
        replaced waiting on the line (then the console's task is the way to the citizen)."""
        account = await self.accounts.get(operator)
        if record.get("callback") or account is None:
            return
        try:
            connected = await self.calls.connect(conversation, record, account)
        except Exception:
            log.exception("putting the call through failed", conversation=conversation)
            connected = False
        await self.queue.mark(conversation, connected="1" if connected else "0")
        log.info("call put through", conversation=conversation, connected=connected)

    async def rating_pending(self, conversation: str) -> str | None:
        return await self.redis.get(f"{PREFIX}rating:{conversation}")

    def relay_reads(self, conversation: str) -> dict[str, Callable[[Any], object]]:
        """The reads of `relay_status`, for a turn to make with its lock (bot.state)."""
        return {
            f"relay:{conversation}": lambda pipe: pipe.hget(f"{PREFIX}h:{conversation}", "status"),
            f"rating:{conversation}": lambda pipe: pipe.exists(f"{PREFIX}rating:{conversation}"),
        }

    async def relay_status(self, conversation: str) -> tuple[bool, bool]:
        """(`is_open`, `rating_pending`) in one round trip, or none when the turn read them
        ahead: what every citizen's turn asks."""
        reads = self.relay_reads(conversation)
        status, rating = (read_ahead(name) for name in reads)
        if status is MISSING or rating is MISSING:
            async with self.redis.pipeline(transaction=False) as pipe:
                for queue in reads.values():
                    queue(pipe)
                status, rating = await pipe.execute()
        return status in OPEN, bool(rating)

    async def rate(self, conversation: str, score: int) -> bool:
        ticket = await self.redis.getdel(f"{PREFIX}rating:{conversation}")
        if ticket is None or not 1 <= score <= 5:
            return False
        await self.redis.hset(RATINGS, ticket, score)
        return True

    # --- the operator's side -----------------------------------------------------------------

    async def heartbeat(self, account: Account) -> None:
        signed_on, offers = await self.queue.heartbeat(
            account.name, account.capacity, account.skills, self.now_ms()
        )
        if signed_on:
            await self.audit.log(account.name, "online")
            await self.push.publish(BROADCAST, {"type": "queue"})
            await self._offered(offers)
            await self._update_waiting()

    async def sign_off(self, operator: str) -> None:
        requeued, offers = await self.queue.sign_off(operator, self.now_ms())
        await self.audit.log(operator, "offline")
        await self._requeued([Moved(c, operator) for c in requeued])
        await self._offered(offers)
        await self.push.publish(BROADCAST, {"type": "queue"})
        await self._update_waiting()

    async def take(self, conversation: str, operator: str) -> tuple[str, str | None]:
        """("taken", None), or ("held", owner) / ("missing" | "closed" | …, None)."""
        outcome, owner = await self.queue.take(conversation, operator, self.now_ms())
        if outcome != "taken":
            return outcome, owner
        if await self.queue.mark_once(conversation, "joined_notice", self.now_ms()):
            await self.audit.log(operator, "take", conversation)
            record = await self.queue.record(conversation)
            if record.get("kind") == CALL:
                await self._put_through(conversation, record, operator)
            else:
                await self._tell(conversation, "live.joined")
            await self.push.publish(BROADCAST, {"type": "queue"})
            await self._update_waiting()
        return outcome, None

    async def reply(self, conversation: str, operator: str, text: str) -> bool | None:
        """The operator's message to the citizen: None when the chat is not theirs, else
        whether it reached the citizen's channel (it is in the transcript either way)."""
        outcome, _ = await self.take(conversation, operator)  # replying accepts an offer
        if outcome != "taken":
            return None
        now = self.now_ms()
        await self.queue.mark_once(conversation, "first_reply_at", now)
        await self.store.record(conversation, "operator", text, operator=operator)
        message = Outbound(text=text, author="operator")
        delivered = await self.line.send(conversation, message)
        if not delivered and conversation.partition(":")[0] in SMS_FALLBACK_CHANNELS:
            delivered = await self._by_sms(conversation, text)
            if not delivered:  # kept for the page's return (its stream, or the next message)
                await self._keep_undelivered(conversation, message)
        await self.audit.log(operator, "reply", conversation)
        await self.push.publish(
            stream_of(operator),
            {
                "type": "message",
                "conversation_id": conversation,
                "from": "operator",
                "text": text,
                "at": self.clock.now().astimezone(UTC).isoformat(),
                "delivered": delivered,
            },
        )
        return delivered

    async def _by_sms(self, conversation: str, text: str) -> bool:
        """The citizen left the web chat: the reply by SMS to their proven number, if any (and
        not opted out of SMS)."""
        from bot.people import People

        state = await self.store.load(conversation)
        if not state.phone or await People(self.redis, self.clock).is_opted_out("sms", state.phone):
            return False
        with speaking(state.language):
            message = Outbound(text=t("live.sms_reply", text=text), author="operator")
        sent = await self.line.send_to("sms", state.phone, message)
        log.info("operator reply by SMS", conversation=conversation, sent=sent)
        return sent

    async def _keep_undelivered(self, conversation: str, message: Outbound) -> None:
        key = UNDELIVERED + conversation
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, message.model_dump_json())
            pipe.expire(key, self.store.ttl)
            await pipe.execute()

    async def undelivered(self, conversation: str) -> list[Outbound]:
        """Operator messages that reached no channel, once (they are handed over now)."""
        return await take_undelivered(self.redis, conversation)

    async def typing(self, conversation: str, operator: str) -> None:
        """The operator is writing: the citizen sees it where the channel shows it."""
        if (await self.queue.record(conversation)).get("operator") == operator:
            await self.line.typing(conversation)

    async def note(self, conversation: str, operator: str, text: str) -> None:
        entry = {
            "at": self.clock.now().astimezone(UTC).isoformat(),
            "operator": operator,
            "text": text,
        }
        key = f"{PREFIX}notes:{conversation}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(entry, ensure_ascii=False))
            pipe.expire(key, self.store.ttl)
            await pipe.execute()
        await self.audit.log(operator, "note", conversation)

    async def notes(self, conversation: str) -> list[dict]:
        return [
            json.loads(r) for r in await self.redis.lrange(f"{PREFIX}notes:{conversation}", 0, -1)
        ]

    def on_close(self, hook: CloseHook) -> None:
        """`hook(conversation, record)` runs after an operator closes a chat: another system
        that handed the chat over (a Rasa assistant) takes it back. A failing hook is logged;
        the close stands."""
        self.close_hooks.append(hook)

    async def close(self, conversation: str, operator: str, *, supervisor: bool = False) -> bool:
        """End the operator's part: the assistant resumes, the citizen is told and asked for a
        rating. A supervisor may close a chat someone else holds."""
        finished = await self.queue.close(
            conversation, None if supervisor else operator, self.now_ms()
        )
        if finished.status != "closed":
            return False
        await self._archive(conversation, finished.record)
        await self.redis.set(
            f"{PREFIX}rating:{conversation}",
            ticket_of(conversation, finished.record),
            ex=RATING_SECONDS,
        )
        choices = [choice(Pick.RATE, str(n), n) for n in range(1, 6)]
        await self._tell(conversation, "live.closed", choices)
        await self.audit.log(operator, "close", conversation)
        await self.push.publish(BROADCAST, {"type": "queue"})
        owner = finished.record.get("operator")
        if owner and owner != operator:
            await self.push.publish(
                stream_of(owner), {"type": "closed", "conversation_id": conversation}
            )
        await self._offered(finished.offers)
        await self._update_waiting()
        for hook in self.close_hooks:
            try:
                await hook(conversation, finished.record)
            except Exception:
                log.exception("close hook failed", conversation=conversation)
        return True

    async def transfer(
        self,
        conversation: str,
        operator: str,
        *,
        colleague: str | None = None,
        skill: str | None = None,
    ) -> bool:
        moved, offers = await self.queue.transfer(
            conversation, operator, self.now_ms(), colleague=colleague, skill=skill
        )
        if not moved:
            return False
        await self.audit.log(
            operator,
            "transfer",
            conversation,
            f"colleague={colleague}" if colleague else f"skill={skill}",
        )
        if colleague:
            await self.push.publish(
                stream_of(colleague), {"type": "offer", "conversation_id": conversation}
            )
        await self.push.publish(BROADCAST, {"type": "queue"})
        await self._offered(offers)
        return True

    async def expire(self) -> None:
        """Lapsed offers to the next operator, silent consoles offline (their chats
        re-queued, the citizens told). Safe to run in every process at once."""
        expired = await self.queue.expire(self.now_ms())
        for moved in expired.lapsed:
            log.info("offer lapsed", conversation=moved.conversation, operator=moved.operator)
            await self.push.publish(
                stream_of(moved.operator), {"type": "lapsed", "conversation_id": moved.conversation}
            )
        if expired.requeued:
            for name in {m.operator for m in expired.requeued}:
                await self.audit.log(name, "offline", detail="heartbeat lost")
            await self._requeued(expired.requeued)
        await self._offered(expired.offers)
        if expired.lapsed or expired.requeued or expired.offers:
            await self.push.publish(BROADCAST, {"type": "queue"})
            await self._update_waiting()

    async def next_deadline_seconds(self) -> float | None:
        deadline = await self.queue.next_deadline()
        return None if deadline is None else max(0.0, (deadline - self.now_ms()) / 1000)

    # --- what consoles read ------------------------------------------------------------------

    async def item(self, conversation: str) -> QueueItem | None:
        record = await self.queue.record(conversation)
        if not record:
            return None
        since = int(record.get("queued_at") or record.get("requested_at") or self.now_ms())
        kind = record.get("kind") or "chat"
        return QueueItem(
            conversation_id=conversation,
            channel=record.get("channel", ""),
            service=record.get("service") or None,
            reason=record.get("reason", ""),
            waiting_seconds=max(0, (self.now_ms() - since) // 1000),
            kind=kind,
            call={f: record.get(f, "") for f in CALL_FIELDS} if kind == CALL else None,
        )

    async def waiting(self) -> list[QueueItem]:
        """Every queued hand-off, longest waiting first."""
        items = []
        for skill in await self.queue.skills():
            for conversation in await self.queue.queued(skill):
                item = await self.item(conversation)
                if item is not None:
                    items.append(item)
        return sorted(items, key=lambda i: -i.waiting_seconds)

    async def handoff(self, conversation: str) -> dict[str, str]:
        return await self.queue.record(conversation)

    # --- telling people ----------------------------------------------------------------------

    async def _language(self, conversation: str) -> str:
        """The language the citizen last wrote in: what the desk tells them is said in it."""
        return (await self.store.load(conversation)).language

    async def _tell(self, conversation: str, key: str, choices: list[Choice] | None = None) -> bool:
        with speaking(await self._language(conversation)):
            message = Outbound(text=t(key), choices=choices or [])
        await self.store.record(conversation, "bot", message.text)
        return await self.line.send(conversation, message)

    async def _offered(self, offers: list[Offer]) -> None:
        for offer in offers:
            log.info("hand-off offered", conversation=offer.conversation, operator=offer.operator)
            item = await self.item(offer.conversation)
            await self.push.publish(
                stream_of(offer.operator),
                {
                    "type": "offer",
                    "conversation_id": offer.conversation,
                    "item": item.as_json() if item else None,
                },
            )

    async def _requeued(self, moved: list[Moved]) -> None:
        for m in moved:
            log.info("hand-off re-queued", conversation=m.conversation, operator=m.operator)
            await self.push.publish(
                stream_of(m.operator), {"type": "requeued", "conversation_id": m.conversation}
            )
            await self._tell(m.conversation, "live.requeued")

    async def _update_waiting(self, skip: str | None = None) -> None:
        """Citizens still in a queue whose place or wait changed get their waiting message
        updated, where a screen can update it in place (web chat, Telegram)."""
        for skill in await self.queue.skills():
            for conversation in await self.queue.queued(skill):
                if conversation == skip:
                    continue
                record = await self.queue.record(conversation)
                if record.get("channel") not in EDITABLE_CHANNELS:
                    continue
                placement = await self.placement(conversation)
                announced = _announced(placement)
                if announced != record.get("announced"):
                    await self.queue.mark(conversation, announced=announced)
                    with speaking(await self._language(conversation)):
                        message = Outbound(
                            text=waiting_text(placement),
                            update_key=WAIT_KEY,
                            choices=waiting_choices(),
                        )
                    await self.line.send(conversation, message)

    async def _archive(self, conversation: str, record: dict[str, str]) -> None:
        """A finished hand-off, kept for reports; its handling time feeds the estimates."""
        ended = int(record.get("closed_at") or record.get("abandoned_at") or self.now_ms())
        entry = {
            "conversation": conversation,
            "ticket": ticket_of(conversation, record),
            **{k: v for k, v in record.items() if k not in ("announced", "joined_notice")},
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(FINISHED, {json.dumps(entry, ensure_ascii=False, sort_keys=True): ended})
            if record.get("status") == "closed" and record.get("assigned_at"):
                handled = (ended - int(record["assigned_at"])) / 1000
                pipe.lpush(HANDLED, round(handled, 1))
                pipe.ltrim(HANDLED, 0, RECENT_HANDLED - 1)
            await pipe.execute()

    async def finished(self, since: datetime | None = None) -> list[dict]:
        low = int(as_baku(since).timestamp() * 1000) if since else "-inf"
        return [json.loads(r) for r in await self.redis.zrangebyscore(FINISHED, low, "+inf")]

    async def ratings(self) -> dict[str, int]:
        return {k: int(v) for k, v in (await self.redis.hgetall(RATINGS)).items()}


async def take_undelivered(redis: aioredis.Redis, conversation: str) -> list[Outbound]:
    """The conversation's undelivered operator messages, removed as they are read."""
    key = UNDELIVERED + conversation
    async with redis.pipeline(transaction=True) as pipe:
        pipe.lrange(key, 0, -1)
        pipe.delete(key)
        raw, _ = await pipe.execute()
    return [Outbound.model_validate_json(r) for r in raw]


def waiting_choices() -> list[Choice]:
    """Under the place in the queue: stop waiting, or be called back (keeping the place)."""
    return [
        choice(Pick.LEAVE_QUEUE, t("live.leave_queue")),
        choice(Pick.CALLBACK, t("live.callback_offer")),
    ]


def minutes_of(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def waiting_text(placement: Placement) -> str:
    """Where a queued citizen stands: the people ahead and the estimated wait, when known."""
    ahead = max(0, (placement.position or 1) - 1)
    if placement.estimate_seconds is None:
        return t("live.queued_unknown", ahead=ahead)
    minutes = minutes_of(placement.estimate_seconds)
    if ahead == 0:
        return t("live.queued_first", minutes=minutes)
    return t("live.queued", ahead=ahead, minutes=minutes)


def _announced(placement: Placement) -> str:
    minutes = (
        minutes_of(placement.estimate_seconds) if placement.estimate_seconds is not None else "-"
    )
    return f"{placement.status}:{placement.position}:{minutes}"


def _serves(skills: str, skill: str) -> bool:
    names = skills.split()
    return "*" in names or skill in names


def build_desk(
    redis: aioredis.Redis, settings: Settings, clock: Clock, senders: Senders | None
) -> Desk:
    """The desk as the settings configure it, writing to citizens through `senders`."""
    from bot.operators.line import SendersLine

    return Desk(
        redis,
        clock=clock,
        hours=OperatorHours.parse(settings.operator_hours),
        line=SendersLine(senders) if senders is not None else None,
        store=StateStore(redis, settings.conversation_ttl_seconds, clock),
        offer_seconds=settings.operator_offer_seconds,
        answer_target_seconds=settings.operator_answer_target_seconds,
    )
