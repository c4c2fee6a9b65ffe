"""What a key or a spoken word means on a screen: the options of its current page (menu.py's
keys, with "the full text by SMS" first when it is offered), a choice picked by its title or a
digit's name ("iki"), and what silence or a wrong key leads to. Pure: no I/O."""

from __future__ import annotations

from channels.twilio import menu
from channels.twilio.texts import words
from channels.twilio.voice_screen import Reply, Screen
from nlu.normalize import fold

MAX_REPROMPTS = 2  # silent or wrong answers that just repeat the prompt


def entries(screen: Screen) -> list[menu.Entry]:
    """The keys of the screen's current page: its options, and 5 when there are more."""
    sms_offer = bool(screen.full_text) and screen.can_sms
    return menu.keypad(screen.choices, page=screen.page, sms_offer=sms_offer)


def pressed(screen: Screen, digits: str) -> menu.Entry | None:
    return next((e for e in entries(screen) if e.digit == digits), None)


def spoken_key(speech: str) -> str | None:
    """The key whose digit's name is all the caller said (the word for five is 5)."""
    said = fold(speech).strip(" .!?")
    digit_words = [fold(w) for w in words("voice.digit_words")]
    return str(digit_words.index(said)) if said in digit_words else None


def spoken(screen: Screen, speech: str) -> menu.Entry | None:
    """The option whose title is all the caller said."""
    said = fold(speech).strip(" .!?")
    return next((e for e in entries(screen) if e.title and said == fold(e.title)), None)


def missed(screen: Screen, what: str) -> Reply:
    """Silence or a key not in the menu: the prompt again twice, then the last chance, then
    goodbye."""
    screen.misses += 1
    if screen.misses <= MAX_REPROMPTS:
        return Reply(prefix=[what], screen=screen)
    if screen.misses == MAX_REPROMPTS + 1:
        return Reply(prefix=[what], screen=screen, final=True)
    return Reply(goodbye=True)
