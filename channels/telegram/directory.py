"""Who is behind a Telegram chat: the phone number the person shared (their own contact), the
applications they follow (deep links), and whether the chat can be reached at all. This is what
booking and, later, notifications use to find a citizen on Telegram."""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels.telegram import keys

if TYPE_CHECKING:
    import redis.asyncio as aioredis


class ChatDirectory:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    # --- chat ↔ phone ------------------------------------------------------------------------

    async def link(self, chat_id: int, phone: str) -> None:
        """Link the chat to a phone number (E.164); a number lives in one chat at a time."""
        old_phone = await self.redis.get(keys.phone_of_chat(chat_id))
        old_chat = await self.redis.get(keys.chat_of_phone(phone))
        async with self.redis.pipeline(transaction=True) as pipe:
            if old_phone and old_phone != phone:
                pipe.delete(keys.chat_of_phone(old_phone))
            if old_chat and int(old_chat) != chat_id:
                pipe.delete(keys.phone_of_chat(int(old_chat)))
            pipe.set(keys.phone_of_chat(chat_id), phone)
            pipe.set(keys.chat_of_phone(phone), chat_id)
            await pipe.execute()

    async def unlink(self, chat_id: int) -> str | None:
        """Forget the chat's phone; returns the number that was linked, if any."""
        phone = await self.redis.get(keys.phone_of_chat(chat_id))
        if phone is None:
            return None
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.phone_of_chat(chat_id))
            pipe.delete(keys.chat_of_phone(phone))
            await pipe.execute()
        return phone

    async def phone_of(self, chat_id: int) -> str | None:
        return await self.redis.get(keys.phone_of_chat(chat_id))

    async def chat_of(self, phone: str) -> int | None:
        chat = await self.redis.get(keys.chat_of_phone(phone))
        return int(chat) if chat else None

    # --- application notices (deep links) ------------------------------------------------

    async def subscribe(self, chat_id: int, reference: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(keys.subscriptions(chat_id), reference)
            pipe.sadd(keys.subscribers(reference), chat_id)
            await pipe.execute()

    async def subscriptions(self, chat_id: int) -> set[str]:
        return set(await self.redis.smembers(keys.subscriptions(chat_id)))

    async def subscribers(self, reference: str) -> set[int]:
        return {int(c) for c in await self.redis.smembers(keys.subscribers(reference))}

    async def unsubscribe_all(self, chat_id: int) -> set[str]:
        references = await self.subscriptions(chat_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            for reference in references:
                pipe.srem(keys.subscribers(reference), chat_id)
            pipe.delete(keys.subscriptions(chat_id))
            await pipe.execute()
        return references

    # --- reachability ------------------------------------------------------------------------

    async def mark_unreachable(self, chat_id: int) -> None:
        """The person blocked the bot (or the chat is gone): notices take another channel."""
        await self.redis.sadd(keys.UNREACHABLE, chat_id)

    async def mark_reachable(self, chat_id: int) -> None:
        await self.redis.srem(keys.UNREACHABLE, chat_id)

    async def is_reachable(self, chat_id: int) -> bool:
        return not await self.redis.sismember(keys.UNREACHABLE, chat_id)
