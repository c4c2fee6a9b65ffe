"""The web chat: the page at `/` and its JSON endpoint `POST /api/v1/chat`.

The endpoint turns a request into an `Inbound` for the engine and its `Outbound` replies into
`{"replies", "intent", "service", "handoff"}`. It is open to anyone, so it is rate-limited per
conversation and per client address with fixed-window counters (kept by the core's channel
state); when Redis cannot be reached the limiter lets the message through (the engine has its
own answer for that).

The page is one Jinja2 template with a little vanilla JS and CSS next to it; every Azerbaijani
text it shows comes from the `web` section of the text catalog, injected through the template.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.catalog import section
from bot.channel_state import ChannelState
from bot.identity import parse_phone
from bot.messages import ChatEngine, Inbound, Outbound
from bot.operators.desk import WAIT_KEY
from bot.ratelimit import RateLimit, RateLimited
from channels.pages import Page

if TYPE_CHECKING:
    import redis.asyncio as aioredis

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ASSETS = {"chat.js": "web_chat.js", "chat.css": "web_chat.css"}
PAGE = Page(HERE, "web_chat.html", ASSETS)

MAX_TEXT_CHARS = 10_000  # the API's limit; the engine itself trims longer-than-useful messages
MAX_CHOICE_CHARS = 256
CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9_-]+$"

# Rate limits: at most LIMIT messages per WINDOW seconds.
CONVERSATION_LIMIT = 20
ADDRESS_LIMIT = 60
RATE_WINDOW_SECONDS = 10
NAMESPACE = "web"  # the core's channel state keeps the counters (dost:web:ratelimit:…)
RATE_NAME = "ratelimit"

# Texts the browser needs (the rest are only used in the template).
SCRIPT_TEXT_KEYS = (
    "you",
    "bot",
    "choices_label",
    "typing",
    "connection_problem",
    "rate_limited",
    "operator",
    "notifications_failed",
)

# The page loads nothing from elsewhere; inline scripts and styles are not needed either.
PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


EngineGetter = Callable[[Request], ChatEngine]
RedisGetter = Callable[[Request], "aioredis.Redis"]


# --- the HTTP contract --------------------------------------------------------------------


class ChatRequest(BaseModel):
    """One message from the web chat: typed text, or the id of a button the person tapped."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str = Field(
        min_length=8,
        max_length=64,
        pattern=CONVERSATION_ID_PATTERN,
        description="Chosen by the browser and kept for the whole conversation.",
        examples=["k3v9Qw2xT7mB4nZp"],
    )
    text: str | None = Field(
        default=None, min_length=1, max_length=MAX_TEXT_CHARS, examples=["Salam"]
    )
    choice: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_CHOICE_CHARS,
        description="The `id` of a choice from an earlier reply.",
    )

    @model_validator(mode="after")
    def _exactly_one_of_text_or_choice(self) -> ChatRequest:
        if (self.text is None) == (self.choice is None):
            raise ValueError("send exactly one of `text` or `choice`")
        return self


class VerifyRequest(BaseModel):
    """Prove a phone number for this conversation: first the number (a code goes to it by SMS),
    then the number with the code."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=5, max_length=32, examples=["050 123 45 67"])
    code: str | None = Field(default=None, pattern=r"^\d{6}$", examples=["123456"])


class VerifyResponse(BaseModel):
    status: Literal["sent", "not_sent", "proven", "wrong", "no_code"]
    tries_left: int | None = None


class CodeChecker(Protocol):
    async def send_code(self, conversation: str, phone: str, requester: str | None) -> Any: ...
    async def check_code(self, conversation: str, channel: str, code: str) -> Any: ...


class ChatChoice(BaseModel):
    id: str
    title: str


class ChatReply(BaseModel):
    text: str
    choices: list[ChatChoice] = Field(default_factory=list)


class ChatResponse(BaseModel):
    replies: list[ChatReply]
    intent: str | None = Field(description="The last reply's intent.")
    service: str | None = Field(description="The last reply's service id.")
    handoff: bool = Field(description="True when the conversation is being handed to a person.")


class ChatError(BaseModel):
    detail: str


def to_response(replies: Sequence[Outbound]) -> ChatResponse:
    last = replies[-1] if replies else None
    return ChatResponse(
        replies=[
            ChatReply(
                text=reply.shown_text,
                choices=[ChatChoice(id=c.id, title=c.title) for c in reply.choices],
            )
            for reply in replies
        ],
        intent=last.intent if last else None,
        service=last.service if last else None,
        handoff=any(reply.handoff is not None for reply in replies),
    )


# --- rate limiting ------------------------------------------------------------------------


# --- texts and the page -------------------------------------------------------------------


@cache
def web_texts() -> dict[str, str]:
    texts = section("web")
    missing = [key for key in (*SCRIPT_TEXT_KEYS, "page_title") if key not in texts]
    if missing:
        raise KeyError(f"the catalog's web section lacks {', '.join(missing)}")
    return texts


@cache
def render_page(base_path: str = "") -> str:
    texts = web_texts()
    return PAGE.render(
        t=texts,
        script_texts={key: texts[key] for key in SCRIPT_TEXT_KEYS},
        api_url=f"{base_path}/api/v1/chat",
        chat_base=f"{base_path}/api/v1/chat",
        wait_key=WAIT_KEY,
        css_url=PAGE.asset_url(f"{base_path}/web-chat", "chat.css"),
        js_url=PAGE.asset_url(f"{base_path}/web-chat", "chat.js"),
        max_text_chars=MAX_TEXT_CHARS,
    )


# --- the router ---------------------------------------------------------------------------


def web_chat_router(
    engine_getter: EngineGetter,
    redis_getter: RedisGetter,
    *,
    conversation_limit: int = CONVERSATION_LIMIT,
    address_limit: int = ADDRESS_LIMIT,
    window_seconds: int = RATE_WINDOW_SECONDS,
) -> APIRouter:
    """The web chat's routes. The getters find the engine and the Redis client for a request
    (both are created in the app's lifespan)."""
    router = APIRouter()

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def chat_page(request: Request) -> HTMLResponse:
        return HTMLResponse(
            render_page(request.scope.get("root_path", "")), headers=PAGE_SECURITY_HEADERS
        )

    @router.get("/web-chat/{name}", include_in_schema=False)
    async def chat_asset(name: str, v: str | None = Query(default=None)) -> Response:
        return PAGE.asset_response(name, v)

    @router.post(
        "/api/v1/chat",
        response_model=ChatResponse,
        tags=["chat"],
        summary="Send one web chat message, get the assistant's replies",
        responses={
            429: {
                "model": ChatError,
                "description": "Too many messages; see the Retry-After header.",
            }
        },
    )
    async def chat(body: ChatRequest, request: Request) -> Response:
        address = request.client.host if request.client else "unknown"
        counters = ChannelState(redis_getter(request), NAMESPACE)
        limits = [  # counted by the engine in the same round trip as its lock and state
            RateLimit(counters.key(f"{RATE_NAME}:conversation:{body.conversation_id}"),
                      conversation_limit, window_seconds),
            RateLimit(counters.key(f"{RATE_NAME}:address:{address}"), address_limit,
                      window_seconds),
        ]  # fmt: skip
        inbound = Inbound(
            conversation_id=f"web:{body.conversation_id}",
            channel="web",
            text=body.text,
            choice=body.choice,
            client_address=address,
        )
        try:
            replies = await engine_getter(request).handle(inbound, limits)
        except RateLimited as refused:
            raise HTTPException(
                status_code=429,
                detail=web_texts()["rate_limited"],
                headers={"Retry-After": str(refused.wait)},
            ) from None
        # Serialized once, here (FastAPI would validate the model again, then encode it).
        return Response(
            to_response(replies).model_dump_json(),
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    @router.post(
        "/api/v1/chat/{conversation_id}/verify",
        response_model=VerifyResponse,
        tags=["chat"],
        summary="Prove a phone number for this web chat with a one-time SMS code",
        responses={
            422: {"description": "Not a phone number, or a code that is not six digits."},
            429: {"model": ChatError, "description": "Too many codes for this number or address."},
        },
    )
    async def verify(
        body: VerifyRequest,
        request: Request,
        response: Response,
        conversation_id: str = PathParam(
            min_length=8, max_length=64, pattern=CONVERSATION_ID_PATTERN
        ),
    ) -> VerifyResponse:
        engine: CodeChecker = engine_getter(request)  # type: ignore[assignment]
        conversation = f"web:{conversation_id}"
        phone = parse_phone(body.phone)
        if phone is None:
            raise HTTPException(status_code=422, detail="phone: not a phone number")
        response.headers["Cache-Control"] = "no-store"
        if body.code is None:
            address = request.client.host if request.client else None
            started = await engine.send_code(conversation, phone, address)
            if started == "rate_limited":
                raise HTTPException(status_code=429, detail=web_texts()["rate_limited"],
                                    headers={"Retry-After": "3600"})  # fmt: skip
            return VerifyResponse(status=started)
        result = await engine.check_code(conversation, "web", body.code)
        if result.outcome == "wrong":
            return VerifyResponse(status="wrong", tries_left=result.tries_left)
        return VerifyResponse(status=result.outcome)

    return router
