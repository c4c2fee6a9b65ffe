"""The Telegram channel: updates in (webhook or polling, through an aiogram Dispatcher), the
engine in the middle, messages out (`TelegramSender`).

- Conversation id "tg:<chat_id>"; each update's id travels as `Inbound.message_id`
  ("tg-update:<update_id>"), so a replayed update has no second effect in the engine either.
- Updates of one chat are handled one after the other, in the order they came.
- A shared contact counts only when it is the sender's own (`contact.user_id` = sender): the
  chat becomes the number's person's Telegram address in the citizen registry, and the contact
  reaches the engine as a verified `Contact`.
- `/start <payload>`: "app_<reference>" follows the notices of an application; then the greeting.
  `/start` also takes back an earlier `/stop`.
- `/stop`: no more messages we send first to this chat (an opt-out in the registry), and no more
  application notices.
- Voice, photos, stickers, documents…: a polite "text only for now".
- A chat that blocks the bot (a `my_chat_member` update "kicked", or a 403 when sending) is marked
  unreachable in the registry (notices then take another channel); unblocking, or writing, makes
  it reachable again.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, Update
from pydantic import ValidationError

from bot.catalog import t
from bot.identity import parse_phone
from bot.logs import get_logger
from bot.messages import ChatEngine, Command, Contact, Inbound
from bot.people import People, Proof
from channels.telegram.callback_data import CallbackCodec
from channels.telegram.chat_state import ChatState, secret_digest
from channels.telegram.handlers import build_router
from channels.telegram.ratelimit import RedisRateLimiter
from channels.telegram.sender import (
    CHANNEL,
    ChatUnreachable,
    TelegramSender,
    chat_address,
    conversation_id,
)
from channels.telegram.texts import tg_text

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from bot.config import Settings

log = get_logger("dost.telegram")

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
DEEP_LINK = re.compile(r"^app_([A-Za-z0-9-]{1,48})$")
SHUTDOWN_GRACE_SECONDS = 10.0


def make_bot(settings: Settings) -> Bot:
    """The aiogram Bot: HTML parse mode, no link previews, TELEGRAM_API_BASE when set."""
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.enums import ParseMode

    if not settings.telegram_bot_token:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
        if settings.telegram_api_base
        else AiohttpSession()
    )
    return Bot(
        settings.telegram_bot_token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_sender(bot: Bot, redis: aioredis.Redis, settings: Settings) -> TelegramSender:
    """The sender with the shared (Redis) rate limiter, for the channel and the job worker."""
    ttl = settings.conversation_ttl_seconds
    return TelegramSender(
        bot,
        RedisRateLimiter(
            redis,
            global_rate=settings.telegram_rate_global,
            chat_rate=settings.telegram_rate_per_chat,
            global_margin_seconds=settings.telegram_rate_margin_ms / 1000,
        ),
        state=ChatState(redis, ttl),
        people=People(redis),
        codec=CallbackCodec(redis, ttl),
    )


def _chat_of(update: Update) -> int | None:
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        message = update.callback_query.message
        return message.chat.id if message is not None else update.callback_query.from_user.id
    if update.my_chat_member is not None:
        return update.my_chat_member.chat.id
    return None


def _button_title(message: Message, data: str | None) -> str | None:
    markup = message.reply_markup
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


class TelegramChannel:
    def __init__(
        self,
        bot: Bot,
        engine: ChatEngine,
        redis: aioredis.Redis,
        *,
        webhook_secret: str | None = None,
        global_rate: float = 30.0,
        chat_rate: float = 1.0,
        global_margin_seconds: float = 0.040,
        state_ttl_seconds: int = 7 * 24 * 3600,
    ) -> None:
        self.bot = bot
        self.engine = engine
        self.state = ChatState(redis, state_ttl_seconds)
        self.people = People(redis)
        self.codec = CallbackCodec(redis, state_ttl_seconds)
        self.limiter = RedisRateLimiter(redis, global_rate=global_rate, chat_rate=chat_rate,
                                        global_margin_seconds=global_margin_seconds)  # fmt: skip
        self.sender = TelegramSender(
            bot, self.limiter, state=self.state, people=self.people, codec=self.codec
        )
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(build_router(self))
        self._configured_secret = webhook_secret
        self._tasks: set[asyncio.Task] = set()
        self._tails: dict[int | None, asyncio.Task] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, engine: ChatEngine, redis: aioredis.Redis
    ) -> TelegramChannel:
        return cls(
            make_bot(settings),
            engine,
            redis,
            webhook_secret=settings.telegram_webhook_secret,
            global_rate=settings.telegram_rate_global,
            chat_rate=settings.telegram_rate_per_chat,
            global_margin_seconds=settings.telegram_rate_margin_ms / 1000,
            state_ttl_seconds=settings.conversation_ttl_seconds,
        )

    # --- life cycle ----------------------------------------------------------------------------

    async def close(self) -> None:
        if self._tasks:  # updates being handled: give them a moment to finish
            _, pending = await asyncio.wait(self._tasks, timeout=SHUTDOWN_GRACE_SECONDS)
            for task in pending:
                task.cancel()
        await self.bot.session.close()

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until the updates accepted so far are handled."""
        while self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
            if timeout is not None:
                return

    @property
    def busy(self) -> bool:
        """True while updates are being handled."""
        return bool(self._tasks)

    # --- webhook -------------------------------------------------------------------------------

    async def webhook_secret_digest(self) -> str | None:
        """The hash of TELEGRAM_WEBHOOK_SECRET, else of the one `set-webhook` generated."""
        if self._configured_secret:
            return secret_digest(self._configured_secret)
        return await self.state.webhook_secret_digest()

    async def accept(self, data: Any) -> str:
        """A webhook update: "bad", "duplicate" or "accepted" (then handled in the background)."""
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return "bad"
        try:
            update = Update.model_validate(data, context={"bot": self.bot})
        except ValidationError:
            return "bad"
        if not await self.state.first_update(update.update_id):
            log.info("duplicate telegram update ignored", update_id=update.update_id)
            return "duplicate"
        self.schedule(update)
        return "accepted"

    def schedule(self, update: Update) -> asyncio.Task:
        """Handle the update in the background, after the chat's earlier updates."""
        chat = _chat_of(update)
        previous = self._tails.get(chat)
        task = asyncio.create_task(self._handle_after(previous, update))
        self._tails[chat] = task
        self._tasks.add(task)

        def done(finished: asyncio.Task) -> None:
            self._tasks.discard(finished)
            if self._tails.get(chat) is finished:
                del self._tails[chat]

        task.add_done_callback(done)
        return task

    async def _handle_after(self, previous: asyncio.Task | None, update: Update) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        await self.process(update)

    async def process(self, update: Update) -> None:
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except ChatUnreachable:
            pass  # noted by the sender
        except Exception:
            log.exception("telegram update failed", update_id=update.update_id)
            chat = _chat_of(update)
            if chat is not None:
                with contextlib.suppress(Exception):
                    await self.sender.notice(chat, t("technical_problem"))

    # --- inbound kinds -------------------------------------------------------------------------

    async def on_text(self, message: Message, update_id: int) -> None:
        await self._arrived(message.chat.id)
        await self._turn(message, update_id, text=message.text or "")

    async def on_start(self, message: Message, payload: str | None, update_id: int) -> None:
        chat = message.chat.id
        await self._arrived(chat)
        await self.people.opt_in(CHANNEL, chat_address(chat))  # /start takes back a /stop
        match = DEEP_LINK.match(payload or "")
        if match and await self.people.follow_own(CHANNEL, chat_address(chat), match.group(1)):
            await self.sender.notice(chat, tg_text("subscribed", ref=match.group(1)))
            log.info("telegram chat follows an application", chat=chat)
        elif match:
            await self.sender.notice(chat, tg_text("subscribe_refused"))
            log.info("deep link refused: not the proven owner's application", chat=chat)
        elif payload:
            log.info("unknown /start payload ignored", chat=chat)
        await self._turn(message, update_id, command=Command.START)

    async def on_help(self, message: Message) -> None:
        await self._arrived(message.chat.id)
        await self.sender.notice(message.chat.id, tg_text("help"))

    async def on_operator(self, message: Message, update_id: int) -> None:
        await self._arrived(message.chat.id)
        await self._turn(message, update_id, command=Command.PERSON)

    async def on_stop(self, message: Message) -> None:
        chat = message.chat.id
        await self._arrived(chat)
        address = chat_address(chat)
        already = await self.people.is_opted_out(CHANNEL, address)
        await self.people.opt_out(CHANNEL, address)
        followed = await self.people.unfollow_all(CHANNEL, address)
        text = tg_text("stop_nothing") if already and not followed else tg_text("stop_done")
        await self.sender.notice(chat, text, close_reply_keyboard=True)

    async def on_unsupported(self, message: Message) -> None:
        await self._arrived(message.chat.id)
        await self.sender.notice(message.chat.id, tg_text("text_only"))

    async def on_contact(self, message: Message, update_id: int) -> None:
        chat = message.chat.id
        await self._arrived(chat)
        contact = message.contact
        sender_id = message.from_user.id if message.from_user else None
        if contact is None or contact.user_id is None or contact.user_id != sender_id:
            log.info("contact of someone else refused", chat=chat)
            await self.sender.notice(chat, tg_text("contact_not_own"))
            return
        number = contact.phone_number.strip()
        phone = parse_phone(number if number.startswith("+") else f"+{number}")
        if phone is None:
            await self.sender.notice(chat, tg_text("contact_invalid"))
            return
        await self.sender.notice(chat, tg_text("contact_received"), close_reply_keyboard=True)
        # The engine records the proof in the citizen registry.
        shared = Contact(phone=phone, proof=Proof.TELEGRAM_CONTACT, address=chat_address(chat),
                         name=contact.first_name)  # fmt: skip
        await self._turn(message, update_id, contact=shared)

    async def on_callback(self, query: CallbackQuery, update_id: int) -> None:
        """A tap on a button: answered in every case (the button stops spinning); a button
        that is not among the latest ones gets a polite word instead of reaching the engine."""
        answered = False
        try:
            message = query.message
            if not isinstance(message, Message):  # too old for Telegram to show us
                return
            chat = message.chat.id
            await self._arrived(chat)
            choice = await self.codec.decode(query.data)
            if choice is None or not await self.state.is_live_keyboard(chat, message.message_id):
                await self.sender.answer_callback(query.id, tg_text("stale_button"))
                answered = True
                await self.sender.strip_keyboard(chat, message.message_id)
                return
            await self.sender.answer_callback(query.id)
            answered = True
            await self.sender.mark_taken(message, _button_title(message, query.data))
            await self._turn(message, update_id, choice=choice)
        finally:
            if not answered:
                await self.sender.answer_callback(query.id, tg_text("stale_button"))

    async def on_membership(self, chat_id: int, status: str) -> None:
        """Telegram tells when the person blocks the bot ("kicked") or unblocks it."""
        if status == "kicked":
            log.info("telegram chat blocked the bot", chat=chat_id)
            await self.people.mark_unreachable(CHANNEL, chat_address(chat_id))
        elif status == "member":
            await self.people.mark_reachable(CHANNEL, chat_address(chat_id))

    # --- the engine ------------------------------------------------------------------------

    async def _arrived(self, chat_id: int) -> None:
        """The person wrote: the chat is reachable again."""
        await self.people.mark_reachable(CHANNEL, chat_address(chat_id))

    async def _turn(
        self,
        message: Message,
        update_id: int,
        *,
        text: str | None = None,
        choice: str | None = None,
        contact: Contact | None = None,
        command: Command | None = None,
    ) -> None:
        chat = message.chat.id
        inbound = Inbound(
            conversation_id=conversation_id(chat),
            channel="telegram",
            text=text,
            choice=choice,
            contact=contact,
            command=command,
            message_id=f"tg-update:{update_id}",
        )
        async with self.sender.typing(chat):
            replies = await self.engine.handle(inbound)
        if replies:
            await self.sender.reply(chat, replies)
