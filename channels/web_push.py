"""Messages the web chat gets without asking: a Server-Sent Events stream per conversation, and
the person's setting for messages we send first.

- `GET /api/v1/chat/{conversation_id}/events` (sse-starlette): one event per message the
  assistant or an operator sends on their own, `{"id", "from", "text", "choices"}`, fed by the
  core's push streams (Redis pub/sub), so any web process serves any page; an operator's
  replies that found no open page (bot/operators/desk.py) come first when the page is back.
- `GET` / `PUT /api/v1/chat/{conversation_id}/notifications` `{"enabled"}`: whether messages we
  send first (reminders, notices) may come to this chat; off is an opt-out in the registry.
- `WebSender`, the web chat's `Sender`: it counts as delivered only when an open page received
  the message; with no page open it is a miss for this message, and delivery tries the next
  channel.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict
from sse_starlette import EventSourceResponse, ServerSentEvent

from bot.delivery import SendResult
from bot.messages import Outbound
from bot.operators.desk import take_undelivered
from bot.people import People
from bot.push import Push
from channels.web import CONVERSATION_ID_PATTERN

if TYPE_CHECKING:
    import redis.asyncio as aioredis

CHANNEL = "web"
PING_SECONDS = 15  # keeps proxies from closing a quiet stream

ConversationId = Annotated[str, Path(min_length=8, max_length=64, pattern=CONVERSATION_ID_PATTERN)]
RedisGetter = Callable[[Request], "aioredis.Redis"]


def stream_name(conversation_id: str) -> str:
    return f"web:{conversation_id.removeprefix('web:')}"


def event_of(message: Outbound) -> dict:
    event = {
        "id": secrets.token_hex(8),
        "from": message.author,
        "text": message.shown_text,
        "choices": [{"id": c.id, "title": c.title} for c in message.choices],
    }
    if message.update_key:  # the page replaces its earlier message with this key
        event["replaces"] = message.update_key
    return event


class WebSender:
    channel = CHANNEL

    def __init__(self, push: Push) -> None:
        self.push = push

    async def send(self, address: str, message: Outbound) -> SendResult:
        from redis.exceptions import RedisError

        try:
            received = await self.push.publish(stream_name(address), event_of(message))
        except (RedisError, OSError) as exc:
            return SendResult.transient(f"push failed: {type(exc).__name__}")
        if received == 0:
            return SendResult.permanent("no open page", address_gone=False)
        return SendResult.delivered()


class NotificationSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


def web_push_router(redis_getter: RedisGetter) -> APIRouter:
    router = APIRouter(prefix="/api/v1/chat/{conversation_id}", tags=["chat"])

    @router.get(
        "/events",
        summary="Messages the assistant or an operator sends on their own (Server-Sent Events)",
        response_class=EventSourceResponse,
    )
    async def events(conversation_id: ConversationId, request: Request) -> EventSourceResponse:
        # Subscribed before the response starts: nothing sent after the page connected is lost.
        redis = redis_getter(request)
        subscription = await Push(redis).open(stream_name(conversation_id))

        async def stream() -> AsyncIterator[ServerSentEvent]:
            try:
                # An operator's replies while the page was closed come first.
                for message in await take_undelivered(redis, stream_name(conversation_id)):
                    event = event_of(message)
                    data = json.dumps(event, ensure_ascii=False)
                    yield ServerSentEvent(data=data, id=event["id"], event="message")
                while True:
                    event = await subscription.next()
                    if event is not None:
                        data = json.dumps(event, ensure_ascii=False)
                        yield ServerSentEvent(data=data, id=event["id"], event="message")
            finally:
                await subscription.aclose()

        return EventSourceResponse(
            stream(), ping=PING_SECONDS, headers={"Cache-Control": "no-store"}
        )

    @router.get("/notifications", response_model=NotificationSetting,
                summary="Whether messages we send first may come to this chat")  # fmt: skip
    async def get_setting(conversation_id: ConversationId, request: Request):
        people = People(redis_getter(request))
        return NotificationSetting(enabled=not await people.is_opted_out(CHANNEL, conversation_id))

    @router.put("/notifications", response_model=NotificationSetting,
                summary="Turn messages we send first on or off for this chat")  # fmt: skip
    async def put_setting(
        conversation_id: ConversationId, body: NotificationSetting, request: Request
    ):
        people = People(redis_getter(request))
        if body.enabled:
            await people.opt_in(CHANNEL, conversation_id)
        else:
            await people.opt_out(CHANNEL, conversation_id)
        return body

    return router
