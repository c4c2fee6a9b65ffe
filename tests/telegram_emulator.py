"""A local Telegram Bot API for the tests: an aiohttp server on 127.0.0.1, in its own thread.

aiogram is pointed at it with `TelegramAPIServer.from_base(emulator.base_url)`. It records every
call (method, params), answers with realistic Bot API JSON (messages with ids, plain text and
entities parsed from the HTML, inline keyboards), refuses what Telegram refuses (bad HTML, text
over 4096 characters, callback_data over 64 bytes, editing a message into itself, answering a
callback query twice), can be told to answer 429 with `retry_after` or 403 for a chat, enforces
the sending limits when asked (N messages in any second overall, one per interval per chat), and
builds the updates a person's actions would produce (text, contact, media, button taps), also
served through getUpdates for polling.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 123, "is_bot": True, "first_name": "DOST Köməkçisi", "username": "dost_test_bot"}
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
# Values aiogram sends as plain strings (everything else is JSON).
STRING_FIELDS = {
    "text",
    "callback_query_id",
    "secret_token",
    "url",
    "parse_mode",
    "action",
    "ip_address",
}
MESSAGE_METHODS = {"sendMessage"}
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_TAG = re.compile(r"<(/?)([a-z-]+)((?:\s+[a-z-]+=\"[^\"<>]*\")*)\s*>")
_TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
}
_CHARREFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class BadRequest(Exception):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode: the plain text and its entities (UTF-16 offsets). Raises
    BadRequest for what Telegram rejects: a bare <, > or &, an unknown or unclosed tag."""
    plain: list[str] = []
    units = 0
    stack: list[tuple[str, int, str]] = []
    entities: list[dict] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            tag = _TAG.match(source, i)
            if tag is None or tag.group(2) not in _TAG_ENTITIES:
                raise BadRequest(f"can't parse entities: unsupported start tag at byte offset {i}")
            closing, name, attrs = tag.group(1), tag.group(2), tag.group(3)
            if closing:
                if not stack or stack[-1][0] != name:
                    raise BadRequest(f"can't parse entities: unmatched end tag {name}")
                _, start, href = stack.pop()
                if units > start:
                    entity = {"type": _TAG_ENTITIES[name], "offset": start, "length": units - start}
                    if href:
                        entity["url"] = href
                    entities.append(entity)
            else:
                href = re.search(r'href="([^"]*)"', attrs)
                stack.append((name, units, href.group(1) if href else ""))
            i = tag.end()
            continue
        if char == "&":
            ref = _ENTITY.match(source, i)
            if ref is None:
                raise BadRequest(f"can't parse entities: bare & at byte offset {i}")
            name = ref.group(1)
            if name.startswith("#x"):
                char = chr(int(name[2:], 16))
            elif name.startswith("#"):
                char = chr(int(name[1:]))
            else:
                char = _CHARREFS[name]
            i = ref.end()
        elif char == ">":
            raise BadRequest(f"can't parse entities: bare > at byte offset {i}")
        else:
            i += 1
        plain.append(char)
        units += utf16_len(char)
    if stack:
        raise BadRequest(
            f"can't parse entities: can't find end tag corresponding to {stack[-1][0]}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    at: float  # time.monotonic() when it arrived
    result: Any = None


@dataclass
class _Failure:
    method: str
    status: int
    retry_after: int | None
    chat_id: int | None
    times: int


@dataclass
class EmulatorStats:
    sent: int = 0
    rate_limited: int = 0  # 429s from the enforced limits (not the injected ones)
    send_times: list[float] = field(default_factory=list)
    chat_send_times: dict[int, list[float]] = field(default_factory=dict)

    def max_in_window(self, window: float = 1.0) -> int:
        times, best, start = sorted(self.send_times), 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def min_chat_gap(self) -> float:
        gaps = [
            b - a
            for times in self.chat_send_times.values()
            for a, b in itertools.pairwise(sorted(times))
        ]
        return min(gaps) if gaps else float("inf")


class BotAPIEmulator:
    def __init__(
        self,
        token: str = "123:ABC",
        *,
        global_limit: int | None = None,
        chat_interval: float | None = None,
        window: float = 1.0,
    ) -> None:
        self.token = token
        self.global_limit = global_limit  # messages in any `window` seconds, None: unlimited
        self.chat_interval = chat_interval  # seconds between two messages in a chat
        self.window = window
        self.calls: list[Call] = []
        self.stats = EmulatorStats()
        self.messages: dict[tuple[int, int], dict] = {}  # (chat, message_id) → latest version
        self.sent_params: dict[tuple[int, int], dict] = {}  # what the bot sent with it
        self.webhook: dict[str, Any] = {}
        self.commands: list[dict] = []
        self._order: list[tuple[int, int]] = []  # the bot's messages, as sent
        self._next_message_id: dict[int, int] = {}
        self._update_ids = itertools.count(1000)
        self._query_ids = itertools.count(5000)
        self._open_queries: set[str] = set()
        self._pending_updates: list[dict] = []
        self._failures: list[_Failure] = []
        self._blocked: set[int] = set()
        self._recent: deque[float] = deque()
        self._last_in_chat: dict[int, float] = {}
        self._lock = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- life cycle ----------------------------------------------------------------------------

    def start(self) -> BotAPIEmulator:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        return self

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        if self._loop is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> BotAPIEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what the test controls ----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with an error."""
        with self._lock:
            self._failures.append(_Failure(method, status, retry_after, chat_id, times))

    def block(self, chat_id: int) -> None:
        """The person blocked the bot: every message to the chat gets 403."""
        with self._lock:
            self._blocked.add(chat_id)

    def calls_of(self, method: str, chat_id: int | None = None, ok: bool | None = None) -> list:
        with self._lock:
            return [
                call
                for call in self.calls
                if call.method == method
                and (chat_id is None or call.params.get("chat_id") == chat_id)
                and (ok is None or (call.status == 200) == ok)
            ]

    def sent(self, chat_id: int) -> list[dict]:
        """The bot's messages in the chat, in the order sent, each as it is now (edits
        applied), with `_sent_markup`: the reply_markup it was sent with (reply keyboards
        are not part of a Message)."""
        with self._lock:
            return [
                {**self.messages[key], "_sent_markup": self.sent_params[key].get("reply_markup")}
                for key in self._order
                if key[0] == chat_id
            ]

    def wait_until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("the emulator did not see what was expected in time")
                self._lock.wait(min(left, 0.05))

    # --- updates a person's actions produce ------------------------------------------------

    @staticmethod
    def user(chat_id: int) -> dict:
        return {"id": chat_id, "is_bot": False, "first_name": "Aysel", "language_code": "az"}

    def _user_message(self, chat_id: int, from_id: int | None = None, **content: Any) -> dict:
        with self._lock:
            message_id = self._new_message_id(chat_id)
            message = {
                "message_id": message_id,
                "from": self.user(from_id or chat_id),
                "chat": {"id": chat_id, "type": "private", "first_name": "Aysel"},
                "date": int(time.time()),
                **content,
            }
            self.messages[(chat_id, message_id)] = message
            return {"update_id": next(self._update_ids), "message": message}

    def text_update(self, chat_id: int, text: str) -> dict:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._user_message(chat_id, **content)

    def contact_update(self, chat_id: int, phone: str, *, user_id: int | None = None) -> dict:
        """The person shares a contact: their own (user_id = chat) unless told otherwise."""
        contact = {"phone_number": phone, "first_name": "Aysel", "user_id": user_id or chat_id}
        return self._user_message(chat_id, contact=contact)

    def media_update(self, chat_id: int, kind: str) -> dict:
        file = {"file_id": f"file-{kind}", "file_unique_id": f"u-{kind}"}
        content = {
            "voice": {"voice": {**file, "duration": 3}},
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "sticker": {
                "sticker": {
                    **file,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            },
            "document": {"document": {**file, "file_name": "arayis.pdf"}},
        }[kind]
        return self._user_message(chat_id, **content)

    def callback_update(self, chat_id: int, message_id: int, data: str) -> dict:
        """The person taps a button of the bot's message (the message as it is now)."""
        with self._lock:
            query_id = str(next(self._query_ids))
            self._open_queries.add(query_id)
            return {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": query_id,
                    "from": self.user(chat_id),
                    "message": self.messages[(chat_id, message_id)],
                    "chat_instance": f"ci-{chat_id}",
                    "data": data,
                },
            }

    def membership_update(self, chat_id: int, status: str) -> dict:
        """The person blocks ("kicked") or unblocks ("member") the bot."""
        with self._lock:
            if status == "kicked":
                self._blocked.add(chat_id)
            else:
                self._blocked.discard(chat_id)
            return {
                "update_id": next(self._update_ids),
                "my_chat_member": {
                    "chat": {"id": chat_id, "type": "private", "first_name": "Aysel"},
                    "from": self.user(chat_id),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": BOT_USER},
                    "new_chat_member": {"status": status, "user": BOT_USER}
                    | ({"until_date": 0} if status == "kicked" else {}),
                },
            }

    def push_update(self, update: dict) -> None:
        """Queue an update for getUpdates (polling)."""
        with self._lock:
            self._pending_updates.append(update)
            self._lock.notify_all()

    # --- the Bot API ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if request.match_info["token"] != self.token:
            return self._record(method, params, 401, "Unauthorized")
        if method == "getUpdates":
            return await self._get_updates(params)
        with self._lock:
            try:
                failure = self._injected_failure(method, params)
                if failure is not None:
                    return failure
                result = self._dispatch(method, params)
            except BadRequest as exc:
                return self._record(method, params, 400, f"Bad Request: {exc}")
            return self._record(method, params, 200, result=result)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if not isinstance(value, str):
                continue  # a file
            if key in STRING_FIELDS:
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    def _record(
        self,
        method: str,
        params: dict,
        status: int,
        description: str | None = None,
        *,
        result: Any = None,
        retry_after: int | None = None,
    ) -> web.Response:
        with self._lock:
            self.calls.append(Call(method, params, status, time.monotonic(), result))
            self._lock.notify_all()
        if status == 200:
            return web.json_response({"ok": True, "result": result})
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    def _injected_failure(self, method: str, params: dict) -> web.Response | None:
        chat = params.get("chat_id")
        if method in MESSAGE_METHODS | {"sendChatAction"} and chat in self._blocked:
            return self._record(method, params, 403, "Forbidden: bot was blocked by the user")
        for failure in self._failures:
            if failure.method == method and failure.chat_id in (None, chat):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return self._error(method, params, failure.status, failure.retry_after)
        if method in MESSAGE_METHODS:
            return self._enforce_limits(method, params)
        return None

    def _error(
        self, method: str, params: dict, status: int, retry_after: int | None
    ) -> web.Response:
        if status == 429:
            return self._record(
                method,
                params,
                429,
                f"Too Many Requests: retry after {retry_after}",
                retry_after=retry_after,
            )
        if status == 403:
            return self._record(method, params, 403, "Forbidden: bot was blocked by the user")
        if status >= 500:
            return self._record(method, params, status, "Internal Server Error")
        return self._record(method, params, status, "Bad Request: chat not found")

    def _enforce_limits(self, method: str, params: dict) -> web.Response | None:
        now = time.monotonic()
        chat = params.get("chat_id")
        while self._recent and now - self._recent[0] >= self.window:
            self._recent.popleft()
        too_many = self.global_limit is not None and len(self._recent) >= self.global_limit
        last = self._last_in_chat.get(chat)
        too_fast = (
            self.chat_interval is not None and last is not None and now - last < self.chat_interval
        )
        if too_many or too_fast:
            self.stats.rate_limited += 1
            return self._error(method, params, 429, 1)
        self._recent.append(now)
        self._last_in_chat[chat] = now
        self.stats.sent += 1
        self.stats.send_times.append(now)
        self.stats.chat_send_times.setdefault(chat, []).append(now)
        return None

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _text(self, params: dict) -> tuple[str, list[dict]]:
        source = params.get("text")
        if not isinstance(source, str) or not source.strip():
            raise BadRequest("message text is empty")
        if params.get("parse_mode") == "HTML":
            plain, entities = parse_html(source)
        else:
            plain, entities = source, []
        if not plain.strip():
            raise BadRequest("message text is empty")
        if utf16_len(plain) > TEXT_LIMIT:
            raise BadRequest("message is too long")
        return plain, entities

    @staticmethod
    def _inline_markup(markup: Any) -> dict | None:
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None
        for row in markup["inline_keyboard"]:
            for button in row:
                if not button.get("text"):
                    raise BadRequest("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise BadRequest("BUTTON_DATA_INVALID")
        return markup

    def _message_to_edit(self, params: dict) -> dict:
        key = (params.get("chat_id"), params.get("message_id"))
        message = self.messages.get(key)  # type: ignore[arg-type]
        if message is None or message.get("from", {}).get("id") != BOT_USER["id"]:
            raise BadRequest("message to edit not found")
        sent_markup = self.sent_params.get(key, {}).get("reply_markup")  # type: ignore[arg-type]
        if sent_markup is not None and "inline_keyboard" not in sent_markup:
            raise BadRequest("message can't be edited")  # it carried a reply keyboard
        return message

    def _dispatch(self, method: str, params: dict) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "sendMessage":
            chat = params["chat_id"]
            plain, entities = self._text(params)
            markup = params.get("reply_markup")
            message = {
                "message_id": self._new_message_id(chat),
                "from": BOT_USER,
                "chat": {"id": chat, "type": "private", "first_name": "Aysel"},
                "date": int(time.time()),
                "text": plain,
            }
            if entities:
                message["entities"] = entities
            inline = self._inline_markup(markup)
            if inline is not None:
                message["reply_markup"] = inline
            key = (chat, message["message_id"])
            self.messages[key] = message
            self.sent_params[key] = params
            self._order.append(key)
            return message
        if method == "editMessageText":
            message = self._message_to_edit(params)
            plain, entities = self._text(params)
            inline = self._inline_markup(params.get("reply_markup"))
            if plain == message["text"] and inline == message.get("reply_markup"):
                raise BadRequest(
                    "message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message"
                )
            message["text"] = plain
            message.pop("entities", None)
            if entities:
                message["entities"] = entities
            message.pop("reply_markup", None)
            if inline is not None:
                message["reply_markup"] = inline
            message["edit_date"] = int(time.time())
            return message
        if method == "editMessageReplyMarkup":
            message = self._message_to_edit(params)
            inline = self._inline_markup(params.get("reply_markup"))
            if inline == message.get("reply_markup"):
                raise BadRequest("message is not modified")
            message.pop("reply_markup", None)
            if inline is not None:
                message["reply_markup"] = inline
            return message
        if method == "answerCallbackQuery":
            query = str(params.get("callback_query_id"))
            if query not in self._open_queries:
                raise BadRequest(
                    "query is too old and response timeout expired or query ID is invalid"
                )
            if len(params.get("text") or "") > 200:
                raise BadRequest("MESSAGE_TOO_LONG")
            self._open_queries.discard(query)
            return True
        if method == "sendChatAction":
            if params.get("action") not in {"typing", "upload_photo", "record_voice"}:
                raise BadRequest("wrong parameter action in request")
            return True
        if method == "setWebhook":
            secret = params.get("secret_token")
            if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise BadRequest("secret token contains unallowed characters")
            self.webhook = dict(params)
            return True
        if method == "deleteWebhook":
            self.webhook = {}
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": len(self._pending_updates)}  # fmt: skip
        if method == "setMyCommands":
            self.commands = list(params.get("commands") or [])
            return True
        raise BadRequest(f"method {method} is not emulated")

    async def _get_updates(self, params: dict) -> web.Response:
        if self.webhook.get("url"):
            return self._record(
                "getUpdates",
                params,
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            with self._lock:
                self._pending_updates = [
                    u for u in self._pending_updates if u["update_id"] >= offset
                ]
                ready = list(self._pending_updates)
            if ready or time.monotonic() >= deadline:
                return self._record("getUpdates", params, 200, result=ready)
            await asyncio.sleep(0.02)
