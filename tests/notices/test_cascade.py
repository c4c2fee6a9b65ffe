"""Delivering notices: the citizen's channels in order, blocked chats, the read deadline and
"Aldım", quiet hours and the backlog after them, expiry, the priority lane, the reminder the day
before a commission."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import BAKU
from bot.jobs_keys import QUEUE, untagged
from bot.notices.policy import NoticeConfig
from bot.notices.schedule import job_id
from bot.quiet_hours import QuietHours
from tests.notices.kit import (
    CHAT,
    NOW,
    PHONE,
    BackOffice,
    at,
    commission,
    decision,
    monitoring,
    results,
    sms_to,
    texts,
)
from tests.test_telegram_webhook import Person as TelegramPerson
from tests.test_twilio_messaging import Phone

# --- delivery: channels, read deadline, quiet hours, expiry, lanes --------------------------


def test_a_blocked_chat_falls_back_to_sms(back: BackOffice, emulator, twilio) -> None:
    back.citizen_on_telegram()
    emulator.block(CHAT)  # we have not heard of it yet
    [notice] = back.send(decision())
    back.run()
    status = back.status(notice)
    assert results(status) == [("telegram", "permanent"), ("sms", "delivered")]
    assert "blocked" in status["attempts"][0]["error"]
    assert len(sms_to(twilio)) == 1 and texts(emulator) == []


def test_after_my_chat_member_kicked_telegram_is_never_tried(
    back: BackOffice, emulator, twilio
) -> None:
    back.citizen_on_telegram()
    telegram = TelegramPerson(back.client, emulator, CHAT)
    assert telegram.post(emulator.membership_update(CHAT, "kicked")) == 200
    emulator.wait_until(lambda: not telegram.channel.busy)
    [notice] = back.send(decision())
    back.run()
    assert emulator.calls_of("sendMessage", chat_id=CHAT) == []  # not one attempt, not one 403
    assert results(back.status(notice)) == [("sms", "delivered")]


def test_unread_past_the_deadline_goes_to_the_next_channel(
    back: BackOffice, emulator, twilio, clock
) -> None:
    back.citizen_on_telegram()
    [notice, _] = back.send(commission())
    back.run()
    [shown] = emulator.sent(CHAT)
    buttons = [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["Aldım"]
    assert sms_to(twilio) == []
    back.run(until=NOW + timedelta(hours=23))
    assert sms_to(twilio) == []  # still within the 24 hours
    back.run(until=NOW + timedelta(hours=25))
    status = back.status(notice)
    assert results(status) == [
        ("telegram", "delivered"),
        ("telegram", "unread"),
        ("sms", "delivered"),
    ]
    assert "24 h" in status["attempts"][1]["error"]
    assert timedelta(hours=24) <= at(status["attempts"][2]) - NOW < timedelta(hours=24, seconds=1)
    assert len(sms_to(twilio)) == 1 and len(emulator.sent(CHAT)) == 1
    assert status["status"] == "delivered"


def test_aldim_stops_the_cascade(back: BackOffice, emulator, twilio) -> None:
    back.citizen_on_telegram()
    [notice, _] = back.send(commission())
    back.run()
    telegram = TelegramPerson(back.client, emulator, CHAT)
    [shown] = emulator.sent(CHAT)
    title, replies = telegram.tap(shown, "ack:")
    assert title == "Aldım"
    assert [r["text"] for r in replies] == ["Təşəkkür edirik, bildirişi aldığınızı qeyd etdik."]
    status = back.status(notice)
    assert status["status"] == "read" and status["read_at"]
    back.run(until=NOW + timedelta(hours=25))
    assert sms_to(twilio) == [] and back.status(notice)["status"] == "read"


def test_aldim_on_telegram_after_the_sms_still_counts(back: BackOffice, emulator, twilio) -> None:
    back.citizen_on_telegram()
    [notice, _] = back.send(commission())
    back.run(until=NOW + timedelta(hours=25))  # unread on Telegram: SMS too
    assert len(sms_to(twilio)) == 1
    telegram = TelegramPerson(back.client, emulator, CHAT)
    telegram.tap(emulator.sent(CHAT)[0], "ack:")  # seen late, in the chat
    assert back.status(notice)["status"] == "read"


def test_aldim_by_sms_reply(back: BackOffice, twilio) -> None:
    [notice] = back.send(decision())
    back.run()
    assert len(sms_to(twilio)) == 1
    [reply] = Phone(back.client, PHONE).send("aldim")
    assert "qeyd etdik" in reply
    assert back.status(notice)["status"] == "read"
    back.run(until=NOW + timedelta(hours=25))
    assert len(sms_to(twilio)) == 1


def test_at_23_00_it_waits_until_09_00(back: BackOffice, emulator, clock) -> None:
    back.citizen_on_telegram()
    clock.set(NOW.replace(hour=23))
    [notice] = back.send(decision())
    back.run(until=NOW.replace(hour=23, minute=59))
    assert texts(emulator) == [] and back.status(notice)["status"] == "queued"
    back.run(until=NOW + timedelta(days=1))
    [attempt] = back.status(notice)["attempts"]
    assert at(attempt) - (NOW + timedelta(days=1)).replace(hour=9) < timedelta(seconds=1)
    assert len(texts(emulator)) == 1


def test_the_night_backlog_leaves_at_the_release_rate(back: BackOffice, emulator, clock) -> None:
    chats = [CHAT + i for i in range(4)]
    for i, chat in enumerate(chats):
        back.citizen_on_telegram(chat, f"+99450111220{i}")
    clock.set(NOW.replace(hour=22))
    notices = [back.send(monitoring(f"+99450111220{i}"))[0] for i in range(4)]
    back.run(until=NOW + timedelta(days=1), config=NoticeConfig(release_rate=2.0))
    times = sorted(at(back.status(n)["attempts"][0]) for n in notices)
    nine = (NOW + timedelta(days=1)).replace(hour=9)
    assert [round((t - nine).total_seconds(), 1) for t in times] == [0.0, 0.5, 1.0, 1.5]


def test_quiet_hours_are_configurable_and_can_be_off(back: BackOffice, emulator, clock) -> None:
    assert QuietHours.parse("") is None
    assert str(QuietHours.parse("22:30-07:00")) == "22:30-07:00"
    back.citizen_on_telegram()
    clock.set(NOW.replace(hour=23))
    back.send(decision())
    back.run(config=NoticeConfig(quiet_hours=None))
    assert len(texts(emulator)) == 1


def test_a_notice_past_valid_until_is_never_sent(back: BackOffice, emulator, twilio, clock) -> None:
    back.citizen_on_telegram()
    past = (NOW - timedelta(minutes=1)).isoformat()
    [late] = back.send(decision(valid_until=past))
    assert back.status(late)["status"] == "expired"
    # A commission at 08:30 posted at 23:00: the night holds it past the meeting.
    clock.set(NOW.replace(hour=23))
    [night, *_] = back.send(commission(date="2026-11-21", time="08:30"))
    back.run(until=NOW + timedelta(days=1))
    assert back.status(night)["status"] == "expired"
    assert back.status(night)["attempts"] == []
    assert texts(emulator) == [] and twilio.messages == []


def test_decisions_take_the_priority_lane(back: BackOffice, redis_url: str) -> None:
    bulk = [back.send(monitoring(f"+99450111221{i}"))[0] for i in range(3)]
    [urgent] = back.send(decision("+994501112299"))
    queue = back.client.portal.call(back.redis.zrange, QUEUE, 0, -1)
    order = [j for j in queue if untagged(j).startswith("notice:")]
    # Queued last, due at the same moment as the others: it runs first.
    assert order[0] == job_id(urgent, 0)
    assert sorted(order[1:]) == sorted(job_id(b, 0) for b in bulk)


def test_a_commission_is_reminded_the_day_before(back: BackOffice, emulator, clock) -> None:
    back.citizen_on_telegram()
    [_, reminder] = back.send(commission())
    back.run()  # the notice goes out now; the reminder waits for Thursday 10:00
    back.run(until=datetime(2026, 11, 26, 12, 0, tzinfo=BAKU))
    status = back.status(reminder)
    assert status["status"] == "delivered"
    assert at(status["attempts"][0]) - datetime(2026, 11, 26, 10, 0, tzinfo=BAKU) < timedelta(
        seconds=1
    )
    assert texts(emulator)[-1].startswith("Xatırlatma: sabah «Özünüməşğulluq")


def test_a_moved_commission_is_a_change_and_the_old_reminder_expires(
    back: BackOffice, emulator, clock
) -> None:
    back.citizen_on_telegram()
    [_, first_reminder] = back.send(commission())
    back.run()
    [moved, moved_reminder] = back.send(commission(date="2026-11-30", time="11:30"))
    assert back.client.portal.call(back.redis.zscore, QUEUE, job_id(moved, 0)) < (
        NOW.timestamp() * 1000
    )  # the priority lane
    back.run(until=datetime(2026, 11, 29, 12, 0, tzinfo=BAKU))
    assert "dəyişib" in texts(emulator)[1] and "30 noyabr 2026" in texts(emulator)[1]
    assert back.status(first_reminder)["status"] == "expired"
    assert back.status(moved_reminder)["status"] == "delivered"
    assert len(texts(emulator)) == 3
