"""Hostile HTTP requests for every route of the app (hypothesis strategies), and a client that
sends them: shared by tests/test_fuzz.py (bounded, in CI) and benchmarks/fuzz.py (≥ 10,000).

A request is mostly well-formed where it has to be to get past the door (a valid API key, the
Telegram secret, a correct Twilio signature over the form it carries) and hostile inside: lone
surrogates, NUL and control characters, non-UTF-8 bytes, numbers where text goes, datetimes in
the years 1 and 9999, naive datetimes, deep nesting, bodies past the cap (declared and chunked),
percent-encoded junk in paths and queries.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

TELEGRAM_SECRET = "fuzz-secret-token"
TWILIO_TOKEN = "fuzz-twilio-token"
BASE_URL = "http://testserver"
MAX_QUERY_CHARS = 8000  # what a server takes in a request line (uvicorn: about 16 KiB)

# Routes that never end (event streams) or are not HTTP (the console's WebSocket), and the
# operator's logout (it would end the session the other requests use).
ENDLESS = re.compile(r"/events$|/stream$|/ws$")
SKIPPED = frozenset({("/operator/logout", "POST")})

# Field names the app knows, so generated bodies reach its validators and handlers.
FIELDS = [
    "conversation_id", "text", "choice", "phone", "code", "center", "service", "start", "fin",
    "request_id", "type", "person", "fin", "date", "notifications", "update_id", "message",
    "callback_query", "Body", "From", "To", "CallSid", "Digits", "SpeechResult", "CallStatus",
    "MessageSid", "MessageStatus", "ErrorCode", "AccountSid", "name", "password", "key", "seq",
    "reference", "details", "when", "place", "decision", "channel", "enabled",
]  # fmt: skip

HOSTILE_TEXT = [
    "\ud800", "a\udfffb", "\x00", "\x00\x01\x1b[31m", "\u202e", "\ufeff", "𝕯𝕺𝕾𝕿", "ə" * 3000,
    "AA12BC3", "050 123 45 67", "+994501234567", "%00", "%ZZ", "../../etc/passwd", "${jndi:x}",
    "<script>alert(1)</script>", "'; DROP TABLE x; --", "{{7*7}}", "\r\nSet-Cookie: x=1", "",
    " ", "0", "-1", "1e309", "NaN", "true", "null",
]  # fmt: skip
DATETIMES = [
    "9999-12-31T23:45:00+00:00", "0001-01-01T00:00:00+14:00", "2026-11-23T10:00:00",
    "2026-11-23T10:00:00+04:00", "2026-02-30T10:00:00+04:00", "1970-01-01T00:00:00Z",
    "2100-12-31T23:59:59-12:00", "9999-12-31", "0001-01-01", "2026-13-01", "+002026-01-01",
]  # fmt: skip
CONTENT_TYPES = [
    "application/json", "application/x-www-form-urlencoded", "multipart/form-data",
    "multipart/form-data; boundary=x", "text/plain", "application/json; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-16", "", "*/*", "application/xml",
]  # fmt: skip


@dataclass(frozen=True)
class Route:
    path: str  # with {name} placeholders
    method: str


@dataclass
class FuzzRequest:
    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    chunked: bool = False  # sent without Content-Length, in pieces

    def describe(self) -> str:
        size = len(self.content) if self.content is not None else 0
        return f"{self.method} {self.path}?{self.query[:80]} ({size} bytes, chunked={self.chunked})"


def app_routes(app: Any) -> list[Route]:
    """Every HTTP route with each of its methods, the included routers' too."""
    found: list[Route] = []
    for route in app.router.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") \
            else [route]  # fmt: skip
        for ctx in contexts:
            methods = getattr(ctx, "methods", None) or set()
            for method in sorted(methods - {"HEAD"}):
                endless = method == "GET" and ENDLESS.search(ctx.path)
                if not endless and (ctx.path, method) not in SKIPPED:
                    found.append(Route(ctx.path, method))
    return sorted(set(found), key=lambda r: (r.path, r.method))


# --- values ----------------------------------------------------------------------------------

_surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])
_control = st.characters(max_codepoint=0x9F, categories=["Cc"])
_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=40),
    st.text(alphabet=st.one_of(st.characters(), _surrogate, _control), max_size=20),
    st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=8, max_size=20),
)
_scalar = st.one_of(
    _text, st.sampled_from(DATETIMES), st.integers(), st.floats(allow_nan=False),
    st.booleans(), st.none(),
)  # fmt: skip
_json = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), _text), inner, max_size=5),
    ),
    max_leaves=12,
)
_field_value = st.one_of(_text, st.sampled_from(DATETIMES), st.integers().map(str))


@st.composite
def _known_object(draw: st.DrawFn) -> dict[str, Any]:
    """An object with the app's field names and hostile or plausible values."""
    keys = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=6, unique=True))
    return {key: draw(st.one_of(_field_value, _json)) for key in keys}


@st.composite
def _telegram_update(draw: st.DrawFn) -> dict[str, Any]:
    chat = draw(st.integers(min_value=-(2**40), max_value=2**40))
    message = {
        "message_id": draw(st.integers(min_value=1, max_value=2**31)),
        "date": draw(st.integers(min_value=0, max_value=2**33)),
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": draw(_text)},
        "text": draw(_text),
    }
    return {"update_id": draw(st.integers(min_value=0, max_value=2**40)), "message": message}


def _as_json(value: Any) -> bytes:
    # ensure_ascii writes a lone surrogate as its \ud800 escape: valid JSON, invalid text.
    return json.dumps(value, ensure_ascii=True).encode()


def _form(fields: dict[str, str]) -> bytes:
    return urlencode(fields, encoding="utf-8", errors="surrogatepass").encode()


@st.composite
def _body(draw: st.DrawFn, route: Route, cap: int) -> tuple[bytes | None, str, bool]:
    """(content, content type, chunked)."""
    kinds = ["json", "json", "known", "known", "known", "telegram", "form", "form", "bytes",
             "deep", "big", "none"]  # fmt: skip
    if route.path.startswith(("/webhooks/twilio", "/simulator", "/operator/login")):
        kinds += ["form"] * 12  # Twilio and the login page post forms
    kind = draw(st.sampled_from(kinds))
    chunked = draw(st.booleans())
    if kind == "none":
        return None, "", False
    if kind == "json":
        return _as_json(draw(_json)), "application/json", chunked
    if kind == "known":
        return _as_json(draw(_known_object())), "application/json", chunked
    if kind == "telegram":
        return _as_json(draw(_telegram_update())), "application/json", chunked
    if kind == "form":
        fields = draw(st.dictionaries(st.sampled_from(FIELDS), _field_value, max_size=6))
        raw = _form(fields)
        if draw(st.booleans()):  # bytes that are no UTF-8 at all
            raw += b"&Body=%ff%fe%80" + draw(st.binary(max_size=16))
        return raw, "application/x-www-form-urlencoded", chunked
    if kind == "bytes":
        return draw(st.binary(max_size=200)), draw(st.sampled_from(CONTENT_TYPES)), chunked
    if kind == "deep":
        depth = draw(st.sampled_from([100, 1_000, 5_000, 30_000]))
        opener = draw(st.sampled_from(["[", '{"a":']))
        return (opener * depth).encode(), "application/json", chunked
    # Just past the route's cap: refused whether declared or streamed.
    return b"[" + b"1," * ((cap + 2) // 2) + b"1]", "application/json", chunked


@st.composite
def _path(draw: st.DrawFn, template: str) -> str:
    def fill(match: re.Match[str]) -> str:
        value = draw(st.one_of(
            st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=16),
            st.sampled_from(["baki-1", "02-04-10-00", "ABC12345", "0", "%ff", "%00", "..", "é"]),
            st.text(min_size=1, max_size=8).map(
                lambda s: quote(s.encode("utf-8", "surrogatepass"), safe="")),
        ))  # fmt: skip
        return value

    return re.sub(r"\{[^}]+\}", fill, template)


@st.composite
def requests(
    draw: st.DrawFn,
    routes: list[Route],
    *,
    api_key: str,
    cap: int,
    signer: Any = None,
    csrf: str | None = None,
) -> FuzzRequest:
    """One hostile request to one of `routes`; `signer(url, params) -> signature` signs
    Twilio's form requests so they get past the signature check, `csrf` is the logged-in
    operator's token."""
    route = draw(st.sampled_from(routes))
    method = draw(st.sampled_from([route.method] * 12 + ["GET", "POST", "PUT"]))
    path = draw(_path(route.path))
    query_pairs = draw(st.lists(
        st.tuples(st.sampled_from([*FIELDS, "date", "seq", "x"]),
                  st.one_of(_field_value, st.sampled_from(["2026-11-23", "9999-12-31", "0"]))),
        max_size=4,
    ))  # fmt: skip
    query = "&".join(
        f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in query_pairs
    )
    if draw(st.booleans()) and query:
        query += "&raw=%ff%fe%00"
    query = query[:MAX_QUERY_CHARS]
    content, content_type, chunked = (
        draw(_body(route, cap)) if method != "GET" else (None, "", False)
    )
    headers = {"X-Forwarded-For": draw(st.sampled_from(["203.0.113.7", "198.51.100.9", "bad"]))}
    if content_type:
        headers["Content-Type"] = content_type
    if draw(st.integers(0, 9)) > 0:
        headers["Authorization"] = f"Bearer {api_key}"
        headers["X-Telegram-Bot-Api-Secret-Token"] = TELEGRAM_SECRET
        headers["Idempotency-Key"] = draw(st.text(string.ascii_letters, min_size=1, max_size=12))
        if csrf is not None:
            headers["X-CSRF-Token"] = csrf
    if signer is not None and content_type.startswith("application/x-www-form") and content:
        from urllib.parse import parse_qsl

        try:
            params = dict(parse_qsl(content.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            params = {}
        url = f"{BASE_URL}{path}" + (f"?{query}" if query else "")
        headers["X-Twilio-Signature"] = signer(url, params)
    return FuzzRequest(method, path, query, headers, content, chunked)


def _pieces(content: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


def send(client: Any, request: FuzzRequest) -> int:
    """Send with a TestClient (raise_server_exceptions=False); the status code."""
    url = request.path + (f"?{request.query}" if request.query else "")
    content: Any = request.content
    if request.chunked and content is not None:
        content = _pieces(content)
    response = client.request(request.method, url, headers=request.headers, content=content)
    return response.status_code
