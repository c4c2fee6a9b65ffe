"""The Rasa action server (`dost rasa-actions`, rasa-sdk: the optional `rasa` extra).

Actions a Rasa assistant calls on this project's core, each conversation being "rasa:<sender
id>" to it:
- action_answer_topic: the topic the latest message asks (its intent, narrowed by its words as
  the assistant does) for the `service` slot: the assistant's own replies and source lines;
- action_verify_phone: proves the sender's number the assistant's way, a one-time code by SMS
  (the number from the `phone` slot, then the code typed back);
- action_book_slot: books the `service` at the `center` on the `date` at the `time` (slots)
  for a PROVEN sender only; anyone else is asked, politely, to prove their number first;
- action_lookup_booking: the proven sender's active bookings;
- action_request_handoff: queues the chat for a live operator (bot/operators) and pauses the
  Rasa conversation (Rasa's `pause` event); when the operator closes the chat, the assistant
  resumes it on Rasa's tracker (interop/rasa/tracker.py, wired by the composition root).

The core services are created on the first call, in the server's own event loop.
"""

from __future__ import annotations

import hmac
import re
import sys
from datetime import date, datetime, time
from typing import Any
from urllib.parse import parse_qs

from rasa_sdk import Action, Tracker
from rasa_sdk.endpoint import create_app
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from bot.booking.errors import AlreadyBooked, BookingError, InvalidSlot, SlotFull
from bot.booking.store import Booking
from bot.cases import Word
from bot.catalog import bullets, format_date, t
from bot.clock import BAKU, SYSTEM_CLOCK, Clock
from bot.config import Settings
from bot.engine import Engine
from bot.flows.compiler import topic_for
from bot.identity import number_request, parse_phone
from bot.logs import get_logger
from bot.messages import Outbound
from bot.state import ConversationState
from bot.verification import Checked, SendSms, Started
from interop.rasa.export import (
    ACTION_ANSWER,
    ACTION_BOOK,
    ACTION_HANDOFF,
    ACTION_LOOKUP,
    ACTION_VERIFY,
    SERVICE,
)
from interop.rasa.replies import page_replies, passport_replies
from nlu.entities import extract_entities
from nlu.normalize import fold

log = get_logger("dost.rasa.actions")

CHANNEL = "rasa"
CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def conversation_of(tracker: Tracker) -> str:
    return f"{CHANNEL}:{tracker.sender_id}"


class Core:
    """The project's core as the actions use it: one engine (no NLU: Rasa understood the
    message) over Redis, its bookings, people, identity and hand-off desk."""

    def __init__(self, settings: Settings, clock: Clock = SYSTEM_CLOCK,
                 send_sms: SendSms | None = None) -> None:  # fmt: skip
        self.settings = settings
        self.clock = clock
        self.send_sms = send_sms
        self._engine: Engine | None = None

    async def engine(self) -> Engine:
        if self._engine is None:
            from bot.operators.desk import build_desk
            from bot.redis_conn import connect
            from knowledge.centers import default_centers
            from knowledge.store import default_passports

            if not self.settings.redis_url:
                raise RuntimeError("the action server needs REDIS_URL (the assistant's Redis)")
            redis = connect(self.settings.redis_url)
            desk = build_desk(redis, self.settings, self.clock, None)
            self._engine = Engine(redis, None, default_passports(), default_centers(),
                                  ttl_seconds=self.settings.conversation_ttl_seconds,
                                  clock=self.clock, send_sms=self.send_sms, desk=desk)  # fmt: skip
        return self._engine

    async def proven_phone(self, tracker: Tracker) -> str | None:
        """The sender's number when the assistant has proven it (an SMS code), else None."""
        engine = await self.engine()
        conversation = conversation_of(tracker)
        person = await engine.people.by_address(CHANNEL, conversation)
        return person.phone if person is not None else None


def _say(dispatcher: CollectingDispatcher, replies: list[Outbound]) -> None:
    for reply in replies:
        sources = [s.model_dump(exclude_none=True) for s in reply.sources]
        dispatcher.utter_message(text=reply.shown_text, json_message={"sources": sources}
                                 if sources else None)  # fmt: skip


class CoreAction(Action):
    def __init__(self, core: Core) -> None:
        self.core = core


class AnswerTopic(CoreAction):
    def name(self) -> str:
        return ACTION_ANSWER

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:  # fmt: skip
        engine = await self.core.engine()
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or "service_info"
        topic = topic_for(intent, fold(message.get("text") or ""))
        topic_id = topic.id if topic is not None and topic.action is None else "info"
        service = tracker.get_slot(SERVICE)
        pages = engine.dialogue.pages.knowledge
        if service in engine.passports:
            _say(dispatcher, passport_replies(engine.passports[service], pages, topic_id))
        elif service in pages.subjects and pages.subjects[service].passport is None:
            _say(dispatcher, page_replies(pages, service, topic_id))
        else:
            dispatcher.utter_message(text=t("menu.which_service"))
        return []


class VerifyPhone(CoreAction):
    def name(self) -> str:
        return ACTION_VERIFY

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:  # fmt: skip
        engine = await self.core.engine()
        conversation = conversation_of(tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        code = CODE.search(text)
        if code and await engine.identity.pending_phone(conversation):
            state = ConversationState()
            result = await engine.identity.check_code(state, code.group(), CHANNEL, conversation)
            if result.outcome is Checked.PROVEN:
                dispatcher.utter_message(text=t("verify.proven"))
            elif result.outcome is Checked.WRONG:
                dispatcher.utter_message(text=t("verify.wrong_code", left=result.tries_left))
            else:
                dispatcher.utter_message(text=t("verify.no_code"))
            return []
        phone = parse_phone(str(tracker.get_slot("phone") or "")) or parse_phone(text)
        if phone is None:
            dispatcher.utter_message(text=number_request(CHANNEL, "book").text)
            return []
        started = await engine.identity.send_code(conversation, phone, conversation)
        if started is Started.SENT:
            dispatcher.utter_message(text=t("verify.code_sent", phone=phone))
        elif started is Started.RATE_LIMITED:
            dispatcher.utter_message(text=t("verify.rate_limited"))
        else:
            dispatcher.utter_message(text=t("verify.not_sent"))
        return []


class BookSlot(CoreAction):
    def name(self) -> str:
        return ACTION_BOOK

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:  # fmt: skip
        engine = await self.core.engine()
        phone = await self.core.proven_phone(tracker)
        if phone is None:  # only a proven person books: ask them to prove their number
            dispatcher.utter_message(text=number_request(CHANNEL, "book").text)
            return []
        service = tracker.get_slot(SERVICE)
        if service not in engine.passports:
            dispatcher.utter_message(text=t("menu.which_service"))
            return []
        name = engine.passports[service].display_name
        center = _center(engine, tracker.get_slot("center"))
        if center is None:
            dispatcher.utter_message(text=t("booking.ask_center", service=name))
            return []
        start = _start(tracker.get_slot("date"), tracker.get_slot("time"), self.core.clock)
        if start is None:  # the day and the time: the nearest open days to choose from
            calendar = engine.bookings.calendar
            days = calendar.open_days(center, self.core.clock.now().date())
            ask = t("booking.ask_day", day="", center=Word(calendar.center(center).name))
            dispatcher.utter_message(text=f"{ask}\n{bullets(format_date(d) for d in days)}")
            return []
        booking_flow = engine.dialogue.booking
        assert booking_flow is not None
        try:
            slot = engine.bookings.calendar.slot_at(center, service, start)
            request_id = f"rasa:{tracker.sender_id}:{service}:{start.isoformat()}"
            booking = await engine.bookings.book(slot, phone=phone, request_id=request_id,
                                                 channel=CHANNEL,
                                                 conversation=conversation_of(tracker))  # fmt: skip
        except AlreadyBooked as error:
            held = await engine.bookings.get(error.code)
            summary = booking_flow.summary_of(held) if held else error.code
            dispatcher.utter_message(text=t("booking.already", summary=summary))
            return []
        except SlotFull:
            dispatcher.utter_message(text=t("booking.time_taken", time=start.strftime("%H:%M")))
            return []
        except InvalidSlot as error:
            key = "booking.day_past" if error.reason == "past" else "booking.time_not_slot"
            dispatcher.utter_message(text=t(key, time=start.strftime("%H:%M")))
            return []
        except BookingError:
            dispatcher.utter_message(text=t("answer.booking_unavailable"))
            return []
        reminders = await booking_flow.reminders_text(booking)
        dispatcher.utter_message(text=booking_flow.booked_text(booking, reminders),
                                 json_message={"booking": _public(booking)})  # fmt: skip
        return [SlotSet("booking_code", booking.code)]


class LookupBooking(CoreAction):
    def name(self) -> str:
        return ACTION_LOOKUP

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:  # fmt: skip
        engine = await self.core.engine()
        phone = await self.core.proven_phone(tracker)
        if phone is None:  # a booking is personal data: shown to its proven owner only
            dispatcher.utter_message(text=number_request(CHANNEL, "lookup").text)
            return []
        from bot.booking.store import person_key

        active = await engine.bookings.active_for(person_key(phone, None))
        booking_flow = engine.dialogue.booking
        assert booking_flow is not None
        if not active:
            dispatcher.utter_message(text=t("booking.none_active"))
            return []
        items = "\n".join(booking_flow.item_of(b) for b in active)
        shown = {"bookings": [_public(b) for b in active]}
        dispatcher.utter_message(text=t("booking.your_bookings", items=items), json_message=shown)
        return []


class RequestHandoff(CoreAction):
    def name(self) -> str:
        return ACTION_HANDOFF

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:  # fmt: skip
        engine = await self.core.engine()
        conversation = conversation_of(tracker)
        service = tracker.get_slot(SERVICE)
        said = [e.get("text") for e in tracker.events if e.get("event") == "user"]
        summary = " / ".join(s for s in said[-3:] if s)
        out = await engine.handoff.request(conversation, "asked", summary, channel=CHANNEL,
                                           service=service if service in engine.passports
                                           else None)  # fmt: skip
        dispatcher.utter_message(text=out.text)
        if engine.desk is not None and await engine.desk.is_open(conversation):
            log.info("rasa conversation paused for an operator", conversation=conversation)
            return [ConversationPaused()]
        return []  # nobody to wait for (no operators, out of hours): Rasa carries on


def _center(engine: Engine, value: object) -> str | None:
    if not value:
        return None
    text = str(value)
    if engine.centers.get(text) is not None:
        return text
    found = [e for e in extract_entities(text, centers=engine.centers.aliases())
             if e.entity == "center"]  # fmt: skip
    return str(found[0].value) if found else None


def _start(day: object, at: object, clock: Clock) -> datetime | None:
    """The slot's start from the `date` and `time` slots: ISO values, or words the assistant's
    own extractor reads ("sabah", "cümə", "saat 10:30")."""
    if not day or not at:
        return None
    found = {e.entity: str(e.value) for e in
             extract_entities(f"{day} {at}", now=clock.now())}  # fmt: skip
    try:
        the_day = date.fromisoformat(str(day))
    except ValueError:
        if "date" not in found:
            return None
        the_day = date.fromisoformat(found["date"])
    try:
        the_time = time.fromisoformat(str(at))
    except ValueError:
        if "time" not in found:
            return None
        the_time = time.fromisoformat(found["time"])
    return datetime.combine(the_day, the_time, tzinfo=BAKU)


def _public(booking: Booking) -> dict[str, str]:
    """What a proven owner is shown of a booking (no one else's data is ever in it)."""
    return {"code": booking.code, "center": booking.center, "service": booking.service,
            "start": booking.start.isoformat()}  # fmt: skip


def executor(core: Core) -> ActionExecutor:
    found = ActionExecutor()
    for action in (AnswerTopic, VerifyPhone, BookSlot, LookupBooking, RequestHandoff):
        found.register_action(action(core))
    return found


def build_app(core: Core, token: str) -> Any:
    """The action server: rasa-sdk's own Sanic app (POST /webhook, GET /actions, /health),
    answering only requests that carry `token` (see `RequireToken`)."""
    return RequireToken(create_app(executor(core), cors_origins=None), token)


class RequireToken:
    """401 for a request without the shared secret. Rasa sends its endpoints.yml `token` as the
    `token` query parameter (rasa-sdk itself checks nothing); /health stays open for probes."""

    OPEN_PATHS = frozenset({"/health"})

    def __init__(self, app: Any, token: str) -> None:
        if not token:
            raise ValueError("the action server needs a token (DOST_RASA_ACTIONS_TOKEN)")
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] not in self.OPEN_PATHS:
            given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])
            if not hmac.compare_digest(given[0].encode("latin-1", "replace"), self.token):
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"text/plain")]})  # fmt: skip
                await send({"type": "http.response.body", "body": b"a valid token is required"})
                return
        await self.app(scope, receive, send)


def serve(host: str, port: int) -> int:
    """`dost rasa-actions`: the app under uvicorn (Sanic speaks ASGI), one process."""
    import uvicorn

    from bot.config import get_settings
    from bot.logs import configure_logging
    from dost.sms import build_send_sms

    settings = get_settings()
    configure_logging(settings.log_level)
    if not settings.rasa_actions_token:
        print("set DOST_RASA_ACTIONS_TOKEN (and the same `token` in Rasa's endpoints.yml): "
              "see docs/rasa.md", file=sys.stderr)  # fmt: skip
        return 1
    app = build_app(Core(settings, send_sms=build_send_sms(settings)), settings.rasa_actions_token)
    uvicorn.run(app, host=host, port=port, log_config=None)
    return 0
