"""What a key or a spoken word means on a screen: the keypad of its current page (menu.py's
rules, with "1 – the full text by SMS" first when it is offered), a choice picked by its title
or a digit's name ("iki"), and what silence or a wrong key leads to. Pure: no I/O."""

from __future__ import annotations

from channels.twilio import menu
from channels.twilio.texts import words
from channels.twilio.voice_screen import Reply, Screen
from nlu.normalize import fold

MAX_REPROMPTS = 2  # silent or wrong answers that just repeat the prompt


def entries(screen: Screen) -> list[menu.Entry]:
    """The keys of the screen's current page."""
    sms_offer = bool(screen.full_text) and screen.can_sms
    return menu.keypad(screen.choices, page=screen.page, sms_offer=sms_offer)


def pressed(screen: Screen, digits: str) -> menu.Entry | None:
    return next((e for e in entries(screen) if e.digit == digits), None)


def spoken(screen: Screen, speech: str) -> menu.Entry | None:
    """The entry whose title, or whose digit's name, is all the caller said."""
    said = fold(speech).strip(" .!?")
    digit_words = [fold(w) for w in words("voice.digit_words")]
    for e in entries(screen):
        if said == fold(e.title) or (
            said in digit_words and str(digit_words.index(said)) == e.digit
        ):
            return e
    return None


def missed(screen: Screen, what: str) -> Reply:
    """Silence or a key not in the menu: the prompt again twice, then the last chance, then
    goodbye."""
    screen.misses += 1
    if screen.misses <= MAX_REPROMPTS:
        return Reply(prefix=[what], screen=screen)
    if screen.misses == MAX_REPROMPTS + 1:
        return Reply(prefix=[what], screen=screen, final=True)
    return Reply(goodbye=True)
