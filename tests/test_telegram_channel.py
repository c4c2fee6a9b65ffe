"""The Telegram channel against the Bot API emulator and a real Redis: inbound kinds (commands,
contacts, media, buttons), rendering (escaping, splitting, keyboards, long callback ids),
identity in the citizen registry, consent (/stop, /start), and sending (flood control, blocked
chats, the delivery Sender, polling)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from aiogram.types import Update

from bot.config import Settings
from bot.delivery import Outcome
from bot.messages import Choice, Inbound, Outbound
from bot.people import People
from bot.redis_conn import connect
from channels.telegram.channel import TelegramChannel, make_bot
from channels.telegram.texts import tg_text
from tests.telegram_emulator import BotAPIEmulator

CHAT = 424242


class ScriptedEngine:
    """Stands in for the engine where a test needs particular replies; records what came in."""

    def __init__(self, *replies: Outbound) -> None:
        self.replies = list(replies)
        self.inbounds: list[Inbound] = []

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        self.inbounds.append(inbound)
        return list(self.replies)


@pytest.fixture
def emulator() -> Iterator[BotAPIEmulator]:
    with BotAPIEmulator() as running:
        yield running


@pytest.fixture
async def redis(redis_url: str):
    client = connect(redis_url)
    yield client
    await client.aclose()


def new_channel(emulator: BotAPIEmulator, engine, redis, **options) -> TelegramChannel:
    settings = Settings(TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_API_BASE=emulator.base_url)
    return TelegramChannel(make_bot(settings), engine, redis, **options)


@pytest.fixture
async def channel(emulator, engine, redis) -> AsyncIterator[TelegramChannel]:
    """The channel on the real engine."""
    made = new_channel(emulator, engine, redis)
    yield made
    await made.close()


async def feed(channel: TelegramChannel, emulator: BotAPIEmulator, update: dict) -> list[dict]:
    """Hand an update to the channel as the webhook does; the bot's new messages."""
    chat = (update.get("message") or update["callback_query"]["message"])["chat"]["id"]
    before = len(emulator.sent(chat))
    assert await channel.accept(update) == "accepted"
    await channel.drain()
    return emulator.sent(chat)[before:]


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages]


# --- inbound kinds ---------------------------------------------------------------------------


async def test_a_deep_link_follows_only_the_proven_owners_application(
    channel: TelegramChannel, emulator: BotAPIEmulator
) -> None:
    # Unproven chat: the link alone proves nothing.
    sent = await feed(channel, emulator, emulator.text_update(CHAT, "/start app_AZ-2026-001"))
    assert sent[0]["text"] == tg_text("subscribe_refused")
    assert await channel.people.followers("AZ-2026-001") == []
    # Proven, but the application is someone else's.
    await feed(channel, emulator, emulator.contact_update(CHAT, "+994 50 111 22 33"))
    sent = await feed(channel, emulator, emulator.text_update(CHAT, "/start app_AZ-2026-001"))
    assert sent[0]["text"] == tg_text("subscribe_refused")
    # The back office says the application is this person's.
    person = await channel.people.by_phone("+994501112233")
    await channel.people.own_reference(person, "AZ-2026-001")
    sent = await feed(channel, emulator, emulator.text_update(CHAT, "/start app_AZ-2026-001"))
    assert sent[0]["text"] == tg_text("subscribed", ref="AZ-2026-001")
    assert "virtual köməkçi" in sent[1]["text"]  # then the greeting, with the menu
    assert sent[1]["reply_markup"]["inline_keyboard"]
    assert await channel.people.follows("telegram", str(CHAT)) == {"AZ-2026-001"}
    assert await channel.people.followers("AZ-2026-001") == [("telegram", str(CHAT))]


async def test_start_with_an_unknown_payload_just_greets(
    channel: TelegramChannel, emulator: BotAPIEmulator
) -> None:
    sent = await feed(channel, emulator, emulator.text_update(CHAT, "/start <script>"))
    assert len(sent) == 1 and "virtual köməkçi" in sent[0]["text"]
    assert await channel.people.follows("telegram", str(CHAT)) == set()


async def test_help_is_the_channels_own_text(
    channel: TelegramChannel, emulator: BotAPIEmulator, engine
) -> None:
    sent = await feed(channel, emulator, emulator.text_update(CHAT, "/help"))
    assert texts(sent) == [tg_text("help")]
    assert await engine.transcript(f"tg:{CHAT}") == []  # the engine was not asked


async def test_operator_asks_for_a_person(
    channel: TelegramChannel, emulator: BotAPIEmulator, engine
) -> None:
    await feed(channel, emulator, emulator.text_update(CHAT, "/operator"))
    transcript = await engine.transcript(f"tg:{CHAT}")
    assert transcript[-1]["intent"] == "human_handoff"


@pytest.mark.parametrize("kind", ["voice", "photo", "sticker", "document"])
async def test_media_gets_text_only_for_now(
    channel: TelegramChannel, emulator: BotAPIEmulator, engine, kind: str
) -> None:
    sent = await feed(channel, emulator, emulator.media_update(CHAT, kind))
    assert texts(sent) == [tg_text("text_only")]
    assert await engine.transcript(f"tg:{CHAT}") == []


async def test_someone_elses_contact_is_refused(
    channel: TelegramChannel, emulator: BotAPIEmulator, engine
) -> None:
    sent = await feed(channel, emulator, emulator.contact_update(CHAT, "994501112233", user_id=999))
    assert texts(sent) == [tg_text("contact_not_own")]
    assert await channel.people.by_address("telegram", str(CHAT)) is None
    assert await engine.transcript(f"tg:{CHAT}") == []


async def test_own_contact_proves_the_number_and_stop_opts_out(
    channel: TelegramChannel, emulator: BotAPIEmulator, engine
) -> None:
    sent = await feed(channel, emulator, emulator.contact_update(CHAT, "+994 50 111 22 33"))
    assert sent[0]["text"] == tg_text("contact_received")
    person = await channel.people.by_phone("+994501112233")
    assert person is not None and person.phone_proof == "telegram_contact"
    assert (await channel.people.by_address("telegram", str(CHAT))).id == person.id
    transcript = await engine.transcript(f"tg:{CHAT}")
    assert transcript[-1]["role"] == "bot"  # the engine took the verified contact

    await channel.people.own_reference(person, "R-7")
    await feed(channel, emulator, emulator.text_update(CHAT, "/start app_R-7"))
    assert await channel.people.followers("R-7") == [("telegram", str(CHAT))]
    sent = await feed(channel, emulator, emulator.text_update(CHAT, "/stop"))
    assert texts(sent) == [tg_text("stop_done")]
    assert await channel.people.is_opted_out("telegram", str(CHAT))
    assert await channel.people.followers("R-7") == []
    assert [a.channel for a in await channel.people.routes(person)] == ["sms"]  # not Telegram
    sent = await feed(channel, emulator, emulator.text_update(CHAT, "/stop"))
    assert texts(sent) == [tg_text("stop_nothing")]
    await feed(channel, emulator, emulator.text_update(CHAT, "/start"))  # takes the /stop back
    assert not await channel.people.is_opted_out("telegram", str(CHAT))


async def test_a_contact_reaches_the_engine_verified(emulator, redis) -> None:
    engine = ScriptedEngine(Outbound(text="ok"))
    channel = new_channel(emulator, engine, redis)
    try:
        await feed(channel, emulator, emulator.contact_update(CHAT, "994501112233"))
    finally:
        await channel.close()
    (inbound,) = engine.inbounds
    assert inbound.contact is not None and inbound.contact.proof == "telegram_contact"
    assert inbound.contact.phone == "+994501112233"
    assert inbound.conversation_id == f"tg:{CHAT}" and inbound.channel == "telegram"
    assert inbound.message_id and inbound.message_id.startswith("tg-update:")


async def test_an_unusable_contact_number_is_refused(channel, emulator) -> None:
    sent = await feed(channel, emulator, emulator.contact_update(CHAT, "12"))
    assert texts(sent) == [tg_text("contact_invalid")]


# --- buttons ---------------------------------------------------------------------------------


async def test_an_old_button_is_answered_politely(
    channel: TelegramChannel, emulator: BotAPIEmulator, engine
) -> None:
    (menu,) = await feed(channel, emulator, emulator.text_update(CHAT, "Salam"))
    await feed(channel, emulator, emulator.text_update(CHAT, "özünüməşğulluq proqramı"))
    assert "reply_markup" not in emulator.messages[(CHAT, menu["message_id"])]
    turns = len(await engine.transcript(f"tg:{CHAT}"))
    data = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    stale = emulator.callback_update(CHAT, menu["message_id"], data)
    stale["callback_query"]["message"] = menu  # as the person's app still showed it
    assert await feed(channel, emulator, stale) == []
    (answer,) = emulator.calls_of("answerCallbackQuery")
    assert answer.params["text"] == tg_text("stale_button")
    assert len(await engine.transcript(f"tg:{CHAT}")) == turns  # the engine was not asked


async def test_a_forged_token_is_a_stale_button(channel, emulator) -> None:
    (menu,) = await feed(channel, emulator, emulator.text_update(CHAT, "Salam"))
    forged = emulator.callback_update(CHAT, menu["message_id"], "~AAAAAAAAAAAAAAAA")
    assert await feed(channel, emulator, forged) == []
    (answer,) = emulator.calls_of("answerCallbackQuery")
    assert answer.params["text"] == tg_text("stale_button")


async def test_long_choice_ids_travel_as_tokens(emulator, redis) -> None:
    long_id = "bt:" + "x" * 80
    engine = ScriptedEngine(
        Outbound(
            text="Seçin", choices=[Choice(id=long_id, title="Uzun"), Choice(id="n", title="Yox")]
        )
    )
    channel = new_channel(emulator, engine, redis)
    try:
        (message,) = await feed(channel, emulator, emulator.text_update(CHAT, "salam"))
        data = [
            b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
        ]
        assert data[1] == "n" and data[0].startswith("~") and len(data[0].encode()) <= 64
        await feed(
            channel, emulator, emulator.callback_update(CHAT, message["message_id"], data[0])
        )
    finally:
        await channel.close()
    assert engine.inbounds[-1].choice == long_id
    edited = emulator.messages[(CHAT, message["message_id"])]
    assert edited["text"] == "Seçin\n\n✓ Uzun" and "reply_markup" not in edited


async def test_the_engine_also_drops_a_replayed_update(channel, emulator, engine) -> None:
    """Past the webhook's own update_id check, the engine still sees "tg-update:<id>" twice."""
    update = emulator.text_update(CHAT, "Salam")
    assert await channel.accept(update) == "accepted"
    await channel.drain()
    await channel.schedule(Update.model_validate(update, context={"bot": channel.bot}))
    assert len(emulator.calls_of("sendMessage", CHAT)) == 1
    assert [e["role"] for e in await engine.transcript(f"tg:{CHAT}")] == ["user", "bot"]


# --- rendering -------------------------------------------------------------------------------


async def test_html_is_escaped(emulator, redis) -> None:
    raw = "a < b && c > d <script>alert(1)</script> &amp;"
    channel = new_channel(emulator, ScriptedEngine(Outbound(text=raw)), redis)
    try:
        (message,) = await feed(channel, emulator, emulator.text_update(CHAT, "salam"))
    finally:
        await channel.close()
    assert message["text"] == raw  # the emulator parsed the HTML: nothing was taken as a tag


async def test_long_texts_are_split_on_line_boundaries(emulator, redis) -> None:
    lines = [f"{i:04d} " + " ".join(["söz"] * 40) for i in range(120)]  # ~20 000 characters
    text = "\n".join(lines)
    reply = Outbound(text=text, choices=[Choice(id="main", title="Menyu")])
    channel = new_channel(emulator, ScriptedEngine(reply), redis)
    try:
        sent = await feed(channel, emulator, emulator.text_update(CHAT, "salam"))
    finally:
        await channel.close()
    assert len(sent) == 5
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert "\n".join(m["text"] for m in sent) == text  # cut only between lines
    assert [("reply_markup" in m) for m in sent] == [False] * 4 + [True]


async def test_contact_request_next_to_buttons_gets_its_own_message(emulator, redis) -> None:
    reply = Outbound(text="Nömrə?", choices=[Choice(id="n", title="Xeyr")], request_contact=True)
    channel = new_channel(emulator, ScriptedEngine(reply), redis)
    try:
        sent = await feed(channel, emulator, emulator.text_update(CHAT, "salam"))
        assert sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "n"
        assert sent[1]["_sent_markup"]["keyboard"][0][0]["request_contact"] is True
        # The open contact keyboard goes with the next plain message.
        channel.engine = ScriptedEngine(Outbound(text="Yaxşı"))
        sent = await feed(channel, emulator, emulator.text_update(CHAT, "sonra"))
        assert sent[0]["_sent_markup"] == {"remove_keyboard": True}
    finally:
        await channel.close()


# --- sending ---------------------------------------------------------------------------------


async def test_retry_after_is_honoured(emulator, redis) -> None:
    channel = new_channel(emulator, ScriptedEngine(), redis)
    emulator.fail_next("sendMessage", status=429, retry_after=1, chat_id=CHAT)
    try:
        started = time.monotonic()
        result = await channel.sender.send(str(CHAT), Outbound(text="Xatırlatma"))
        assert result.outcome is Outcome.DELIVERED
        waited = time.monotonic() - started
    finally:
        await channel.close()
    statuses = [c.status for c in emulator.calls_of("sendMessage", CHAT)]
    assert statuses == [429, 200] and waited >= 1.0
    assert emulator.sent(CHAT)[0]["text"] == "Xatırlatma"


async def test_a_blocked_chat_is_marked_unreachable(emulator, redis) -> None:
    channel = new_channel(emulator, ScriptedEngine(Outbound(text="Salam")), redis)
    people = People(redis)
    emulator.block(CHAT)
    try:
        result = await channel.sender.send(str(CHAT), Outbound(text="Bildiriş"))
        assert result.outcome is Outcome.PERMANENT and result.address_gone
        assert "blocked" in result.error
        assert not await people.is_reachable("telegram", str(CHAT))
        calls = len(emulator.calls)
        again = await channel.sender.send(str(CHAT), Outbound(text="Bildiriş"))
        assert again.outcome is Outcome.PERMANENT
        assert len(emulator.calls) == calls  # not even tried
        # The person unblocks the bot and writes: reachable again.
        emulator._blocked.clear()
        await feed(channel, emulator, emulator.text_update(CHAT, "salam"))
        assert await people.is_reachable("telegram", str(CHAT))
    finally:
        await channel.close()


async def test_a_booking_reminder_is_delivered(channel, emulator, engine, redis, redis_url) -> None:
    """A booking made on Telegram with the person's own contact: its reminder job, run by a
    real worker, reaches the chat through Delivery."""
    from bot.jobs_keys import QUEUE
    from bot.jobs_redis import arq_pool
    from bot.reminders import send_booking_reminder
    from bot.worker import build_worker
    from dost.senders import senders_factory

    await feed(
        channel,
        emulator,
        emulator.text_update(CHAT, "özünüməşğulluq üçün növbəyə yazılmaq istəyirəm"),
    )
    for prefix in ("bc:", "bd:", "bt:"):
        message = next(m for m in reversed(emulator.sent(CHAT)) if m.get("reply_markup"))
        data = next(
            b["callback_data"]
            for row in message["reply_markup"]["inline_keyboard"]
            for b in row
            if b["callback_data"].startswith(prefix)
        )
        await feed(channel, emulator, emulator.callback_update(CHAT, message["message_id"], data))
    await feed(channel, emulator, emulator.contact_update(CHAT, "994501112233"))
    confirm = emulator.sent(CHAT)[-1]
    booked = await feed(
        channel, emulator, emulator.callback_update(CHAT, confirm["message_id"], "y")
    )
    code = re.search(r"Növbə kodu: (\S+)", booked[-1]["text"]).group(1)
    booking = await engine.bookings.get(code)
    assert booking is not None and booking.conversation == f"tg:{CHAT}"
    arq = arq_pool(redis_url)
    try:
        ctx = {"redis": redis, "arq": arq, "bookings": engine.bookings, "clock": engine.clock}
        assert await send_booking_reminder(ctx, booking.code, booking.start.isoformat(), 2) == (
            "queued"
        )
        assert await arq.zcard(QUEUE) == 1
        settings = Settings(TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_API_BASE=emulator.base_url)
        worker = build_worker(redis_url, senders=senders_factory(settings),
                              handle_signals=False, burst=True)  # fmt: skip
        await worker.async_run()
        await worker.close()
    finally:
        await arq.aclose()
    assert booking.code in emulator.sent(CHAT)[-1]["text"]


async def test_polling_mode(emulator, engine, redis) -> None:
    channel = new_channel(emulator, engine, redis)
    polling = asyncio.create_task(
        channel.dispatcher.start_polling(channel.bot, handle_signals=False, polling_timeout=1)
    )
    try:
        emulator.push_update(emulator.text_update(CHAT, "Salam"))
        for _ in range(200):
            if emulator.sent(CHAT):
                break
            await asyncio.sleep(0.05)
        assert "virtual köməkçi" in emulator.sent(CHAT)[0]["text"]
    finally:
        await channel.dispatcher.stop_polling()
        await polling
        await channel.close()


async def test_typing_lasts_while_the_engine_works(
    emulator, redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    from channels.telegram import sender

    class SlowEngine(ScriptedEngine):
        async def handle(self, inbound: Inbound) -> list[Outbound]:
            await asyncio.sleep(0.35)
            return [Outbound(text="Hazırdır")]

    monkeypatch.setattr(sender, "TYPING_REPEAT_SECONDS", 0.1)
    channel = new_channel(emulator, SlowEngine(), redis)
    try:
        await feed(channel, emulator, emulator.text_update(CHAT, "salam"))
        await asyncio.sleep(0.3)  # no "typing" once the reply is out
    finally:
        await channel.close()
    methods = [c.method for c in emulator.calls if c.params.get("chat_id") == CHAT]
    assert methods[:3] == ["sendChatAction"] * 3 and methods[-1] == "sendMessage"


async def test_blocking_the_bot_makes_the_chat_unreachable(channel, emulator) -> None:
    await channel.accept(emulator.membership_update(CHAT, "kicked"))
    await channel.drain()
    assert not await channel.people.is_reachable("telegram", str(CHAT))
    result = await channel.sender.send(str(CHAT), Outbound(text="Bildiriş"))
    assert result.outcome is Outcome.PERMANENT
    assert emulator.calls == []
    await channel.accept(emulator.membership_update(CHAT, "member"))
    await channel.drain()
    result = await channel.sender.send(str(CHAT), Outbound(text="Bildiriş"))
    assert result.outcome is Outcome.DELIVERED


async def test_send_results_tell_transient_from_permanent(emulator, redis) -> None:
    channel = new_channel(emulator, ScriptedEngine(), redis)
    people = People(redis)
    try:
        emulator.fail_next("sendMessage", status=500, chat_id=CHAT)
        result = await channel.sender.send(str(CHAT), Outbound(text="Birinci"))
        assert result.outcome is Outcome.TRANSIENT and "Internal Server Error" in result.error
        assert await people.is_reachable("telegram", str(CHAT))
        # A chat Telegram no longer knows is unreachable, like a blocked one.
        emulator.fail_next("sendMessage", status=400, chat_id=CHAT)
        result = await channel.sender.send(str(CHAT), Outbound(text="Bildiriş"))
        assert result.outcome is Outcome.PERMANENT and result.address_gone
        assert not await people.is_reachable("telegram", str(CHAT))
    finally:
        await channel.close()
