"""What a caller is offered (`Screen`, kept between webhooks) and one step's outcome (`Reply`),
and how the engine's replies become them. Pure: no I/O."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.messages import Choice, Outbound
from channels.twilio import menu
from channels.twilio.texts import tx


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


class Reply(BaseModel):
    """One step's outcome before it becomes TwiML."""

    prefix: list[str] = Field(default_factory=list)  # said first ("I did not hear you")
    screen: Screen | None = None  # then this menu, in a Gather
    final: bool = False  # the last chance: "0 for a person, or the call ends"
    menu_only: bool = False  # the screen's texts were just heard: only the keys again
    dial: bool = False
    goodbye: bool = False  # say goodbye and hang up


def from_engine(replies: list[Outbound], screen: Screen) -> Reply:
    """The engine's replies for the ear: long content briefly (the full text kept for SMS),
    a hand-off dials, the core's hang-up says goodbye."""
    if not replies:  # the engine saw this message already: the current prompt again
        return Reply(screen=screen)
    texts: list[str] = []
    full_text = None
    for out in replies:
        if out.handoff is not None:
            continue  # its text is for chats ("call 142"); the caller is put through
        body = out.text.strip()  # the source line is for screens, not read out
        if menu.is_long(body):
            full_text = out.shown_text  # by SMS, with its source line
            body = f"{menu.brief(body)}\n{tx('voice.brief_more')}"
        texts.append(body)
    choices = [c for out in replies for c in out.choices]
    new = Screen(
        seq=screen.seq,
        texts=texts,
        choices=choices,
        full_text=full_text,
        mode=next((o.expects for o in replies if o.expects), "menu"),
        can_sms=screen.can_sms,
    )
    if any(o.handoff is not None for o in replies):
        return Reply(screen=new, dial=True)
    if any(o.hangup for o in replies):  # the core ended the conversation: the call's goodbye
        said = [o.text.strip() for o in replies if not (o.hangup or o.handoff)]
        return Reply(prefix=said, goodbye=True)
    return Reply(screen=new)
