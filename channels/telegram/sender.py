"""Sending to Telegram: a turn's replies, the channel's own notices, and proactive messages
(reminders, notices) — all through the shared rate limiter.

- Replies to what the person just wrote count against the bot-wide limit; proactive messages
  are also paced per chat (1 a second by default).
- `TelegramSender` is the channel's delivery `Sender` (`send(address, message) -> SendResult`):
  delivered; transient for flood control beyond our patience, Telegram's 5xx and the network;
  permanent for a chat that blocked the bot or is gone (the address is then unreachable) and
  for a message Telegram refuses.
- `TelegramRetryAfter`: wait as long as Telegram says (and make every process wait for that
  chat), then try again.
- `TelegramForbiddenError` (the person blocked the bot) or a chat that no longer exists: the
  chat is marked unreachable in the citizen registry, so notices fall back to another channel.
- Inline keyboards are tracked: when a new turn starts, the previous turn's buttons are taken
  off their messages; a reply keyboard (contact sharing) is removed with the next plain message.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any, TypeVar

from aiogram.enums import ChatAction
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Message

from bot.delivery import SendResult
from bot.logs import get_logger
from bot.messages import Outbound
from bot.people import People
from channels.telegram.callback_data import CallbackCodec
from channels.telegram.chat_state import ChatState
from channels.telegram.ratelimit import RedisRateLimiter
from channels.telegram.render import (
    Piece,
    escape,
    remove_keyboard,
    render,
    utf16_len,
)
from channels.telegram.texts import tg_text

if TYPE_CHECKING:
    from aiogram import Bot

log = get_logger("dost.telegram")
T = TypeVar("T")
MAX_RETRIES = 5
TYPING_REPEAT_SECONDS = 4.5
MAX_RETRY_AFTER_SECONDS = 300  # a longer flood wait is given up on (the caller may try later)


CHANNEL = "telegram"


def conversation_id(chat_id: int) -> str:
    return f"tg:{chat_id}"


def chat_address(chat_id: int) -> str:
    """The chat as an address in the citizen registry."""
    return str(chat_id)


class ChatUnreachable(Exception):
    def __init__(self, chat_id: int) -> None:
        super().__init__(f"telegram chat {chat_id} is unreachable")
        self.chat_id = chat_id


def _chat_gone(exc: TelegramBadRequest) -> bool:
    text = exc.message.lower()
    return "chat not found" in text or "user is deactivated" in text


class _ChatLocks:
    """One asyncio lock per chat, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


class TelegramSender:
    channel = CHANNEL

    def __init__(
        self,
        bot: Bot,
        limiter: RedisRateLimiter,
        *,
        state: ChatState,
        people: People,
        codec: CallbackCodec,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.bot = bot
        self.limiter = limiter
        self.state = state
        self.people = people
        self.codec = codec
        self.max_retries = max_retries
        self._locks = _ChatLocks()

    # --- proactive (the delivery Sender) -------------------------------------------------------

    async def send(self, address: str | int, message: Outbound) -> SendResult:
        """Send a message the assistant starts (a reminder, a notice), paced per chat."""
        chat_id = int(str(address).removeprefix("tg:"))
        if not await self.people.is_reachable(CHANNEL, chat_address(chat_id)):
            return SendResult.permanent("chat unreachable")
        try:
            async with self._locks.hold(chat_id):
                sent = await self._send_outbounds(chat_id, [message], paced=True)
        except ChatUnreachable as exc:
            return SendResult.permanent(str(exc.__cause__ or exc))
        except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as exc:
            return SendResult.transient(f"{type(exc).__name__}: {exc}")
        except TelegramAPIError as exc:  # refused this message (or our token): not the chat's fault
            return SendResult.permanent(f"{type(exc).__name__}: {exc}", address_gone=False)
        return SendResult.delivered(*(str(m.message_id) for m in sent))

    async def aclose(self) -> None:
        await self.bot.session.close()

    # --- a turn ---------------------------------------------------------------------------

    async def reply(self, chat_id: int, outbounds: list[Outbound]) -> list[Message]:
        """The engine's replies to a turn. The buttons of earlier turns are stale from now on:
        they are taken off their messages first."""
        async with self._locks.hold(chat_id):
            for message_id in await self.state.take_keyboards(chat_id):
                await self.strip_keyboard(chat_id, message_id)
            return await self._send_outbounds(chat_id, outbounds, paced=False)

    async def notice(self, chat_id: int, text: str, *, close_reply_keyboard: bool = False) -> None:
        """One of the channel's own texts (help, "text only for now", …); the live buttons
        stay live (the conversation did not move)."""
        async with self._locks.hold(chat_id):
            markup = None
            if close_reply_keyboard and await self.state.reply_keyboard_open(chat_id):
                markup = remove_keyboard()
            await self._message(chat_id, Piece(escape(text), markup), paced=False)
            if markup is not None:
                await self.state.set_reply_keyboard(chat_id, False)

    @asynccontextmanager
    async def typing(self, chat_id: int) -> AsyncIterator[None]:
        """Show "typing…" while the block runs: once before it starts, then every few seconds
        (Telegram shows it for five)."""
        await self._typing_once(chat_id)

        async def keep_typing() -> None:
            while True:
                await asyncio.sleep(TYPING_REPEAT_SECONDS)
                await self._typing_once(chat_id)

        repeater = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            repeater.cancel()
            with suppress(asyncio.CancelledError, ChatUnreachable):
                await repeater

    async def _typing_once(self, chat_id: int) -> None:
        """A chat action is never worth waiting for: no retry when Telegram says slow down."""
        try:
            await self.bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
        except TelegramForbiddenError as exc:
            await self._unreachable(chat_id, exc)
        except TelegramAPIError as exc:
            log.info("typing action failed", error=type(exc).__name__)

    async def answer_callback(self, query_id: str, text: str | None = None) -> None:
        try:
            await self._call(lambda: self.bot.answer_callback_query(query_id, text=text), None)
        except TelegramAPIError as exc:  # too old: nothing to do about it
            log.info("callback answer failed", error=type(exc).__name__)

    async def strip_keyboard(self, chat_id: int, message_id: int) -> None:
        """Take the inline buttons off a message (they are stale)."""
        await self.state.drop_keyboard(chat_id, message_id)
        try:
            await self._call(
                lambda: self.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id),
                chat_id,
            )
        except TelegramBadRequest as exc:  # already without buttons, or too old to edit
            log.info("keyboard not removed", error=exc.message)

    async def mark_taken(self, message: Message, title: str | None) -> None:
        """The person tapped a button: the message shows what was chosen, without its buttons."""
        chat_id = message.chat.id
        await self.state.drop_keyboard(chat_id, message.message_id)
        taken = tg_text("choice_taken", title=title) if title else None
        visible = utf16_len(message.text or "") + 2 + utf16_len(taken or "")
        if not taken or message.text is None or visible > 4096:
            await self.strip_keyboard(chat_id, message.message_id)
            return
        try:
            await self._call(
                lambda: self.bot.edit_message_text(
                    chat_id=chat_id,
                    message_id=message.message_id,
                    text=f"{message.html_text}\n\n{escape(taken)}",
                ),
                chat_id,
            )
        except TelegramBadRequest as exc:
            log.info("chosen button not shown", error=exc.message)
            await self.strip_keyboard(chat_id, message.message_id)

    # --- sending -------------------------------------------------------------------------------

    async def _send_outbounds(
        self, chat_id: int, outbounds: list[Outbound], *, paced: bool
    ) -> list[Message]:
        sent: list[Message] = []
        for outbound in outbounds:
            data = await self.codec.encode([choice.id for choice in outbound.choices])
            pieces = render(outbound, data)
            edit = outbound.update_key and len(pieces) == 1
            if edit and await self._edit(chat_id, outbound.update_key or "", pieces[0]):
                continue
            if not outbound.request_contact and await self.state.reply_keyboard_open(chat_id):
                plain = next((p for p in pieces if p.markup is None), None)
                if plain is not None:  # else the next plain message closes it
                    plain.markup = remove_keyboard()
                    await self.state.set_reply_keyboard(chat_id, False)
            for piece in pieces:
                message = await self._message(chat_id, piece, paced=paced)
                sent.append(message)
                if piece.inline:
                    await self.state.add_keyboard(chat_id, message.message_id)
                if outbound.update_key:
                    await self.state.set_updatable(chat_id, outbound.update_key, message.message_id)
            if outbound.request_contact:
                await self.state.set_reply_keyboard(chat_id, True)
        return sent

    async def _edit(self, chat_id: int, key: str, piece: Piece) -> bool:
        """Edit the message sent earlier under `key` into `piece` (a place in the queue that
        changed); False when there is none or it cannot be edited (then a new one is sent)."""
        message_id = await self.state.updatable(chat_id, key)
        if message_id is None:
            return False
        try:
            await self._call(
                lambda: self.bot.edit_message_text(
                    chat_id=chat_id, message_id=message_id, text=piece.html,
                    reply_markup=piece.markup,
                ),
                chat_id,
            )  # fmt: skip
        except TelegramBadRequest as exc:
            if "not modified" not in exc.message.lower():
                log.info("message not edited", error=exc.message)
                return False
        if piece.inline:
            await self.state.add_keyboard(chat_id, message_id)
        return True

    async def show_typing(self, address: str) -> None:
        """"typing…" in the chat once (an operator is writing)."""
        with suppress(ChatUnreachable):
            await self._typing_once(int(str(address).removeprefix("tg:")))

    async def _message(self, chat_id: int, piece: Piece, *, paced: bool) -> Message:
        async def send() -> Message:
            async with self.limiter.slot(chat_id if paced else None):
                return await self.bot.send_message(
                    chat_id=chat_id, text=piece.html, reply_markup=piece.markup
                )

        return await self._call(send, chat_id)

    async def _call(self, make: Callable[[], Awaitable[T]], chat_id: int | None) -> T:
        """One Bot API call with Telegram's flood control honoured and blocked chats noted."""
        for attempt in range(self.max_retries + 1):
            try:
                return await make()
            except TelegramRetryAfter as exc:
                if attempt == self.max_retries or exc.retry_after > MAX_RETRY_AFTER_SECONDS:
                    raise
                log.warning("telegram flood control", retry_after=exc.retry_after)
                if chat_id is not None:
                    await self.limiter.hold_off(chat_id, exc.retry_after)
                await asyncio.sleep(exc.retry_after)
            except TelegramForbiddenError as exc:
                if chat_id is None:
                    raise
                await self._unreachable(chat_id, exc)
            except TelegramBadRequest as exc:
                if chat_id is None or not _chat_gone(exc):
                    raise
                await self._unreachable(chat_id, exc)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _unreachable(self, chat_id: int, exc: TelegramAPIError) -> Any:
        log.info("telegram chat unreachable", chat=chat_id, reason=exc.message)
        await self.people.mark_unreachable(CHANNEL, chat_address(chat_id))
        raise ChatUnreachable(chat_id) from exc
