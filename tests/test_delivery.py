"""Delivery: booking reminders reach people on their channels, once.

The matrix drives the real app — Telegram's webhook (the Bot API emulator behind it), Twilio's
SMS, WhatsApp and voice webhooks (Twilio's REST API faked over HTTP), the back-office API and the
web chat's API — then runs real arq workers in burst mode on a controllable clock (a frozen clock
for our code, time-machine for arq's) through both reminders of every booking. The focused tests
below it book through the booking store and the registry directly.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from fastapi.testclient import TestClient

from bot import delivery
from bot.apikeys import create_key
from bot.booking.slots import SlotCalendar
from bot.clock import BAKU
from bot.config import Settings
from bot.delivery import Deliveries, Outcome, delivery_status, enqueue_delivery
from bot.jobs_keys import tagged
from bot.jobs_redis import arq_pool
from bot.messages import Outbound
from bot.people import People, Proof
from bot.push import Push
from bot.redis_conn import connect
from bot.reminders import Reminders, RemindingBookingStore, job_id, reminder_key
from dost.app import create_app
from dost.senders import sender_channels, senders_factory
from knowledge.centers import default_centers
from knowledge.store import default_passports
from tests.jobs import ProcessClock, run_due_jobs
from tests.telegram_emulator import BotAPIEmulator
from tests.test_telegram_webhook import SECRET, text_of, with_buttons
from tests.test_telegram_webhook import Person as TelegramPerson
from tests.test_twilio_messaging import Phone, number_of
from tests.test_twilio_voice import Call, spoken_code
from tests.twilio_fake import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE,
    FakeTwilio,
    running_fake,
    signed_headers,
)

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=BAKU)  # a Friday morning
SATURDAY = datetime(2026, 11, 21, 12, 0, tzinfo=BAKU)  # the first day a booking can take: Monday
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=BAKU)
SERVICE = "02-04-10-00"
BOOKING_REQUEST = "özünüməşğulluq üçün növbəyə yazılmaq istəyirəm"
SMS_FROM = "+15005550006"
WHATSAPP_FROM = "+14155238886"
CHAT = 700100200

PHONES = {
    "web": "+994501000001",
    "telegram": "+994501000002",
    "sms": "+994501000003",
    "whatsapp": "+994501000004",
    "voice": "+994501000005",
    "api": "+994501000006",
}
WEB_PAGE = "webpage-0001"  # the page's conversation id (a random secret in real life)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield ProcessClock(NOW, traveller)


@pytest.fixture
def saturday():
    with time_machine.travel(SATURDAY, tick=False) as traveller:
        yield ProcessClock(SATURDAY, traveller)


@pytest.fixture
def emulator() -> Iterator[BotAPIEmulator]:
    with BotAPIEmulator() as running:
        yield running


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with running_fake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
def settings(redis_url: str, tmp_path: Path, emulator, twilio) -> Settings:
    return Settings(
        REDIS_URL=redis_url,
        DOST_DATA_DIR=tmp_path,
        PUBLIC_BASE_URL=PUBLIC_BASE,
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE=emulator.base_url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE=twilio.url,
        TWILIO_SMS_NUMBER=SMS_FROM,
        TWILIO_WHATSAPP_NUMBER=WHATSAPP_FROM,
        DOST_INPROCESS_WORKER=False,
        DOST_REMINDER_HOURS="24,2",
    )


def sms_to(twilio: FakeTwilio, number: str, code: str) -> list[str]:
    return [m["Body"] for m in twilio.messages if m["To"] == number and code in m["Body"]]


def telegram_to(emulator: BotAPIEmulator, chat: int, code: str) -> list[str]:
    return [m["text"] for m in emulator.sent(chat) if code in m["text"] and "Xatırla" in m["text"]]


# --- the matrix: one booking per channel, through the real app -------------------------------


def book_on_telegram(client: TestClient, emulator: BotAPIEmulator) -> str:
    person = TelegramPerson(client, emulator, CHAT)
    centers = with_buttons(person.say(BOOKING_REQUEST))
    _, days = person.tap(centers, "bc:")
    _, times = person.tap(with_buttons(days), "bd:")
    person.tap(with_buttons(times), "bt:")
    confirm = person.share_contact(PHONES["telegram"].removeprefix("+"))  # their own contact
    _, booked = person.tap(with_buttons(confirm), "y")
    return re.search(r"Növbə kodu: (\w{6})", text_of(booked)).group(1)


def book_by_message(client: TestClient, address: str, first_sid: int) -> str:
    phone = Phone(client, address=address)
    phone.count = first_sid  # MessageSids are unique across the test's phones
    [centers] = phone.send(BOOKING_REQUEST)
    phone.send(number_of(centers, "1 saylı Bakı DOST Mərkəzi"))
    phone.send("1")  # the first day
    [confirm] = phone.send("1")  # the first time
    [booked] = phone.send(number_of(confirm, "Təsdiq edirəm"))
    return re.search(r"Növbə kodu: (\w{6})", booked).group(1)


def book_by_phone_call(client: TestClient) -> str:
    call = Call(client, sid="CA" + "7" * 32, caller=PHONES["voice"])
    call.start()
    call.say(BOOKING_REQUEST)
    call.choose("1 saylı Bakı DOST Mərkəzi")
    call.press("1")
    call.press("1")
    booked = call.choose("Təsdiq")
    url = f"{PUBLIC_BASE}/webhooks/twilio/voice/status"
    ended = call.params(CallStatus="completed", CallDuration="60")  # the caller hangs up
    assert client.post(url, data=ended, headers=signed_headers(url, ended)).status_code == 204
    return spoken_code(booked.spoken)


def book_through_the_api(client: TestClient) -> str:
    key = client.portal.call(create_key, client.app.state.redis, "matrix")
    headers = {"Authorization": f"Bearer {key}"}
    query = {"center": "baki-1", "service": SERVICE, "date": "2026-11-23"}  # Monday
    slots = client.get("/api/v1/slots", headers=headers, params=query)
    start = next(s["start"] for s in slots.json() if s["free"])
    body = {"center": "baki-1", "service": SERVICE, "start": start, "phone": PHONES["api"],
            "request_id": "matrix-api-0001"}  # fmt: skip
    created = client.post("/api/v1/bookings", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()["code"]


def book_in_the_web_chat(client: TestClient, twilio: FakeTwilio) -> str:
    def chat(**body: str) -> list[dict]:
        response = client.post("/api/v1/chat", json={"conversation_id": WEB_PAGE, **body})
        assert response.status_code == 200, response.text
        return response.json()["replies"]

    def choice(replies: list[dict], prefix: str) -> str:
        return next(c["id"] for r in replies for c in r["choices"] if c["id"].startswith(prefix))

    replies = chat(text=BOOKING_REQUEST)
    replies = chat(choice=choice(replies, "bc:"))
    replies = chat(choice=choice(replies, "bd:"))
    chat(choice=choice(replies, "bt:"))
    chat(text=PHONES["web"])  # a typed number: a one-time code goes to it by SMS
    [sms] = [m["Body"] for m in twilio.messages if m["To"] == PHONES["web"]]
    confirm = chat(text=re.search(r"\b\d{6}\b", sms).group(0))
    booked = chat(choice=choice(confirm, "y"))
    return re.search(r"Növbə kodu: (\w{6})", booked[-1]["text"]).group(1)


def test_every_channels_booking_gets_its_reminders_once_on_the_right_channel(
    saturday, settings, redis_url: str, tmp_path: Path, nlu_cache: Path, nlu, emulator, twilio
) -> None:
    shutil.copytree(nlu_cache, tmp_path / "cache")
    with TestClient(create_app(settings)) as client:
        codes = {
            "telegram": book_on_telegram(client, emulator),
            "sms": book_by_message(client, PHONES["sms"], 100),
            "whatsapp": book_by_message(client, f"whatsapp:{PHONES['whatsapp']}", 200),
            "voice": book_by_phone_call(client),
            "api": book_through_the_api(client),
            "web": book_in_the_web_chat(client, twilio),
        }
        store = client.app.state.bookings
        bookings = {ch: client.portal.call(store.get, code) for ch, code in codes.items()}
        assert {ch: b.channel for ch, b in bookings.items()} == {
            "telegram": "telegram", "sms": "sms", "whatsapp": "whatsapp", "voice": "voice",
            "api": "api", "web": "web",
        }  # fmt: skip
        # Each confirmation could promise both reminders: every booking has a sure route.
        reminders = client.app.state.engine.bookings.reminders
        for booking in bookings.values():
            assert client.portal.call(reminders.promised, booking) == [24, 2]
        confirmed = [m.get("text", "") for m in emulator.sent(CHAT) if codes["telegram"] in
                     m.get("text", "")]  # fmt: skip
        assert any("Növbədən 24 və 2 saat əvvəl" in text for text in confirmed)
        twilio.messages.clear()  # the voice call's own SMS, if any
        sent_before = len(emulator.sent(CHAT))

        async def run_reminders() -> dict[str, list[dict]]:
            """Both reminders of every booking; the web page is open for the first only."""
            redis, arq = connect(redis_url), arq_pool(redis_url)
            pushed: list[dict] = []
            try:
                first = min(b.start for b in bookings.values()) - timedelta(hours=24)
                async with Push(redis).subscribe(f"web:{WEB_PAGE}") as page:
                    await run_due_jobs(redis_url, arq, saturday, senders_factory(settings),
                                       until=first + timedelta(hours=1))  # fmt: skip
                    while (event := await page.next(timeout=0.5)) is not None:
                        pushed.append(event)
                last = max(b.start for b in bookings.values()) - timedelta(hours=2)
                await run_due_jobs(redis_url, arq, saturday, senders_factory(settings), until=last)
                statuses = {
                    ch: [
                        await delivery_status(redis, reminder_key(b.code, b.start, h))
                        for h in (24, 2)
                    ]
                    for ch, b in bookings.items()
                }
            finally:
                await arq.aclose()
                await redis.aclose()
            return {"pushed": pushed, **statuses}

        result = asyncio.run(run_reminders())

    # Telegram: both reminders in the chat, nothing by SMS.
    assert len(telegram_to(emulator, CHAT, codes["telegram"])) == 2
    assert len(emulator.sent(CHAT)) == sent_before + 2
    assert sms_to(twilio, PHONES["telegram"], codes["telegram"]) == []
    # SMS and a phone call: SMS to the carrier's number.
    for channel in ("sms", "voice"):
        assert len(sms_to(twilio, PHONES[channel], codes[channel])) == 2, channel
    # WhatsApp: on WhatsApp, from the WhatsApp number.
    whatsapp = [m for m in twilio.messages if codes["whatsapp"] in m["Body"]]
    assert [(m["To"], m["From"]) for m in whatsapp] == [
        (f"whatsapp:{PHONES['whatsapp']}", f"whatsapp:{WHATSAPP_FROM}")
    ] * 2
    # The API with a phone number: SMS to it, the number recorded as given by staff.
    assert len(sms_to(twilio, PHONES["api"], codes["api"])) == 2
    # The verified web chat: the first reminder on the open page, the second (page closed) by SMS.
    assert [e["text"] for e in result["pushed"] if codes["web"] in e["text"]] != []
    assert len([e for e in result["pushed"] if codes["web"] in e["text"]]) == 1
    assert len(sms_to(twilio, PHONES["web"], codes["web"])) == 1
    # Every reminder: delivered once, on the expected channel; the record says so.
    expected = {
        "telegram": ["telegram"] * 2, "sms": ["sms"] * 2, "voice": ["sms"] * 2,
        "whatsapp": ["whatsapp"] * 2, "api": ["sms"] * 2, "web": ["web", "sms"],
    }  # fmt: skip
    for channel, statuses in result.items():
        if channel == "pushed":
            continue
        assert [s.status for s in statuses] == ["delivered"] * 2, (channel, statuses)
        assert [s.channel for s in statuses] == expected[channel], channel
    web_second = result["web"][1].attempts
    assert [(a["channel"], a["result"]) for a in web_second] == [
        ("web", "permanent"),
        ("sms", "delivered"),
    ]
    assert web_second[0]["error"] == "no open page"


# --- focused: consent, reachability, retries, exactly once ----------------------------------


@pytest.fixture
async def parts(redis_url: str, clock, settings):
    redis, arq = connect(redis_url), arq_pool(redis_url)
    people = People(redis, clock)
    calendar = SlotCalendar(default_centers(), default_passports(), clock=clock)
    reminders = Reminders(arq, [2], clock, people=people, channels=sender_channels(settings))
    store = RemindingBookingStore(redis, calendar, reminders=reminders)
    yield store, people, arq, redis
    await arq.aclose()
    await redis.aclose()


async def telegram_person(people: People, phone: str = PHONES["telegram"]):
    return await people.prove(phone, Proof.TELEGRAM_CONTACT, "telegram", str(CHAT))


async def book(store, phone: str, *, channel: str = "telegram", conversation: str | None = None):
    slot = store.calendar.slot_at("baki-1", SERVICE, MONDAY_10)
    return await store.book(slot, phone=phone, request_id=f"r-{phone}", channel=channel,
                            conversation=conversation or f"tg:{CHAT}")  # fmt: skip


async def remind(redis, arq, clock, settings, booking) -> delivery.DeliveryStatus | None:
    """Run the jobs through the booking's 2-hour reminder; its delivery's record."""
    url = settings.redis_url
    await run_due_jobs(url, arq, clock, senders_factory(settings),
                       until=booking.start - timedelta(hours=1))  # fmt: skip
    return await delivery_status(redis, reminder_key(booking.code, booking.start, 2))


def near(at: str, moment: datetime) -> bool:
    return abs(datetime.fromisoformat(at) - moment) < timedelta(seconds=1)


async def test_an_opted_out_channel_is_skipped(
    parts, clock, settings, redis_url, emulator, twilio
) -> None:
    store, people, arq, redis = parts
    await telegram_person(people)
    await people.opt_out("telegram", str(CHAT))  # /stop in the chat
    booking = await book(store, PHONES["telegram"])
    status = await remind(redis, arq, clock, settings, booking)
    assert status.status == "delivered" and status.channel == "sms"
    assert emulator.calls_of("sendMessage") == []
    assert len(sms_to(twilio, PHONES["telegram"], booking.code)) == 1


async def test_a_blocked_telegram_chat_falls_back_to_sms(
    parts, clock, settings, redis_url, emulator, twilio
) -> None:
    store, people, arq, redis = parts
    await telegram_person(people)
    emulator.block(CHAT)  # blocked since; we have not heard of it yet
    booking = await book(store, PHONES["telegram"])
    status = await remind(redis, arq, clock, settings, booking)
    assert [(a["channel"], a["result"]) for a in status.attempts] == [
        ("telegram", "permanent"),
        ("sms", "delivered"),
    ]
    assert "blocked" in status.attempts[0]["error"]
    assert all(near(a["at"], booking.start - timedelta(hours=2)) for a in status.attempts)
    assert not await people.is_reachable("telegram", str(CHAT))
    assert len(sms_to(twilio, PHONES["telegram"], booking.code)) == 1


async def test_a_transient_error_is_retried_on_the_same_channel(
    parts, clock, settings, redis_url, emulator, twilio
) -> None:
    store, people, arq, redis = parts
    await telegram_person(people)
    emulator.fail_next("sendMessage", status=500, chat_id=CHAT)
    booking = await book(store, PHONES["telegram"])
    status = await remind(redis, arq, clock, settings, booking)
    assert [(a["channel"], a["result"]) for a in status.attempts] == [
        ("telegram", "transient"),
        ("telegram", "delivered"),
    ]
    first, second = (datetime.fromisoformat(a["at"]) for a in status.attempts)
    assert second - first >= delivery.backoff(1)  # arq's Retry, on our clock
    assert len(telegram_to(emulator, CHAT, booking.code)) == 1
    assert twilio.messages == []


async def test_a_channel_that_keeps_failing_gives_way_after_the_last_try(
    parts, clock, settings, redis_url, emulator, twilio
) -> None:
    store, people, arq, redis = parts
    await telegram_person(people)
    emulator.fail_next("sendMessage", status=500, chat_id=CHAT, times=delivery.MAX_TRIES)
    booking = await book(store, PHONES["telegram"])
    status = await remind(redis, arq, clock, settings, booking)
    results = [(a["channel"], a["result"]) for a in status.attempts]
    assert results == [("telegram", "transient")] * delivery.MAX_TRIES + [("sms", "delivered")]
    assert await people.is_reachable("telegram", str(CHAT))  # not the chat's fault
    assert len(sms_to(twilio, PHONES["telegram"], booking.code)) == 1


async def test_exactly_once_under_a_retried_job_and_two_workers(
    parts, clock, settings, redis_url, emulator
) -> None:
    _, people, arq, redis = parts
    person = await telegram_person(people)
    message = Outbound(text="Bildiriş: sabah saat 10:00")
    # Scheduling twice is one job.
    assert await enqueue_delivery(redis, arq, "notice-1", message, person=person.id)
    assert not await enqueue_delivery(redis, arq, "notice-1", message, person=person.id)
    # The same key under two job ids (as if queued by two processes), run by two workers at once.
    await arq.enqueue_job(delivery.JOB, "notice-1", message.model_dump(mode="json"),
                          person=person.id, _job_id=tagged("deliver:notice-1:again"))  # fmt: skip
    from bot.worker import build_worker

    factory = senders_factory(settings)
    workers = [
        build_worker(
            redis_url, clock=clock, senders=factory, handle_signals=False, burst=True,
            max_burst_jobs=1,
        )
        for _ in range(2)
    ]  # fmt: skip
    try:
        await asyncio.gather(*(w.async_run() for w in workers))
    finally:
        for w in workers:
            await w.close()
    assert len([m for m in emulator.sent(CHAT) if m["text"] == message.text]) == 1
    # A job that runs again after it was delivered (arq retried it) sends nothing.
    senders = senders_factory(settings)(redis)
    try:
        deliveries = Deliveries(redis, senders, people=people, clock=clock)
        again = await deliveries.run("notice-1", message, person=person.id, job_try=2)
        await people.opt_out("telegram", str(CHAT))  # even with no route left now
        await people.opt_out("sms", PHONES["telegram"])
        later = await deliveries.run("notice-1", message, person=person.id, job_try=3)
    finally:
        await senders.aclose()
    assert again == later == "delivered"
    assert len([m for m in emulator.sent(CHAT) if m["text"] == message.text]) == 1
    status = await delivery_status(redis, "notice-1")
    assert status.status == "delivered"
    assert [a["result"] for a in status.attempts] == ["delivered"]


async def test_a_booking_with_nobody_to_write_to_gets_nothing(
    parts, clock, settings, redis_url, emulator, twilio
) -> None:
    store, _, arq, redis = parts
    slot = store.calendar.slot_at("baki-1", SERVICE, MONDAY_10)
    booking = await store.book(slot, fin="AB12CD3", request_id="r-fin", channel="api")
    assert await store.reminders.promised(booking) == []
    assert await remind(redis, arq, clock, settings, booking) is None  # no delivery at all
    assert emulator.calls == [] and twilio.messages == []


async def test_a_send_that_never_reported_is_not_repeated(parts, clock, settings, redis_url):
    """A worker died while sending: whether it went out is unknown, so it is not sent again."""
    _, people, _, redis = parts
    person = await telegram_person(people)
    claims = "dost:delivery:{notice-2}:claims"
    await redis.hset(claims, "telegram", "sending")  # and its lease has expired
    senders = senders_factory(settings)(redis)
    try:
        result = await Deliveries(redis, senders, people=people, clock=clock).run(
            "notice-2", Outbound(text="x"), person=person.id
        )
    finally:
        await senders.aclose()
    assert result == "ambiguous"
    assert (await delivery_status(redis, "notice-2")).status == "ambiguous"


async def test_a_sender_that_raises_leaves_the_delivery_ambiguous(redis_url, clock) -> None:
    """It may have sent before failing: no retry and no other channel (not said twice)."""

    class Broken:
        channel = "sms"

        async def send(self, address: str, message: Outbound):
            raise RuntimeError("lost the provider's answer")

    redis = connect(redis_url)
    try:
        deliveries = Deliveries(redis, delivery.Senders([Broken()]), clock=clock)
        result = await deliveries.run(
            "notice-3", Outbound(text="x"), addresses=[("sms", PHONES["sms"])], job_try=1
        )
        status = await delivery_status(redis, "notice-3")
    finally:
        await redis.aclose()
    assert result == "ambiguous" and status.status == "ambiguous"
    assert [(a["channel"], a["result"]) for a in status.attempts] == [("sms", "error")]
    assert "lost the provider's answer" in status.attempts[0]["error"]


def test_web_sender_misses_without_an_open_page(redis_url: str) -> None:
    from channels.web_push import WebSender

    async def run():
        redis = connect(redis_url)
        try:
            return await WebSender(Push(redis)).send("nobody-here", Outbound(text="x"))
        finally:
            await redis.aclose()

    result = asyncio.run(run())
    assert result.outcome is Outcome.PERMANENT and not result.address_gone


# --- in a real browser: a reminder appears in an open web chat --------------------------------


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_a_reminder_appears_in_an_open_web_chat(
    redis_url: str, tmp_path: Path, nlu_cache: Path, nlu, artifacts_dir: Path
) -> None:
    """The page is open and the person writes nothing: the worker's reminder shows up in it."""
    from playwright.sync_api import sync_playwright

    from bot.clock import SYSTEM_CLOCK
    from channels.web import web_texts
    from tests.live_server import serve_in_thread
    from tests.test_web_chat import CHROMIUM, CHROMIUM_ARGS

    shutil.copytree(nlu_cache, tmp_path / "cache")
    settings = Settings(REDIS_URL=redis_url, DOST_DATA_DIR=tmp_path, DOST_INPROCESS_WORKER=False)
    screenshot = artifacts_dir / "web-chat-reminder.png"
    screenshot.unlink(missing_ok=True)
    problems: list[str] = []

    async def listening(stream: str) -> None:
        redis = connect(redis_url)
        try:
            for _ in range(100):
                if await Push(redis).listeners(stream):
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the page never subscribed")
        finally:
            await redis.aclose()

    async def book_and_remind(conversation: str) -> str:
        """A booking made in this chat (a typed number: only the page can be reminded), its
        2-hour reminder made due now and run by a real worker."""
        from bot.jobs_keys import QUEUE
        from bot.worker import build_worker

        redis, arq = connect(redis_url), arq_pool(redis_url)
        try:
            calendar = SlotCalendar(default_centers(), default_passports(), clock=SYSTEM_CLOCK)
            reminders = Reminders(arq, [2], SYSTEM_CLOCK)
            store = RemindingBookingStore(redis, calendar, reminders=reminders)
            tomorrow = SYSTEM_CLOCK.now().date() + timedelta(days=1)
            day = calendar.open_days("baki-1", tomorrow)[0]
            start = datetime(day.year, day.month, day.day, 10, tzinfo=BAKU)
            slot = calendar.slot_at("baki-1", SERVICE, start)
            booking = await store.book(
                slot, phone="+994501234567", request_id="r-browser", channel="web",
                conversation=f"web:{conversation}",
            )  # fmt: skip
            await arq.zadd(QUEUE, {job_id(booking.code, booking.start, 2): 1})
            worker = build_worker(redis_url, senders=senders_factory(settings),
                                  handle_signals=False, burst=True)  # fmt: skip
            await worker.async_run()
            await worker.close()
            return booking.code
        finally:
            await arq.aclose()
            await redis.aclose()

    with serve_in_thread(create_app(settings)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="az-AZ")
            page.set_default_timeout(30_000)
            page.on("console",
                    lambda m: problems.append(m.text) if m.type == "error" else None)  # fmt: skip
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(f"{url}/")
            conversation = page.evaluate("localStorage.getItem('dost.webchat.conversation_id')")
            page.locator("#log[data-live='open']").wait_for()
            setting = page.get_by_label(web_texts()["notifications_label"])
            assert setting.is_checked() and setting.is_enabled()
            # Playwright's sync API holds this thread's event loop: the rest runs on another.
            with ThreadPoolExecutor(1) as other:
                other.submit(asyncio.run, listening(f"web:{conversation}")).result()
                code = other.submit(asyncio.run, book_and_remind(conversation)).result()

            reminder = page.locator(".msg.bot", has_text=code)
            reminder.wait_for()
            assert "Xatırlatma" in reminder.inner_text()
            assert page.locator(".msg.user").count() == 0  # the person wrote nothing
            page.screenshot(path=str(screenshot))
        finally:
            browser.close()
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert problems == [], problems
