"""Callback attempts within the operators' hours: each attempt due inside them (Azerbaijan's
public holidays closed) and not before the citizen's preferred time; an unanswered attempt
schedules the next; after three the task fails and counts against callback completion."""

from __future__ import annotations

from datetime import datetime

from bot.clock import BAKU, FrozenClock
from bot.operators.callbacks import MAX_ATTEMPTS
from bot.operators.desk import Desk
from bot.operators.schedule import OperatorHours
from bot.report import build_report

WEEKDAYS = "Mon-Fri 09:00-18:00"


def baku(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BAKU)


def due(task) -> datetime:
    assert task.due_at is not None
    return datetime.fromisoformat(task.due_at).astimezone(BAKU)


async def test_unanswered_attempts_move_past_closing_and_the_new_year_holidays(redis) -> None:
    clock = FrozenClock(baku(2026, 12, 30, 16, 30))  # a Wednesday, before New Year
    desk = Desk(redis, clock=clock, hours=OperatorHours.parse(WEEKDAYS))
    task = await desk.callbacks.request("web:cb-1", "+994501112233", "İlk imkanda", "asked", None)
    assert due(task) == clock.now()  # at work now: due at once
    assert [t.id for t in await desk.callbacks.due()] == [task.id]

    clock.advance(minutes=5)
    task = await desk.callbacks.attempt(task.id, "ayla", answered=False)
    # Two hours later it is evening; 31 December, 1–2 January and the observed 4 January are
    # public holidays, 2–3 January a weekend: the next attempt is on Tuesday 5 January at nine.
    assert task.status == "open" and due(task) == baku(2027, 1, 5, 9, 0)
    assert await desk.callbacks.due() == []  # not due before then

    clock.set(baku(2027, 1, 5, 9, 10))
    task = await desk.callbacks.attempt(task.id, "ayla", answered=False)
    assert due(task) == baku(2027, 1, 5, 11, 10)
    clock.set(baku(2027, 1, 5, 11, 15))
    task = await desk.callbacks.attempt(task.id, "ayla", answered=False)
    assert len(task.attempts) == MAX_ATTEMPTS and task.status == "failed" and task.due_at is None
    assert await desk.callbacks.attempt(task.id, "ayla", answered=True) == task  # closed

    answered = await desk.callbacks.request("web:cb-2", "+994501112244", "İlk imkanda", "asked",
                                            None)  # fmt: skip
    await desk.callbacks.attempt(answered.id, "ayla", answered=True)
    report = await build_report(desk)
    assert report["callback_completion"] == 0.5  # one answered of two requested


async def test_the_preferred_time_is_the_first_attempts_earliest(redis) -> None:
    clock = FrozenClock(baku(2026, 11, 20, 10, 0))  # a Friday morning, at work
    desk = Desk(redis, clock=clock, hours=OperatorHours.parse(WEEKDAYS))
    monday = await desk.callbacks.request("web:cb-3", "+994501112233", "bazar ertəsi saat 10:00",
                                          "asked", None)  # fmt: skip
    assert due(monday) == baku(2026, 11, 23, 10, 0)
    evening = await desk.callbacks.request("web:cb-4", "+994501112233", "bu gün saat 19:00",
                                           "asked", None)  # fmt: skip
    assert due(evening) == baku(2026, 11, 23, 9, 0)  # after hours: the next morning at work
    # Retries keep to the preferred time too, and to the hours.
    clock.set(baku(2026, 11, 23, 10, 5))
    again = await desk.callbacks.attempt(monday.id, "ayla", answered=False)
    assert due(again) == baku(2026, 11, 23, 12, 5)
