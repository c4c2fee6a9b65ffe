"""The aiogram router: which kind of update goes to which of the channel's methods. Private
chats only (a phone number shared in a group would be everyone's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update

if TYPE_CHECKING:
    from channels.telegram.channel import TelegramChannel


def build_router(channel: TelegramChannel) -> Router:
    router = Router(name="dost-telegram")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    router.my_chat_member.filter(F.chat.type == ChatType.PRIVATE)

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject, event_update: Update) -> None:
        await channel.on_start(message, command.args, event_update.update_id)

    @router.message(Command("help"))
    async def help_(message: Message) -> None:
        await channel.on_help(message)

    @router.message(Command("operator"))
    async def operator(message: Message, event_update: Update) -> None:
        await channel.on_operator(message, event_update.update_id)

    @router.message(Command("stop"))
    async def stop(message: Message) -> None:
        await channel.on_stop(message)

    @router.message(F.contact)
    async def contact(message: Message, event_update: Update) -> None:
        await channel.on_contact(message, event_update.update_id)

    @router.message(F.text)
    async def text(message: Message, event_update: Update) -> None:
        await channel.on_text(message, event_update.update_id)

    @router.message()
    async def anything_else(message: Message) -> None:
        """Voice, photos, stickers, documents, locations…: text only for now."""
        await channel.on_unsupported(message)

    @router.callback_query()
    async def button(query: CallbackQuery, event_update: Update) -> None:
        await channel.on_callback(query, event_update.update_id)

    @router.my_chat_member()
    async def membership(event: ChatMemberUpdated) -> None:
        """The person blocked (or unblocked) the bot."""
        await channel.on_membership(event.chat.id, event.new_chat_member.status)

    return router
