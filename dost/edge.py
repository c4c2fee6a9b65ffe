"""The HTTP edge, as plain ASGI middleware around the whole app: request bodies capped, security
headers on every response.

The body cap counts the bytes as they arrive, so a chunked body (no Content-Length) is stopped
as surely as a declared one: past the cap the app sees the client gone, whatever it answers is
dropped and the client gets 413.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Every response: no MIME sniffing, no referrer leaving the site, never framed by another site.
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# HTML pages: everything from this origin only (the web chat, the console and the simulator load
# their own scripts and styles); JSON and TwiML get the strictest policy there is.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"


class BodyLimit:
    """413 for a request body larger than its route's cap (the longest matching path prefix in
    `caps`, else `default`); 400 for a Content-Length that is not a number."""

    def __init__(self, app: ASGIApp, default: int, caps: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.caps = sorted((caps or {}).items(), key=lambda item: -len(item[0]))

    def cap_for(self, path: str) -> int:
        return next((cap for prefix, cap in self.caps if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.cap_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _plain(send, 400, "bad Content-Length")
                return
            if int(declared) > cap:
                await _plain(send, 413, f"request body larger than {cap} bytes")
                return
        received = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    exceeded = True
                    return {"type": "http.disconnect"}  # the app stops reading here
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a body it never got whole: 413 goes instead
            started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await _plain(send, 413, f"request body larger than {cap} bytes")


class SecurityHeaders:
    """The headers above on every HTTP response; a route's own headers win (a page may set a
    stricter policy of its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = _value(headers, b"content-type") or b""
                csp = PAGE_CSP if content_type.startswith(b"text/html") else OTHER_CSP
                wanted = {**SECURITY_HEADERS, "Content-Security-Policy": csp}
                headers += [
                    (name.lower().encode(), value.encode())
                    for name, value in wanted.items()
                    if name.lower().encode() not in present
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _header(scope: Scope, name: bytes) -> str | None:
    value = _value(scope.get("headers", []), name)
    return value.decode("latin-1").strip() if value is not None else None


def _value(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


async def _plain(send: Send, status: int, reason: str) -> None:
    body = ('{"detail":"' + reason + '"}').encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
