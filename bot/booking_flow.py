"""The booking dialogue: service → center → day → time → phone → confirm → code and summary;
and, for an identified person, "my booking", cancel and reschedule.

The slot is held while the person confirms; confirming twice makes one booking (the request id
is fixed when the flow starts); every Redis change is one atomic store call. "Today" is the day
of the store's clock.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import phonenumbers

from bot.booking.codes import normalize_code
from bot.booking.errors import AlreadyBooked, BookingNotFound, InvalidSlot, SlotFull
from bot.booking.limits import BookingLimits
from bot.booking.store import Booking, BookingStore, person_key
from bot.catalog import bullets, format_date, t
from bot.choices import Pick, choice
from bot.clock import BAKU
from bot.identity import Identity, parse_phone, proves_by_code
from bot.messages import Choice
from bot.state import BookingProgress
from bot.verification import CODE_DIGITS, Checked, Started
from knowledge.centers import Centers
from knowledge.model import Passport
from nlu.morphology import locative

MAX_TIME_CHOICES = 8  # a phone keypad has 9 keys; one stays for "other times"
OPEN_DAYS_OFFERED = 5


def _entity(parsed: dict | None, kind: str) -> str | None:
    for entity in (parsed or {}).get("entities", []):
        if entity["entity"] == kind:
            return entity["value"]
    return None


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

    async def start(self, state: Any, turn: Any, purpose: str, service: str | None,
                    parsed: dict | None = None) -> None:  # fmt: skip
        progress = self.begin(state, purpose, service)
        if purpose != "book":
            # A code alone proves nothing: bookings are shown only to their proven owner, and
            # the answer is the same whether the code exists or not.
            progress.code = _entity(parsed, "booking_code")
            if state.phone is None:
                self._ask_identity(turn, progress, t("verify.needed"))
                return
            await self._manage(state, turn)
            return
        progress.center = self._center_of(parsed, service)
        day = _entity(parsed, "date")
        progress.day = date.fromisoformat(day) if day else None
        progress.wanted_time = _entity(parsed, "time")
        await self._advance(state, turn)

    async def on_text(self, state: Any, text: str, parsed: dict, turn: Any) -> bool:
        """Handle a message typed during the flow; False when it is about something else."""
        progress: BookingProgress = state.booking
        step = progress.step
        if step == "identity":
            if not proves_by_code(turn.channel):
                self._ask_identity(turn, progress)  # a typed number proves nothing here
                return True
            phone = _entity(parsed, "phone") or parse_phone(text)
            if phone is None:
                return False
            await self._send_code(progress, phone, turn)
            return True
        if step == "verify_code":
            return await self._on_code(state, text, parsed, turn)
        if step == "center":
            center = self._center_of(parsed, progress.service)
            if center is None:
                return False
            progress.center = center
            await self._advance(state, turn)
            return True
        if step == "day":
            day = _entity(parsed, "date")
            if day is None:
                return False
            progress.day = date.fromisoformat(day)
            await self._advance(state, turn, wanted_time=_entity(parsed, "time"))
            return True
        if step == "time":
            wanted = _entity(parsed, "time")
            day = _entity(parsed, "date")
            if day is not None:
                progress.day = date.fromisoformat(day)
            if wanted is None and day is None:
                return False
            await self._advance(state, turn, wanted_time=wanted)
            return True
        return False  # confirm / pick steps answer by buttons or yes/no (see on_yes_no)

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
            if yes:
                booking = await self.store.cancel(progress.code or "")
                state.booking = None
                turn.say(t("booking.cancelled", code=booking.code))
            else:
                state.booking = None
                turn.say(t("booking.aborted"))

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

    async def _advance(self, state: Any, turn: Any, wanted_time: str | None = None) -> None:
        """Ask for the first missing piece, validating what is there."""
        p: BookingProgress = state.booking
        if wanted_time is not None:
            p.wanted_time = wanted_time
        service = self.passports[p.service]
        if p.center is None or not self.centers.get(p.center):
            p.step = "center"
            turn.say(t("booking.ask_center", service=service.display_name), self._center_choices(p))
            return
        center = self.centers.get(p.center)
        if not center.offers(p.service):
            p.center, p.step = None, "center"
            turn.say(t("booking.center_no_service", center=center.name), self._center_choices(p))
            return
        today = self.clock.now().date()
        if p.day is None or p.day < today or not self.calendar.is_open_day(p.center, p.day):
            key = ("booking.ask_day" if p.day is None else
                   "booking.day_past" if p.day < today else "booking.day_closed")  # fmt: skip
            shown = format_date(p.day) if p.day else ""
            p.day, p.start, p.step = None, None, "day"
            turn.say(t(key, day=shown, center_loc=locative(center.name)), self._day_choices(p))
            return
        free = await self._free(p)
        if not free:
            full_day = format_date(p.day)
            p.day, p.step = None, "day"
            turn.say(t("booking.day_full", day=full_day), self._day_choices(p))
            return
        if p.wanted_time is not None and p.start is None:
            hour, minute = map(int, p.wanted_time.split(":"))
            p.wanted_time = None  # asked for once; a full or missing time falls back to the list
            wanted = datetime.combine(p.day, time(hour, minute), tzinfo=BAKU)
            match = [slot for slot, _ in free if slot.start == wanted]
            if not match:
                p.step = "time"
                turn.say(t("booking.time_not_slot"), self._time_choices(p, free))
                return
            p.start = wanted
        if p.start is None:
            p.step = "time"
            minutes = int((free[0][0].end - free[0][0].start).total_seconds() // 60)
            turn.say(t("booking.ask_time", day=format_date(p.day), minutes=minutes),
                     self._time_choices(p, free))  # fmt: skip
            return
        if p.purpose == "reschedule":
            await self._advance_reschedule(state, turn)
            return
        if p.hold_id is None:
            if not await self.limits.allow_hold(turn.origin or turn.conversation):
                await self.abandon(state)
                turn.say(t("booking.limit_reached"))
                return
            try:
                slot = self.calendar.slot_at(p.center, p.service, p.start)
                p.hold_id = await self.store.hold(slot, holder=p.request_id)
            except (SlotFull, InvalidSlot):
                p.start, p.step = None, "time"
                turn.say(t("booking.time_taken"), self._time_choices(p, free))
                return
        if state.phone is None:
            self._ask_identity(turn, p, t("booking.ask_phone"))
            return
        p.step = "confirm"
        turn.say(t("booking.confirm", service=service.display_name, center=center.name,
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
            p.start, p.hold_id, p.step = None, None, "time"
            free = await self._free(p)
            turn.say(t("booking.hold_expired"), self._time_choices(p, free))
            return
        except AlreadyBooked as exc:
            await self.abandon(state)
            existing = await self.store.get(exc.code)
            summary = self._summary(existing) if existing else exc.code
            turn.say(t("booking.already", summary=summary), self._manage_choices(exc.code))
            return
        state.booking = None
        turn.say(self._booked_text(booking, await self._reminders_text(booking)))

    async def _reminders_text(self, booking: Booking) -> str:
        """Only the reminders that will really go out are promised."""
        reminders = getattr(self.store, "reminders", None)
        hours = await reminders.promised(booking) if reminders is not None else []
        if not hours:
            return t("booking.reminders_none")
        shown = [str(h) for h in hours]
        joined = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} və {shown[-1]}"
        return t("booking.reminders_promised", hours=joined)

    def _booked_text(self, booking: Booking, reminders: str) -> str:
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
            self._ask_identity(turn, p, t("verify.needed"))
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
            items = "\n".join(self._item(b) for b in bookings)
            choices = [c for b in bookings for c in self._manage_choices(b.code)][:9]
            turn.say(t("booking.your_bookings", items=items), choices)
            return
        if len(bookings) > 1 and not p.code:
            p.step = "pick"
            choices = [choice(Pick.BOOKING, self._summary(b), b.code) for b in bookings]
            turn.say(t("booking.which_booking"), choices)
            return
        booking = bookings[0]
        p.code, p.service, p.center = booking.code, booking.service, booking.center
        if p.purpose == "cancel":
            p.step = "cancel_confirm"
            turn.say(t("booking.ask_cancel", summary=self._summary(booking)),
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

    async def _advance_reschedule(self, state: Any, turn: Any) -> None:
        p: BookingProgress = state.booking
        if p.start is None:
            await self._advance(state, turn)
            return
        slot = self.calendar.slot_at(p.center, p.service, p.start)
        try:
            moved = await self.store.reschedule(p.code, slot, request_id=p.request_id)
        except SlotFull:
            p.start, p.step = None, "time"
            free = await self._free(p)
            turn.say(t("booking.time_taken"), self._time_choices(p, free))
            return
        except BookingNotFound:
            state.booking = None
            turn.say(t("booking.none_active"))
            return
        state.booking = None
        turn.say(t("booking.rescheduled", day=format_date(moved.start.date()),
                   time=moved.start.strftime("%H:%M"), center=self.centers.get(moved.center).name,
                   code=moved.code))  # fmt: skip

    # --- proving the number ------------------------------------------------------------------

    def _ask_identity(self, turn: Any, p: BookingProgress, intro: str | None = None) -> None:
        p.step = "identity"
        if proves_by_code(turn.channel):
            ask, contact = t("verify.ask_phone"), False
        else:
            ask, contact = t("verify.ask_contact"), True
        turn.say(f"{intro}\n\n{ask}" if intro else ask, request_contact=contact,
                 expects=None if contact else "phone")  # fmt: skip

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

    def _center_of(self, parsed: dict | None, service: str | None) -> str | None:
        center = _entity(parsed, "center")
        return center if center and self.centers.get(center) else None

    def _center_choices(self, p: BookingProgress) -> list[Choice]:
        return [choice(Pick.CENTER, c.name, c.id) for c in self.centers.centers
                if c.offers(p.service)]  # fmt: skip

    def _day_choices(self, p: BookingProgress) -> list[Choice]:
        today = self.clock.now().date()
        # open_days counts from the day after `after`: start from yesterday to offer today.
        days = self.calendar.open_days(p.center, today - timedelta(days=1), OPEN_DAYS_OFFERED)
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

    def _manage_choices(self, code: str) -> list[Choice]:
        cancel, move = t("booking.cancel_choice"), t("booking.reschedule_choice")
        return [
            choice(Pick.CANCEL, f"{cancel} ({code})", code),
            choice(Pick.MOVE, f"{move} ({code})", code),
        ]

    def _summary(self, b: Booking) -> str:
        return self._item(b)[2:]

    def _item(self, b: Booking) -> str:
        return t("booking.item", code=b.code, service=self.passports[b.service].display_name,
                 center=self.centers.get(b.center).name, day=format_date(b.start.date()),
                 time=b.start.strftime("%H:%M"))  # fmt: skip
