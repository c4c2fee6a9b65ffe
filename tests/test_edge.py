"""The HTTP edge (issue 16): body caps (declared and chunked), 422s that never echo the input,
JSON nested past the parser, booking times in a sane range, text cleaned at the core's edge,
security headers on every response, the API docs off unless asked for, trusted proxies only
when configured."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.messages import Inbound
from dost.app import create_app
from dost.edge import PAGE_CSP

TELEGRAM_SECRET = "edge-secret"


def _app(redis_url: str, data_dir: Path, **extra: object):
    settings = Settings(
        REDIS_URL=redis_url, DOST_DATA_DIR=data_dir, DOST_INPROCESS_WORKER=False,
        TELEGRAM_BOT_TOKEN="123456:edge", TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        TELEGRAM_API_BASE="http://127.0.0.1:9", **extra,
    )  # fmt: skip
    return create_app(settings)


@pytest.fixture
def data(tmp_path: Path, nlu_cache: Path, nlu) -> Path:
    shutil.copytree(nlu_cache, tmp_path / "cache")
    return tmp_path


@pytest.fixture
def client(redis_url: str, data: Path) -> Iterator[TestClient]:
    with TestClient(_app(redis_url, data), raise_server_exceptions=False) as test_client:
        yield test_client


def _chunks(content: bytes, size: int = 8192) -> Iterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


def test_bodies_over_the_cap_are_refused_declared_or_chunked(client: TestClient) -> None:
    cap = client.app.state.settings.max_body_bytes
    big = b'{"conversation_id": "abcdefgh", "text": "' + b"a" * cap + b'"}'
    declared = client.post("/api/v1/chat", content=big,
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert declared.status_code == 413
    chunked = client.post("/api/v1/chat", content=_chunks(big),
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert chunked.status_code == 413 and "Content-Length" not in chunked.request.headers
    secret = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    telegram = client.post("/webhooks/telegram", content=_chunks(b"[" * (cap + 1)), headers=secret)
    assert telegram.status_code == 413
    # Under the cap, a chunked body is read as usual.
    small = b'{"conversation_id": "abcdefgh1", "text": "Salam"}'
    ok = client.post("/api/v1/chat", content=_chunks(small, 7),
                     headers={"Content-Type": "application/json"})  # fmt: skip
    assert ok.status_code == 200


def test_the_upload_route_has_its_own_cap(redis_url: str, data: Path) -> None:
    app = _app(redis_url, data, DOST_MAX_UPLOAD_BYTES=1000, DOST_MAX_BODY_BYTES=100)
    with TestClient(app) as client:
        files = {"file": ("events.csv", b"x" * 500, "text/csv")}
        # Past the 100-byte cap, under the upload's 1000: the key is what is missing.
        assert client.post("/api/v1/events/import", files=files).status_code == 401
        files = {"file": ("events.csv", b"x" * 2000, "text/csv")}
        assert client.post("/api/v1/events/import", files=files).status_code == 413


def test_a_validation_error_names_fields_never_the_input(client: TestClient) -> None:
    body = {"conversation_id": "abcdefgh", "text": 5, "AA12BC3": "+994501234567 AA12BC3"}
    response = client.post("/api/v1/chat", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert all(set(problem) == {"loc", "msg", "type"} for problem in detail)
    assert ["body", "text"] in [problem["loc"] for problem in detail]
    assert "AA12BC3" not in response.text and "501234567" not in response.text
    # A lone surrogate (valid JSON, no valid text) cannot even be encoded back: never echoed.
    raw = b'{"conversation_id": "abcdefgh", "text": "\\ud800 AA12BC3"}'
    surrogate = client.post("/api/v1/chat", content=raw,
                            headers={"Content-Type": "application/json"})  # fmt: skip
    assert surrogate.status_code == 422 and "AA12BC3" not in surrogate.text
    # Form bytes that are no UTF-8 at all, to a form route: refused, not a crash.
    form = client.post("/operator/login", content=b"username=%ff%fe&password=\xff\xfe",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert form.status_code < 500


def test_json_nested_past_the_parser_is_a_bad_request(client: TestClient) -> None:
    deep = b"[" * 60_000
    secret = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    telegram = client.post("/webhooks/telegram", content=deep, headers=secret)
    assert telegram.status_code == 400
    chat = client.post("/api/v1/chat", content=deep, headers={"Content-Type": "application/json"})
    assert chat.status_code in (400, 422)


@pytest.mark.parametrize(
    "start",
    ["9999-12-31T23:45:00+00:00", "0001-01-01T00:00:00+14:00", "2026-11-23T10:00:00"],
)
def test_booking_times_out_of_range_or_without_offset_are_422(
    client: TestClient, redis_url: str, start: str
) -> None:
    import asyncio

    from bot.apikeys import create_key
    from bot.redis_conn import connect

    async def make() -> str:
        redis = connect(redis_url)
        try:
            return await create_key(redis, "edge")
        finally:
            await redis.aclose()

    headers = {"Authorization": f"Bearer {asyncio.run(make())}"}
    body = {"center": "baki-1", "service": "02-04-10-00", "start": start,
            "phone": "+994501234567", "request_id": "edge-0001"}  # fmt: skip
    assert client.post("/api/v1/bookings", json=body, headers=headers).status_code == 422
    moved = client.patch("/api/v1/bookings/AAAAAA", headers=headers,
                         json={"start": start, "request_id": "edge-0002"})  # fmt: skip
    assert moved.status_code == 422
    query = {"center": "baki-1", "service": "02-04-10-00", "date": start[:10]}
    day = client.get("/api/v1/slots", headers=headers, params=query)
    assert day.status_code in (200, 422) and (day.status_code == 422) == (start[:4] != "2026")


def test_text_is_cleaned_where_it_enters_the_core() -> None:
    inbound = Inbound(conversation_id="web:x\x00", channel="web", text="Sa\ud800lam\x00\x07\n!")
    assert inbound.text == "Sa\ufffdlam\n!" and inbound.conversation_id == "web:x"
    inbound.text.encode("utf-8")  # storable


def test_security_headers_on_every_response(client: TestClient) -> None:
    for response in (client.get("/"), client.get("/healthz"), client.post("/api/v1/chat", json={}),
                     client.get("/no-such-page")):  # fmt: skip
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    json_csp = client.get("/healthz").headers["Content-Security-Policy"]
    assert json_csp.startswith("default-src 'none'")
    assert PAGE_CSP.startswith("default-src 'none'; script-src 'self'")


def test_api_docs_are_off_unless_enabled(client: TestClient, redis_url: str, data: Path) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404
    with TestClient(_app(redis_url, data, DOST_API_DOCS=True)) as enabled:
        assert enabled.get("/openapi.json").status_code == 200
        assert enabled.get("/docs").status_code == 200


def test_forwarded_for_is_believed_only_from_configured_proxies(redis_url: str, data: Path) -> None:
    """The web chat's per-address limit (60 in 10 s) counts the resolved client: with no proxy
    configured one client cannot spread itself over many addresses by a header."""

    def sent_until_limited(client: TestClient) -> int:
        for i in range(80):
            response = client.post(
                "/api/v1/chat", json={"conversation_id": f"proxy-{i:04d}", "text": "Salam"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            )  # fmt: skip
            if response.status_code == 429:
                return i
        return 80

    with TestClient(_app(redis_url, data)) as direct:
        assert sent_until_limited(direct) == 60  # the header is ignored: one address
    import redis

    redis.Redis.from_url(redis_url).flushall()
    with TestClient(_app(redis_url, data, FORWARDED_ALLOW_IPS="testclient")) as proxied:
        assert sent_until_limited(proxied) == 80  # each forwarded address is its own
