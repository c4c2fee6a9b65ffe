"""Choice ids, built and read in one place: the dialogue offers them, the channels carry them
(buttons, keypad digits, numbered SMS replies) and hand them back. An id is `kind` or
`kind:argument`; no other module knows the prefixes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.messages import Choice


class Pick(StrEnum):
    MAIN = "main"  # the main menu
    MORE = "more"  # the next page of the last menu (a menu shows at most four choices)
    GROUP = "g"  # a group of services (argument: the group)
    SERVICE = "s"  # a service (argument: its id)
    TOPIC = "t"  # a topic of the current service (argument: the topic)
    INTENT = "i"  # "did you mean …" (argument: the intent)
    YES = "y"
    NO = "n"
    ELIGIBILITY = "elig"  # start the eligibility check
    PERSON = "human"  # talk to a person
    CENTERS = "centers"  # the centers' addresses and hours
    PAGE = "p"  # a subject of the service pages (argument: its id, or "id:topic")
    CENTER = "bc"  # booking: a center (argument: its id)
    DAY = "bd"  # booking: a day (argument: ISO date)
    TIME = "bt"  # booking: a start (argument: ISO datetime)
    MORE_TIMES = "bm"  # booking: the next page of times
    BOOKING = "bx"  # one of the person's bookings (argument: its code)
    CANCEL = "bcx"  # cancel that booking (argument: its code)
    MOVE = "brx"  # move that booking (argument: its code)
    HANDOFF_YES = "hy"  # yes, connect me to an operator (argument: the hand-off's reason)
    HANDOFF_NO = "hn"  # no operator, thanks
    LEAVE_QUEUE = "leaveq"  # stop waiting for an operator
    RATE = "rate"  # the operator's help, 1–5 (argument: the score)
    CALLBACK = "cb"  # ask to be called back (argument: "me" for the proven number, "asap")


BOOKING_PICKS = frozenset(
    {Pick.CENTER, Pick.DAY, Pick.TIME, Pick.MORE_TIMES, Pick.BOOKING, Pick.CANCEL, Pick.MOVE}
)


@dataclass(frozen=True)
class ChoiceId:
    pick: Pick
    argument: str = ""

    def __str__(self) -> str:
        return f"{self.pick}:{self.argument}" if self.argument else str(self.pick)

    @classmethod
    def parse(cls, raw: str) -> ChoiceId | None:
        """The id taken apart; None for an id no dialogue ever built."""
        kind, _, argument = raw.partition(":")
        try:
            return cls(Pick(kind), argument)
        except ValueError:
            return None


def choice(pick: Pick, title: str, argument: object = "") -> Choice:
    return Choice(id=str(ChoiceId(pick, str(argument))), title=title)


def is_pick(raw: str, *picks: Pick) -> bool:
    """Whether a choice id is one of these kinds (channels place "main" and "person" keys)."""
    parsed = ChoiceId.parse(raw)
    return parsed is not None and parsed.pick in picks
