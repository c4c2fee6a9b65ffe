"""What a caller is offered (`Screen`, kept between webhooks) and one step's outcome (`Reply`),
and how the engine's replies become them. Pure: no I/O."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.choices import ChoiceId, Pick
from bot.messages import Choice, Outbound

# Choices that answer a question the engine asked (yes/no, a center, a day, a time, "did you
# mean", "shall I connect you to an operator?", a callback's number and time): the caller is in
# the middle of something, so no "go on or end" after them.
QUESTION_PICKS = frozenset({Pick.YES, Pick.NO, Pick.INTENT, Pick.CENTER, Pick.DAY, Pick.TIME,
                            Pick.MORE_TIMES, Pick.BOOKING, Pick.CANCEL, Pick.MOVE,
                            Pick.HANDOFF_YES, Pick.HANDOFF_NO, Pick.CALLBACK})  # fmt: skip
BOOKING_INTENTS = frozenset({"book_slot", "cancel_booking", "reschedule_booking", "my_booking"})
# Choices that only lead somewhere (groups, services, a service's topics, the main menu).
NAVIGATION_PICKS = frozenset({Pick.GROUP, Pick.SERVICE, Pick.TOPIC, Pick.CENTERS, Pick.PAGE,
                              Pick.MORE, Pick.MAIN, Pick.PERSON})  # fmt: skip


class Screen(BaseModel):
    """What the caller is being offered: enough to repeat it, page it and map the keys."""

    seq: int  # the seq of the request expected next
    texts: list[str] = Field(default_factory=list)  # what was said before the menu
    choices: list[Choice] = Field(default_factory=list)  # the engine's choices, all of them
    page: int = 0
    full_text: str | None = None  # long content that 1 sends by SMS
    # phone / code: the engine asked for a number typed in digits (a phone number, an SMS code)
    mode: Literal["menu", "phone", "code"] = "menu"
    can_sms: bool = False  # the caller's number is known and SMS can be sent to it
    misses: int = 0  # silences and wrong keys in a row
    # Said after the menu: "keys" (what 0, *, #, 9 do: the call's first menu) or "go_on"
    # (another question, the main menu or the end of the call: after an answer or a booking).
    tail: Literal["keys", "go_on"] | None = None


class Reply(BaseModel):
    """One step's outcome before it becomes TwiML."""

    prefix: list[str] = Field(default_factory=list)  # said first ("I did not hear you")
    screen: Screen | None = None  # then this menu, in a Gather
    final: bool = False  # the last chance: "0 for a person, or the call ends"
    menu_only: bool = False  # the screen's texts were just heard: only the keys again
    dial: bool = False
    enqueue: str | None = None  # wait in this live operators' queue (skill) instead of dialling
    goodbye: bool = False  # say goodbye and hang up
    whole: str | None = None  # the engine's reply as a screen shows it: by SMS if read briefly


def from_engine(replies: list[Outbound], screen: Screen) -> Reply:
    """The engine's replies for the ear (voice.py then fits each text into one prompt), a
    hand-off dials (or waits in the live operators' queue), the core's hang-up says goodbye."""
    if not replies:  # the engine saw this message already: the current prompt again
        return Reply(screen=screen)
    # A hand-off's own text is for chats ("call 142"): the caller is put through instead. The
    # source line is for screens: not read out, but sent with the text by SMS.
    spoken = [o for o in replies if o.handoff is None and o.text.strip()]
    texts = [o.text.strip() for o in spoken]
    whole = "\n\n".join(o.shown_text.strip() for o in spoken) or None
    choices = [c for out in replies for c in out.choices]
    mode = next((o.expects for o in replies if o.expects), "menu")
    new = Screen(
        seq=screen.seq,
        texts=texts,
        choices=choices,
        mode=mode,
        can_sms=screen.can_sms,
        tail=_tail(replies, choices) if mode == "menu" else None,
    )
    queued = next((o.handoff.queue for o in replies if o.handoff and o.handoff.queue), None)
    if queued is not None:  # live operators: the caller waits in their queue
        return Reply(screen=new, enqueue=queued, whole=whole)
    if any(o.handoff is not None for o in replies):
        return Reply(screen=new, dial=True, whole=whole)
    if any(o.hangup for o in replies):  # the core ended the conversation: the call's own goodbye
        said = [o.text.strip() for o in replies if not (o.hangup or o.handoff)]
        return Reply(prefix=said, goodbye=True)
    return Reply(screen=new, whole=whole)


def _tail(replies: list[Outbound], choices: list[Choice]) -> Literal["go_on"] | None:
    """ "Go on or end" after an answer, a booking, a cancellation: whatever is not a question
    and not just a way somewhere (a menu of groups or services)."""
    picks = {p.pick for c in choices if (p := ChoiceId.parse(c.id)) is not None}
    if picks & QUESTION_PICKS:
        return None
    answered = any(o.sources or o.source_line for o in replies)
    booked = any(o.intent in BOOKING_INTENTS for o in replies)  # booked, moved, cancelled
    if answered or booked or not choices or not picks <= NAVIGATION_PICKS:
        return "go_on"
    return None
