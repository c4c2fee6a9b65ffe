"""The web chat: POST /api/v1/chat (validation, reply shape, rate limits) and the page at `/`,
driven in a real browser (Debian's Chromium through Playwright) on a phone-sized screen."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.catalog import t as catalog_text
from bot.config import Settings
from bot.ratelimit import RateLimit, hit_rate_limits
from bot.redis_conn import connect
from channels.web import (
    CONVERSATION_LIMIT,
    MAX_TEXT_CHARS,
    RATE_WINDOW_SECONDS,
    web_texts,
)
from dost.app import create_app
from tests.live_server import serve_in_thread

CHANNELS = Path(__file__).resolve().parent.parent / "channels"
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCUMENTS_QUESTION = "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory for the module, so the NLU model is trained once and then cached."""
    return tmp_path_factory.mktemp("dost-data")


@pytest.fixture
def settings(redis_url: str, data_dir: Path) -> Settings:
    return Settings(REDIS_URL=redis_url, DOST_DATA_DIR=data_dir)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _chat(client: TestClient, **body: object):
    return client.post("/api/v1/chat", json=body)


# --- the API --------------------------------------------------------------------------------


def test_the_notification_setting_is_an_opt_out(client: TestClient, redis_url: str) -> None:
    url = "/api/v1/chat/setting-conversation/notifications"
    assert client.get(url).json() == {"enabled": True}
    assert client.put(url, json={"enabled": False}).json() == {"enabled": False}
    assert client.get(url).json() == {"enabled": False}

    async def opted_out() -> bool:
        from bot.people import People

        redis = connect(redis_url)
        try:
            return await People(redis).is_opted_out("web", "setting-conversation")
        finally:
            await redis.aclose()

    assert asyncio.run(opted_out())
    assert client.put(url, json={"enabled": True}).json() == {"enabled": True}
    assert not asyncio.run(opted_out())
    assert client.put(url, json={"enabled": "maybe"}).status_code == 422
    assert client.get("/api/v1/chat/bad id!/notifications").status_code == 422


def test_reply_shape_for_text_and_choice(client: TestClient) -> None:
    response = _chat(client, conversation_id="shape-test-01", text="Salam")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"replies", "intent", "service", "handoff"}
    assert body["replies"], "the assistant answers a greeting"
    for reply in body["replies"]:
        assert set(reply) == {"text", "choices"}
        assert isinstance(reply["text"], str) and reply["text"]
        for choice in reply["choices"]:
            assert set(choice) == {"id", "title"}
    assert body["intent"] == "greet"
    assert body["handoff"] is False

    choices = [c for reply in body["replies"] for c in reply["choices"]]
    if choices:
        tapped = _chat(client, conversation_id="shape-test-01", choice=choices[0]["id"])
        assert tapped.status_code == 200
        assert tapped.json()["replies"]


def test_documents_question_is_answered_from_the_passport(client: TestClient) -> None:
    response = _chat(client, conversation_id="documents-01", text=DOCUMENTS_QUESTION)
    assert response.status_code == 200
    body = response.json()
    assert any("Şəxsiyyət vəsiqəsi" in reply["text"] for reply in body["replies"])
    assert body["intent"] == "ask_documents"
    assert body["service"] == "02-04-10-00"


def test_a_russian_question_gets_russian_framing_and_the_passport_in_azerbaijani(
    client: TestClient,
) -> None:
    body = _chat(
        client, conversation_id="russian-01", text="какие документы нужны для самозанятости"
    ).json()
    text = "\n".join(reply["text"] for reply in body["replies"])
    assert "Для этой услуги нужны документы" in text and "Şəxsiyyət vəsiqəsi" in text
    assert "Сведения из паспорта услуги приводятся на азербайджанском языке." in text
    assert [c["title"] for r in body["replies"] for c in r["choices"]][-1] == "Другие варианты"
    assert (body["intent"], body["service"]) == ("ask_documents", "02-04-10-00")


def test_text_of_exactly_the_limit_is_accepted(client: TestClient) -> None:
    response = _chat(client, conversation_id="long-text-01", text="a" * MAX_TEXT_CHARS)
    assert response.status_code == 200
    assert response.json()["replies"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"conversation_id": "valid-id-01"}, id="neither-text-nor-choice"),
        pytest.param(
            {"conversation_id": "valid-id-01", "text": "Salam", "choice": "menu"}, id="both"
        ),
        pytest.param({"conversation_id": "valid-id-01", "text": None}, id="null-text"),
        pytest.param({"conversation_id": "valid-id-01", "text": ""}, id="empty-text"),
        pytest.param({"text": "Salam"}, id="no-conversation-id"),
        pytest.param({"conversation_id": "short", "text": "Salam"}, id="id-too-short"),
        pytest.param({"conversation_id": "x" * 65, "text": "Salam"}, id="id-too-long"),
        pytest.param({"conversation_id": "bad id with spaces", "text": "Salam"}, id="id-spaces"),
        pytest.param({"conversation_id": "web:abcdefgh", "text": "Salam"}, id="id-colon"),
        pytest.param({"conversation_id": "abcdefgh\n", "text": "Salam"}, id="id-newline"),
        pytest.param({"conversation_id": 1234567890, "text": "Salam"}, id="id-number"),
        pytest.param(
            {"conversation_id": "valid-id-01", "text": "a" * (MAX_TEXT_CHARS + 1)},
            id="text-too-long",
        ),
        pytest.param(
            {"conversation_id": "valid-id-01", "text": "Salam", "admin": True}, id="extra-field"
        ),
    ],
)
def test_invalid_requests_are_422(client: TestClient, body: dict) -> None:
    response = client.post("/api/v1/chat", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    assert all({"loc", "msg", "type"} <= set(error) for error in detail)


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/chat", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_openapi_documents_the_chat_endpoint(client: TestClient) -> None:
    schema = client.app.openapi()  # /openapi.json is served only with DOST_API_DOCS=true
    operation = schema["paths"]["/api/v1/chat"]["post"]
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request_ref.endswith("/ChatRequest")
    ok_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ok_ref.endswith("/ChatResponse")
    assert {"422", "429"} <= set(operation["responses"])
    response_schema = schema["components"]["schemas"]["ChatResponse"]
    assert set(response_schema["properties"]) == {"replies", "intent", "service", "handoff"}


def test_rate_limit_per_conversation(client: TestClient) -> None:
    for i in range(CONVERSATION_LIMIT):
        response = _chat(client, conversation_id="rate-limit-01", text=f"Salam {i}")
        assert response.status_code == 200, (i, response.text)
    limited = _chat(client, conversation_id="rate-limit-01", text="Salam yenə")
    assert limited.status_code == 429
    assert limited.json() == {"detail": web_texts()["rate_limited"]}
    assert 1 <= int(limited.headers["Retry-After"]) <= RATE_WINDOW_SECONDS
    # Another conversation from the same address is not held back by this one.
    assert _chat(client, conversation_id="rate-limit-02", text="Salam").status_code == 200


async def test_rate_limiter_counts_per_key_in_fixed_windows(redis_url: str) -> None:
    redis = connect(redis_url)
    try:
        address = RateLimit("web:ratelimit:address:test", limit=3, window_seconds=10)
        conversation = RateLimit("web:ratelimit:conversation:test", limit=100, window_seconds=10)
        for _ in range(3):
            assert await hit_rate_limits(redis, [conversation, address]) is None
        wait = await hit_rate_limits(redis, [conversation, address])
        assert wait is not None and 1 <= wait <= 10
        assert 0 < await redis.ttl(address.key) <= 10  # every counter expires with its window
        assert 0 < await redis.ttl(conversation.key) <= 10
    finally:
        await redis.aclose()


async def test_rate_limiter_lets_messages_through_when_redis_is_down() -> None:
    redis = connect("redis://127.0.0.1:1/0")
    try:
        assert await hit_rate_limits(redis, [RateLimit("web:ratelimit:x", 1, 10)] * 2) is None
    finally:
        await redis.aclose()


def test_page_and_assets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    texts = web_texts()
    assert f"<title>{texts['page_title']}</title>" in html
    assert '<html lang="az">' in html
    assert 'name="viewport"' in html
    assert 'aria-live="polite"' in html
    for asset, media_type in (("chat.js", "text/javascript"), ("chat.css", "text/css")):
        url = re.search(rf'"(/web-chat/{asset}\?v=[0-9a-f]+)"', html).group(1)
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
    assert client.get("/web-chat/other.js").status_code == 404


def test_no_azerbaijani_literals_in_web_code() -> None:
    """The web chat's Azerbaijani texts live in the catalog's web section, not in code."""
    letters = re.compile("[əğıöüşçƏĞİÖÜŞÇ]")
    for name in ("web.py", "web_chat.js", "web_chat.html"):
        source = (CHANNELS / name).read_text(encoding="utf-8")
        assert not letters.search(source), name


# --- the page in a real browser -------------------------------------------------------------


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    with serve_in_thread(create_app(settings)) as url:
        yield url


def test_server_sent_events_carry_pushed_messages(live_server: str, redis_url: str) -> None:
    """GET /api/v1/chat/{id}/events: what the web sender publishes reaches the open stream as
    {"id", "from", "text", "choices"}; with no stream open the sender reports a miss."""
    import httpx

    from bot.delivery import Outcome
    from bot.messages import Choice, Outbound
    from bot.push import Push
    from channels.web_push import WebSender

    def push(conversation: str, message: Outbound):
        async def run():
            redis = connect(redis_url)
            try:
                return await WebSender(Push(redis)).send(conversation, message)
            finally:
                await redis.aclose()

        return asyncio.run(run())

    assert push("sse-conversation", Outbound(text="x")).outcome is Outcome.PERMANENT
    url = f"{live_server}/api/v1/chat/sse-conversation/events"
    with httpx.stream("GET", url, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        message = Outbound(text="Xatırlatma", choices=[Choice(id="main", title="Menyu")])
        assert push("sse-conversation", message).outcome is Outcome.DELIVERED
        data = next(line for line in response.iter_lines() if line.startswith("data:"))
    event = json.loads(data.removeprefix("data:").strip())
    assert set(event) == {"id", "from", "text", "choices"}
    assert event["from"] == "assistant" and event["text"] == "Xatırlatma"
    assert event["choices"] == [{"id": "main", "title": "Menyu"}]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_chat_in_a_phone_sized_browser(live_server: str, artifacts_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    screenshot = artifacts_dir / "web-chat.png"
    screenshot.unlink(missing_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="az-AZ",
            )
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: problems.append(str(error)))

            page.goto(f"{live_server}/")
            assert page.title() == web_texts()["page_title"]
            conversation_id = page.evaluate("localStorage.getItem('dost.webchat.conversation_id')")
            assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", conversation_id)

            message = page.get_by_label(web_texts()["input_label"])
            message.fill("Salam")
            message.press("Enter")
            page.locator(".msg.user", has_text="Salam").wait_for()
            page.locator(".msg.bot").first.wait_for()
            page.locator(".typing-bubble").wait_for(state="detached")
            assert message.input_value() == ""

            message.fill(DOCUMENTS_QUESTION)
            message.press("Enter")
            page.locator(".msg.bot", has_text="Şəxsiyyət vəsiqəsi").first.wait_for()
            page.locator(".typing-bubble").wait_for(state="detached")

            buttons = page.locator(".choices button:not([disabled])")
            # A documents answer on a phone: at most four buttons and "more".
            titles = [b.strip() for b in buttons.all_inner_texts()]
            assert 0 < len(titles) <= 5 and titles[-1] == catalog_text("choice.more"), titles
            page.locator(".choices").last.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts_dir / "web-chat-documents.png"))
            if buttons.count():
                # A fixed position among all buttons: "the first enabled one" moves once this
                # one is retired.
                all_buttons = page.locator(".choices button")
                enabled = [all_buttons.nth(i).is_enabled() for i in range(all_buttons.count())]
                button = all_buttons.nth(enabled.index(True))
                title = button.text_content().strip()
                bot_messages = page.locator(".msg.bot").count()
                button.tap()
                page.locator(".msg.user", has_text=title).last.wait_for()
                page.locator(".typing-bubble").wait_for(state="detached")
                assert page.locator(".msg.bot").count() > bot_messages
                assert button.is_disabled(), "buttons of an older reply are retired"
            assert page.locator(".notice").count() == 0, page.locator(".notice").all_inner_texts()

            # Nothing runs off a phone's screen, down to 360 px.
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=str(screenshot))
            page.set_viewport_size({"width": 360, "height": 740})
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            context.close()
        finally:
            browser.close()

    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000
    assert problems == [], problems


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_an_outage_is_told_in_the_page_and_the_message_kept(live_server: str) -> None:
    """While Redis is away the service answers 503 with the catalog's apology (dost/errors.py):
    the page shows it and gives the person their message back to send again."""
    from playwright.sync_api import sync_playwright

    apology = catalog_text("technical_problem")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.route("**/api/v1/chat", lambda route: route.fulfill(
                status=503, headers={"Retry-After": "5"}, json={"detail": apology}))  # fmt: skip
            page.goto(f"{live_server}/")
            message = page.get_by_label(web_texts()["input_label"])
            message.fill("Salam")
            message.press("Enter")
            page.locator(".notice", has_text=apology).wait_for()
            assert message.input_value() == "Salam"
            assert page.locator(".msg.user").count() == 0
        finally:
            browser.close()
