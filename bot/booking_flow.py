"""The booking dialogue: service → center → day → time → phone → confirm → code and summary;
and, for an identified person, "my booking", cancel and reschedule.

What the person already said is kept: a center, a day or a time named in the booking request or
in any later message of the flow is never asked again, whatever question it answered.

The slot is held while the person confirms; confirming twice makes one booking (the request id
is fixed when the flow starts); every Redis change is one atomic store call. "Today" is the day
of the store's clock.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import phonenumbers

from bot.booking.codes import normalize_code
from bot.booking.errors import AlreadyBooked, BookingNotFound, InvalidSlot, SlotFull
from bot.booking.limits import BookingLimits
from bot.booking.store import Booking, BookingStore, person_key
from bot.cases import Word
from bot.catalog import bullets, format_date, t
from bot.choices import Pick, choice
from bot.clock import BAKU
from bot.flows.compiler import compile_flow, topics
from bot.identity import Identity, number_request, parse_phone
from bot.messages import Choice, Outbound
from bot.state import BookingProgress
from bot.verification import CODE_DIGITS, Checked, Started
from knowledge.centers import Centers
from knowledge.model import Passport

MAX_TIME_CHOICES = 4  # a page of times, as every menu (bot.dialogue.PAGE_SIZE), then "other times"
NEAREST_TIMES = 4  # offered around a time that is taken or not in the schedule
OPEN_DAYS_OFFERED = 5
MAX_GO_ON_CHOICES = 4  # after a booking or a cancellation: a few ways to go on, no more

# Intents a message inside the flow may carry and still be an answer to it ("Yasamal olsun",
# "cümə axşamı gələ bilərəm"). A message about anything else, said this surely, is another
# question even when it names a day ("sabah işləyirsiniz?").
_ANSWER_INTENTS = frozenset(
    {"book_slot", "service_info", "affirm", "deny", "ask_location", "out_of_scope", "greet"}
)
ANOTHER_QUESTION_CONFIDENCE = 0.8

Say = Callable[..., Outbound]


def _entity(parsed: dict | None, kind: str) -> str | None:
    for entity in (parsed or {}).get("entities", []):
        if entity["entity"] == kind:
            return entity["value"]
    return None


def _another_question(parsed: dict | None) -> bool:
    intent = (parsed or {}).get("intent") or {}
    return (intent.get("name") not in _ANSWER_INTENTS
            and intent.get("confidence", 0.0) >= ANOTHER_QUESTION_CONFIDENCE)  # fmt: skip


def _with_intro(turn: Any, intro: str | None) -> Say:
    """turn.say, with `intro` opening the first text said."""

    def say(text: str, choices: list[Choice] | None = None, **meta: Any) -> Outbound:
        return turn.say(f"{intro}\n\n{text}" if intro else text, choices, **meta)

    return say


def _phone_shown(phone: str) -> str:
    number = phonenumbers.parse(phone, "AZ")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class BookingDialogue:
    def __init__(
        self,
        store: BookingStore,
        centers: Centers,
        passports: Mapping[str, Passport],
        identity: Identity,
        limits: BookingLimits,
    ) -> None:
        self.store = store
        self.identity = identity
        self.limits = limits
        self.calendar = store.calendar
        self.clock = store.clock
        self.centers = centers
        self.passports = passports

    # --- entry points --------------------------------------------------------------------

    def begin(self, state: Any, purpose: str, service: str | None = None) -> BookingProgress:
        """A new flow, silently: a button of a booking list shown earlier picks up from here."""
        state.booking = BookingProgress(purpose=purpose, step="center", service=service,
                                        request_id=uuid.uuid4().hex)  # fmt: skip
        return state.booking

    def remember(self, state: Any, parsed: dict | None) -> None:
        """A booking request that named no service: what it did name (a center, a day, a
        time) waits for the service the person picks next (see `start`)."""
        said = BookingProgress(purpose="book", step="service", request_id=uuid.uuid4().hex)
        if self._keep(said, parsed):
            state.booking = said

    async def start(self, state: Any, turn: Any, purpose: str, service: str | None,
                    parsed: dict | None = None) -> None:  # fmt: skip
        said = state.booking if state.booking and state.booking.step == "service" else None
        progress = self.begin(state, purpose, service)
        if purpose != "book":
            # A code alone proves nothing: bookings are shown only to their proven owner, and
            # the answer is the same whether the code exists or not.
            progress.code = _entity(parsed, "booking_code")
            if purpose == "reschedule":  # "move it to Thursday at 11": the new day and time
                self._keep(progress, parsed, center=False)
            if state.phone is None:
                self._ask_identity(turn, progress)
                return
            await self._manage(state, turn)
            return
        if said is not None:
            progress.center, progress.day = said.center, said.day
            progress.wanted_time = said.wanted_time
        self._keep(progress, parsed)
        await self._advance(state, turn)

    async def on_text(self, state: Any, text: str, parsed: dict, turn: Any) -> bool:
        """Handle a message typed during the flow; False when it is about something else."""
        progress: BookingProgress = state.booking
        step = progress.step
        if step == "identity":
            # A typed number on any channel, Telegram too: it is proven by a code sent to it.
            phone = _entity(parsed, "phone") or parse_phone(text)
            if phone is None:
                return False
            await self._send_code(progress, phone, turn)
            return True
        if step == "verify_code":
            return await self._on_code(state, text, parsed, turn)
        if step == "service":
            return await self._on_service(state, parsed, turn)
        if step in ("center", "day", "time"):
            return await self._on_details(state, parsed, turn)
        return False  # confirm / pick steps answer by buttons or yes/no (see on_yes_no)

    async def _on_service(self, state: Any, parsed: dict, turn: Any) -> bool:
        """The service asked for after a booking request that named none (`remember`)."""
        progress: BookingProgress = state.booking
        named = (parsed.get("service") or {}).get("id")
        if state.pending_topic != "book" or _another_question(parsed) or named is None:
            state.booking = None  # the person moved on: what they said is forgotten
            return False
        state.pending_topic = None
        state.service = turn.service = progress.service = named
        self._keep(progress, parsed)
        await self._advance(state, turn)
        return True

    async def _on_details(self, state: Any, parsed: dict, turn: Any) -> bool:
        """A center, a day or a time, whichever the step asked: all of them are kept."""
        progress: BookingProgress = state.booking
        if _another_question(parsed):
            return False
        before = (progress.center, progress.day, progress.wanted_time)
        if not self._keep(progress, parsed, center=progress.purpose == "book"):
            return False
        center, day, _ = before
        answered = {"center": progress.center != center, "day": progress.day != day,
                    "time": True}[progress.step]  # fmt: skip
        if progress.center != center or progress.day != day:
            progress.time_page = 0
        intro = None if answered else self._noted(progress, parsed)
        await self._advance(state, turn, intro=intro)
        return True

    def _keep(self, p: BookingProgress, parsed: dict | None, *, center: bool = True) -> bool:
        """Keep the center, day and time a message names; whether it named any."""
        found = False
        center_id = self._center_of(parsed) if center else None
        if center_id is not None:
            p.center, found = center_id, True
        day = _entity(parsed, "date")
        if day is not None:
            p.day, found = date.fromisoformat(day), True
        wanted = _entity(parsed, "time")
        if wanted is not None:
            p.wanted_time, found = wanted, True
        return found

    def _noted(self, p: BookingProgress, parsed: dict) -> str | None:
        """ "Noted: Thursday, 11:00", for a day or time said while another question was asked."""
        said = []
        if _entity(parsed, "date") and p.day is not None:
            said.append(format_date(p.day))
        if _entity(parsed, "time") and p.wanted_time is not None:
            said.append(f"saat {p.wanted_time}")
        return t("booking.noted", when=", ".join(said)) if said else None

    async def on_choice(self, state: Any, kind: Pick, arg: str, turn: Any) -> None:
        progress: BookingProgress | None = state.booking
        if progress is None:
            return
        if kind is Pick.CENTER:
            progress.center = arg
            await self._advance(state, turn)
        elif kind is Pick.DAY:
            progress.day = date.fromisoformat(arg)
            progress.time_page = 0
            await self._advance(state, turn)
        elif kind is Pick.TIME:
            progress.start = datetime.fromisoformat(arg)
            await self._advance(state, turn)
        elif kind is Pick.MORE_TIMES:
            progress.time_page += 1
            await self._advance(state, turn)
        elif kind is Pick.BOOKING:
            progress.code = arg
            await self._manage(state, turn)
        elif kind in (Pick.CANCEL, Pick.MOVE):
            progress.code = arg
            progress.purpose = "cancel" if kind is Pick.CANCEL else "reschedule"
            await self._manage(state, turn)

    async def on_yes_no(self, state: Any, yes: bool, turn: Any) -> None:
        progress: BookingProgress = state.booking
        if progress.step == "confirm":
            if yes:
                await self._confirm(state, turn)
            else:
                await self.abandon(state)
                turn.say(t("booking.aborted"))
        elif progress.step == "cancel_confirm":
            state.booking = None
            if yes:
                booking = await self.store.cancel(progress.code or "")
                state.service = booking.service  # what the offers to go on are about
                turn.say(f"{t('booking.cancelled', code=booking.code)}\n\n{t('booking.go_on')}",
                         self._go_on_choices("cancel", booking.service))  # fmt: skip
                return
            kept = await self.store.get(progress.code or "")
            if kept is None or not kept.is_active:  # gone meanwhile (cancelled elsewhere)
                turn.say(t("booking.none_active"))
                return
            turn.say(t("booking.cancel_kept", summary=self.summary_of(kept)),
                     [choice(Pick.MOVE, t("booking.reschedule_choice"), kept.code),
                      choice(Pick.MAIN, t("menu.back"))])  # fmt: skip

    def prove(self, state: Any, turn: Any, intro: str) -> None:
        """Only prove the person's number (a notice was asked about); the flow ends with it."""
        self._ask_identity(turn, self.begin(state, "notice"), intro)

    async def identified(self, state: Any, turn: Any) -> None:
        """The person's number was just proven: go on with what they were doing."""
        progress: BookingProgress = state.booking
        if progress.purpose == "notice":
            state.booking = None  # the caller answers what was asked
            return
        if progress.purpose == "book":
            progress.step = "confirm"
            await self._advance(state, turn)
        else:
            await self._manage(state, turn)

    async def reprompt(self, state: Any, turn: Any) -> bool:
        """Ask the current step's question again (an unclear answer inside the flow)."""
        progress: BookingProgress = state.booking
        if progress.step == "service":  # no service named: the message is a question of its own
            state.booking = None
            return False
        if progress.purpose == "book" or progress.step in ("day", "time", "identity",
                                                             "verify_code"):  # fmt: skip
            if progress.step == "identity":
                self._ask_identity(turn, progress, t("booking.bad_phone"))
            elif progress.step == "verify_code":
                turn.say(t("verify.enter_code"), expects="code")
            elif progress.step == "center":
                turn.say(t("booking.unknown_center"), self._center_choices(progress))
            else:
                await self._advance(state, turn)
            return True
        await self.abandon(state)
        return False

    async def abandon(self, state: Any) -> None:
        progress: BookingProgress | None = state.booking
        state.booking = None
        if progress and progress.hold_id and progress.start and progress.center:
            slot = self.calendar.slot_at(progress.center, progress.service, progress.start)
            await self.store.release(slot, progress.hold_id)

    # --- booking ---------------------------------------------------------------------------

    async def _advance(self, state: Any, turn: Any, intro: str | None = None) -> None:
        """Ask for the first missing piece, validating what is there; `intro` opens the text."""
        p: BookingProgress = state.booking
        say = _with_intro(turn, intro)
        service = self.passports[p.service]
        if p.center is None or not self.centers.get(p.center):
            p.step = "center"
            say(t("booking.ask_center", service=service.display_name), self._center_choices(p))
            return
        center = self.centers.get(p.center)
        if not center.offers(p.service):
            p.center, p.step = None, "center"
            say(t("booking.center_no_service", service=service.display_name,
                  center=Word(center.name)), self._center_choices(p))  # fmt: skip
            return
        today = self.clock.now().date()
        if p.day is None or p.day < today or not self.calendar.is_open_day(p.center, p.day):
            key = ("booking.ask_day" if p.day is None else
                   "booking.day_past" if p.day < today else "booking.day_closed")  # fmt: skip
            shown = format_date(p.day) if p.day else ""
            p.day, p.start, p.step = None, None, "day"
            say(t(key, day=shown, center=Word(center.name)), self._day_choices(p))
            return
        free = await self._free(p)
        if not free:
            full_day = format_date(p.day)
            p.day, p.step = None, "day"
            say(t("booking.day_full", day=full_day), self._day_choices(p))
            return
        if p.wanted_time is not None and p.start is None:
            wanted = datetime.combine(p.day, time.fromisoformat(p.wanted_time), tzinfo=BAKU)
            p.wanted_time = None  # asked for once; a full or missing time offers the nearest
            if not any(slot.start == wanted for slot, _ in free):
                in_schedule = any(s.start == wanted for s in self.calendar.slots(
                    p.center, p.service, p.day))  # fmt: skip
                key = "booking.time_taken" if in_schedule else "booking.time_not_slot"
                self._offer_nearest(say, p, free, wanted, key)
                return
            p.start = wanted
        if p.start is None:
            p.step = "time"
            minutes = int((free[0][0].end - free[0][0].start).total_seconds() // 60)
            say(t("booking.ask_time", day=format_date(p.day), minutes=minutes),
                self._time_choices(p, free))  # fmt: skip
            return
        if p.purpose == "reschedule":
            await self._advance_reschedule(state, turn, say)
            return
        if p.hold_id is None:
            if not await self.limits.allow_hold(turn.origin or turn.conversation):
                await self.abandon(state)
                say(t("booking.limit_reached"))
                return
            try:
                slot = self.calendar.slot_at(p.center, p.service, p.start)
                p.hold_id = await self.store.hold(slot, holder=p.request_id)
            except (SlotFull, InvalidSlot):
                taken, p.start = p.start, None
                self._offer_nearest(say, p, free, taken, "booking.time_taken")
                return
        if state.phone is None:
            self._ask_identity(turn, p, intro)
            return
        p.step = "confirm"
        say(t("booking.confirm", service=service.display_name, center=center.name,
              day=format_date(p.day), time=p.start.strftime("%H:%M"),
              phone=_phone_shown(state.phone)),
            [choice(Pick.YES, t("booking.confirm_yes")),
             choice(Pick.NO, t("booking.confirm_no"))])  # fmt: skip

    async def _confirm(self, state: Any, turn: Any) -> None:
        p: BookingProgress = state.booking
        if not await self.limits.allow_booking(state.phone, turn.origin or turn.conversation):
            await self.abandon(state)
            turn.say(t("booking.limit_reached"))
            return
        slot = self.calendar.slot_at(p.center, p.service, p.start)
        try:
            booking = await self.store.book(
                slot, phone=state.phone, request_id=p.request_id, hold_id=p.hold_id,
                channel=turn.channel, conversation=turn.conversation,
            )  # fmt: skip
        except SlotFull:
            taken, p.start, p.hold_id = p.start, None, None
            free = await self._free(p)
            self._offer_nearest(turn.say, p, free, taken, "booking.hold_expired")
            return
        except AlreadyBooked as exc:
            await self.abandon(state)
            existing = await self.store.get(exc.code)
            summary = self.summary_of(existing) if existing else exc.code
            turn.say(t("booking.already", summary=summary), self._manage_choices(exc.code))
            return
        state.booking = None
        state.service = booking.service  # what the offers to go on are about
        text = self.booked_text(booking, await self.reminders_text(booking))
        turn.say(f"{text}\n\n{t('booking.go_on')}", self._go_on_choices("book", booking.service))

    async def reminders_text(self, booking: Booking) -> str:
        """Only the reminders that will really go out are promised."""
        reminders = getattr(self.store, "reminders", None)
        hours = await reminders.promised(booking) if reminders is not None else []
        if not hours:
            return t("booking.reminders_none")
        shown = [str(h) for h in hours]
        also = t("booking.hours_and")
        joined = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} {also} {shown[-1]}"
        return t("booking.reminders_promised", hours=joined)

    def booked_text(self, booking: Booking, reminders: str) -> str:
        center = self.centers.get(booking.center)
        passport = self.passports[booking.service]
        text = t("booking.booked", code=booking.code, center=center.name,
                 address=t("booking.address", address=center.address) if center.address else "",
                 day=format_date(booking.start.date()), time=booking.start.strftime("%H:%M"),
                 service=passport.display_name)  # fmt: skip
        text += "\n\n" + reminders
        documents = passport.field("documents")
        if documents is not None and documents.is_known:
            text += "\n\n" + t("booking.documents", items=bullets(documents.value))
        else:
            text += "\n\n" + t("booking.documents_unknown")
        return text

    # --- my booking, cancel, reschedule ------------------------------------------------------

    async def _manage(self, state: Any, turn: Any) -> None:
        p: BookingProgress = state.booking
        if state.phone is None:  # only a proven owner gets here; never show anything else
            self._ask_identity(turn, p)
            return
        bookings = await self.store.active_for(person_key(state.phone, None))
        if p.code:
            wanted = normalize_code(p.code)
            bookings = [b for b in bookings if b.code == wanted]
        if not bookings:
            state.booking = None
            turn.say(t("booking.none_active"))
            return
        if p.purpose == "lookup":
            state.booking = None
            items = "\n".join(self.item_of(b) for b in bookings)
            choices = [c for b in bookings for c in self._manage_choices(b.code)][:9]
            turn.say(t("booking.your_bookings", items=items), choices)
            return
        if len(bookings) > 1 and not p.code:
            p.step = "pick"
            choices = [choice(Pick.BOOKING, self.summary_of(b), b.code) for b in bookings]
            turn.say(t("booking.which_booking"), choices)
            return
        booking = bookings[0]
        p.code, p.service, p.center = booking.code, booking.service, booking.center
        if p.purpose == "cancel":
            p.step = "cancel_confirm"
            turn.say(t("booking.ask_cancel", summary=self.summary_of(booking)),
                     [choice(Pick.YES, t("choice.affirm")),
                      choice(Pick.NO, t("choice.deny"))])  # fmt: skip
            return
        await self._reschedule(state, turn)

    async def _reschedule(self, state: Any, turn: Any) -> None:
        p: BookingProgress = state.booking
        if p.day is None or p.start is None:
            # Reuse the booking steps for the new day and time, then swap atomically.
            p.purpose = "reschedule"
            if p.day is None:
                p.step = "day"
                turn.say(t("booking.reschedule_day"), self._day_choices(p))
                return
        await self._advance_reschedule(state, turn)

    async def _advance_reschedule(self, state: Any, turn: Any, say: Say | None = None) -> None:
        p: BookingProgress = state.booking
        say = say or turn.say
        if p.start is None:
            await self._advance(state, turn)
            return
        slot = self.calendar.slot_at(p.center, p.service, p.start)
        try:
            moved = await self.store.reschedule(p.code, slot, request_id=p.request_id)
        except SlotFull:
            taken, p.start = p.start, None
            self._offer_nearest(say, p, await self._free(p), taken, "booking.time_taken")
            return
        except BookingNotFound:
            state.booking = None
            say(t("booking.none_active"))
            return
        state.booking = None
        state.service = moved.service
        text = t("booking.rescheduled", day=format_date(moved.start.date()),
                 time=moved.start.strftime("%H:%M"), center=self.centers.get(moved.center).name,
                 code=moved.code)  # fmt: skip
        say(f"{text}\n\n{t('booking.go_on')}", self._go_on_choices("book", moved.service))

    # --- proving the number ------------------------------------------------------------------

    def _ask_identity(self, turn: Any, p: BookingProgress, intro: str | None = None) -> None:
        """Ask for the number in words that fit the purpose, offering only what the channel
        can do (the contact button on Telegram, a typed number and an SMS code everywhere)."""
        p.step = "identity"
        request = number_request(turn.channel, p.purpose)
        _with_intro(turn, intro)(request.text, request_contact=request.request_contact,
                                 expects=request.expects)  # fmt: skip

    async def _send_code(self, p: BookingProgress, phone: str, turn: Any) -> None:
        sent = await self.identity.send_code(turn.conversation, phone, turn.origin)
        if sent is Started.SENT:
            p.step = "verify_code"
            turn.say(t("verify.code_sent", phone=_phone_shown(phone)), expects="code")
        elif sent is Started.RATE_LIMITED:
            turn.say(t("verify.rate_limited"))
        else:
            turn.say(t("verify.not_sent"))

    async def _on_code(self, state: Any, text: str, parsed: dict, turn: Any) -> bool:
        p: BookingProgress = state.booking
        code = re.sub(r"\D", "", text)
        if len(code) != CODE_DIGITS:
            phone = _entity(parsed, "phone") or parse_phone(text)
            if phone is not None:  # another number: a new code for it
                await self._send_code(p, phone, turn)
                return True
            return False
        result = await self.identity.check_code(state, code, turn.channel, turn.conversation)
        if result.outcome is Checked.PROVEN:
            turn.say(t("verify.proven"))
            await self.identified(state, turn)
        elif result.outcome is Checked.WRONG:
            turn.say(t("verify.wrong_code", left=result.tries_left), expects="code")
        else:
            p.step = "identity"
            turn.say(t("verify.no_code"), expects="phone")
        return True

    # --- pieces ------------------------------------------------------------------------------

    async def _free(self, p: BookingProgress) -> list:
        """The day's slots that still have a place, with their free counts."""
        slots = await self.store.availability(p.center, p.service, p.day)
        return [(slot, n) for slot, n in slots if n > 0]

    def _center_of(self, parsed: dict | None) -> str | None:
        center = _entity(parsed, "center")
        return center if center and self.centers.get(center) else None

    def _center_choices(self, p: BookingProgress) -> list[Choice]:
        return [choice(Pick.CENTER, c.name, c.id) for c in self.centers.centers
                if c.offers(p.service)]  # fmt: skip

    def _day_choices(self, p: BookingProgress) -> list[Choice]:
        today = self.clock.now().date()
        # open_days counts from the day after `after`: start from yesterday to offer today,
        # unless today's last times are already past (late in the afternoon).
        days = self.calendar.open_days(p.center, today - timedelta(days=1), OPEN_DAYS_OFFERED + 1)
        if days and days[0] == today and not self.calendar.slots(p.center, p.service, today):
            days = days[1:]
        days = days[:OPEN_DAYS_OFFERED]
        return [choice(Pick.DAY, format_date(d), d.isoformat()) for d in days]

    def _time_choices(self, p: BookingProgress, free: list) -> list[Choice]:
        start = p.time_page * MAX_TIME_CHOICES
        page = free[start : start + MAX_TIME_CHOICES]
        if not page:
            p.time_page, page = 0, free[:MAX_TIME_CHOICES]
        choices = [choice(Pick.TIME, slot.start.strftime("%H:%M"), slot.start.isoformat())
                   for slot, _ in page]  # fmt: skip
        if len(free) > start + MAX_TIME_CHOICES:
            choices.append(choice(Pick.MORE_TIMES, t("booking.more_times")))
        return choices

    def _offer_nearest(self, say: Say, p: BookingProgress, free: list, wanted: datetime,
                       key: str) -> None:  # fmt: skip
        """The wanted time cannot be had: say so, and offer the free times nearest to it on
        that day, with the whole day's list behind "other times"."""
        p.step = "time"
        others = [(slot, n) for slot, n in free if slot.start != wanted]
        if not others:
            full_day = format_date(p.day)
            p.day, p.step = None, "day"
            say(t("booking.day_full", day=full_day), self._day_choices(p))
            return
        nearest = sorted(others, key=lambda item: abs(item[0].start - wanted))[:NEAREST_TIMES]
        choices = [choice(Pick.TIME, slot.start.strftime("%H:%M"), slot.start.isoformat())
                   for slot, _ in sorted(nearest, key=lambda item: item[0].start)]  # fmt: skip
        if len(others) > len(nearest):  # the day again: its full list of free times
            choices.append(choice(Pick.DAY, t("booking.more_times"), p.day.isoformat()))
        say(t(key, time=wanted.strftime("%H:%M"), day=format_date(p.day)), choices)

    def _go_on_choices(self, after: str, service: str) -> list[Choice]:
        """Ways to go on after a booking (or a move) and after a cancellation: a topic of the
        service just booked or cancelled (the state's service, which the dialogue answers
        about), the centers, the main menu. Topics the passport cannot answer are left out."""
        wanted = ("procedure",) if after == "book" else ("book", "documents")
        answerable = compile_flow(self.passports[service]).answerable
        choices = [choice(Pick.TOPIC, t(f"topic.{topic}"), topic) for topic in wanted
                   if topics()[topic].action is not None or answerable.get(topic)]  # fmt: skip
        choices += [choice(Pick.CENTERS, t("choice.centers")), choice(Pick.MAIN, t("menu.back"))]
        return choices[:MAX_GO_ON_CHOICES]

    def _manage_choices(self, code: str) -> list[Choice]:
        cancel, move = t("booking.cancel_choice"), t("booking.reschedule_choice")
        return [
            choice(Pick.CANCEL, f"{cancel} ({code})", code),
            choice(Pick.MOVE, f"{move} ({code})", code),
        ]

    def summary_of(self, b: Booking) -> str:
        return self.item_of(b)[2:]

    def item_of(self, b: Booking) -> str:
        return t("booking.item", code=b.code, service=self.passports[b.service].display_name,
                 center=self.centers.get(b.center).name, day=format_date(b.start.date()),
                 time=b.start.strftime("%H:%M"))  # fmt: skip
