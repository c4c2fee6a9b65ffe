"""The operator console over HTTP (the real app, TestClient): every page, API route and the
WebSocket refuse a caller without a session; login with argon2 hashes and rate limiting; the
session cookie's flags; CSRF; roles; the audit log; a whole hand-off through the console's API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from bot.catalog import t
from bot.config import Settings
from dost.app import create_app

PASSWORD = "uzun-bir-parol-1"
SAMPLE = {
    "conversation_id": "web:abcdefgh12",
    "canned_id": "greeting",
    "rule_id": "complaints",
    "task_id": "a" * 12,
    "name": "console.js",
}
OPEN_ROUTES = {("/operator/login", "GET"), ("/operator/login", "POST")}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dost-data")


@pytest.fixture
def settings(redis_url: str, data_dir: Path) -> Settings:
    return Settings(
        REDIS_URL=redis_url,
        DOST_DATA_DIR=data_dir,
        DOST_OPERATOR_HOURS="always",
        DOST_INPROCESS_WORKER=False,
    )


@pytest.fixture
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def add_operator(client: TestClient, name: str, role: str = "operator") -> None:
    async def run() -> None:
        await client.app.state.desk.accounts.add(name, PASSWORD, role)

    client.portal.call(run)


def login(client: TestClient, name: str) -> str:
    """Logs in; the CSRF token of the console page."""
    response = client.post(
        "/operator/login", data={"username": name, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/operator"
    page = client.get("/operator")
    assert page.status_code == 200
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)


def flat_routes(routes) -> list:
    """Routes, those of included routers too (FastAPI keeps them apart)."""
    found = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        found += flat_routes(inner.routes) if inner is not None else [route]
    return found


def operator_routes(app) -> list[tuple[str, str]]:
    found = []
    for route in flat_routes(app.routes):
        if not getattr(route, "path", "").startswith("/operator"):
            continue
        if isinstance(route, WebSocketRoute):
            found.append((route.path, "WS"))
        elif isinstance(route, Route):
            found += [(route.path, m) for m in route.methods if m != "HEAD"]
    return found


def test_nothing_of_the_console_without_a_session(client: TestClient, app) -> None:
    routes = operator_routes(app)
    assert len(routes) >= 20
    checked = 0
    for path, method in routes:
        if (path, method) in OPEN_ROUTES:
            continue
        url = path.format(**SAMPLE)
        if method == "WS":
            with pytest.raises(WebSocketDisconnect), client.websocket_connect(url) as socket:
                socket.receive_text()
            checked += 1
            continue
        if url.endswith("/console.css"):
            continue
        response = client.request(method, url, json={}, follow_redirects=False)
        if path == "/operator" and method == "GET":
            assert response.status_code == 303, url
            assert response.headers["location"] == "/operator/login"
        else:
            assert response.status_code == 401, (method, url, response.status_code)
        assert "transcript" not in response.text
        checked += 1
    assert checked == len(routes) - len(OPEN_ROUTES)
    # The stylesheet alone is public (the login page's look); the script is not.
    assert client.get("/operator/assets/console.css").status_code == 200
    assert client.get("/operator/assets/console.js").status_code == 401


def test_login_cookie_csrf_and_rate_limit(client: TestClient) -> None:
    add_operator(client, "ayla")
    wrong = client.post("/operator/login", data={"username": "ayla", "password": "yanlış-parol"})
    assert wrong.status_code == 401 and t("operator.login_failed") in wrong.text
    assert "dost_operator" not in wrong.headers.get("set-cookie", "")

    response = client.post(
        "/operator/login", data={"username": "ayla", "password": PASSWORD}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/operator" in cookie
    assert "Secure" not in cookie  # testserver is local; anywhere else it is Secure
    page = client.get("/operator")
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)
    assert client.get("/operator/api/queue").json() == []
    url = "/operator/api/conversations/web:abcdefgh12/take"
    assert client.post(url).status_code == 403  # no CSRF token
    assert client.post(url, headers={"X-CSRF-Token": "x" + csrf}).status_code == 403
    assert client.post(url, headers={"X-CSRF-Token": csrf}).status_code == 404  # no hand-off
    assert (
        client.post(
            url, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
        ).status_code
        == 403
    )

    # Five tries per name in the window, whatever the password.
    for _ in range(4):
        client.post("/operator/login", data={"username": "ayla", "password": "yanlış"})
    limited = client.post("/operator/login", data={"username": "ayla", "password": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_roles_and_the_audit_log(client: TestClient) -> None:
    add_operator(client, "ayla")
    add_operator(client, "boss", "supervisor")
    csrf = login(client, "ayla")
    assert client.get("/operator/api/stats").status_code == 403
    assert client.get("/operator/api/audit").status_code == 403
    put = client.put(
        "/operator/api/canned/greeting",
        headers={"X-CSRF-Token": csrf},
        json={"title": "Salam", "text": "Salam, {ad}! {xidmət} barədə kömək edim."},
    )
    assert put.status_code == 403
    client.cookies.clear()
    csrf = login(client, "boss")
    assert (
        client.put(
            "/operator/api/canned/greeting",
            headers={"X-CSRF-Token": csrf},
            json={"title": "Salam", "text": "{xidmət} barədə"},
        ).status_code
        == 200
    )
    bad = client.put(
        "/operator/api/canned/bad",
        headers={"X-CSRF-Token": csrf},
        json={"title": "x", "text": "{telefon}"},
    )
    assert bad.status_code == 422
    stats = client.get("/operator/api/stats").json()
    assert stats["queue_length"] == 0 and "handoff_rate" in stats["today"]
    actions = [(e["operator"], e["action"]) for e in client.get("/operator/api/audit").json()]
    assert ("ayla", "login") in actions and ("boss", "canned_saved") in actions


def test_a_hand_off_through_the_console(client: TestClient) -> None:
    add_operator(client, "ayla")
    conversation = "console-citizen-01"

    def chat(**body: str) -> dict:
        return client.post("/api/v1/chat", json={"conversation_id": conversation, **body}).json()

    chat(text="özünüməşğulluq proqramı üçün hansı sənədlər lazımdır")
    assert chat(text="operatorla danışmaq istəyirəm")["replies"][-1]["text"] == t("live.consent")
    queued = chat(text="bəli")
    assert queued["handoff"] is True

    csrf = login(client, "ayla")
    headers = {"X-CSRF-Token": csrf}
    [item] = client.get("/operator/api/queue").json()
    assert set(item) == {"conversation_id", "channel", "service", "reason", "waiting_seconds",
                         "kind", "call"}  # fmt: skip
    assert item["kind"] == "chat" and item["call"] is None
    assert item["conversation_id"] == f"web:{conversation}" and item["service"] == "02-04-10-00"

    with client.websocket_connect("/operator/ws") as socket:
        offer = socket.receive_json()  # signed on by the socket: the chat is offered at once
        assert offer["type"] in ("offer", "queue")
        cid = item["conversation_id"]
        assert client.post(f"/operator/api/conversations/{cid}/take", headers=headers).json() == {
            "taken": True
        }
        view = client.get(f"/operator/api/conversations/{cid}").json()
        assert view["understood"]["service"]["id"] == "02-04-10-00"
        assert any(a["sources"] for a in view["understood"]["answers"])
        assert [e["role"] for e in view["transcript"]][:2] == ["user", "bot"]
        assert chat(text="mənə ərizə formu lazımdır")["replies"] == []  # the assistant is silent
        while (event := socket.receive_json())["type"] != "message":
            pass
        assert event["text"] == "mənə ərizə formu lazımdır"
        sent = client.post(
            f"/operator/api/conversations/{cid}/messages",
            headers=headers,
            json={"text": "Ərizə formu mərkəzdə verilir."},
        )
        assert sent.status_code == 200 and sent.json() == {"delivered": False}  # no page open
        client.post(
            f"/operator/api/conversations/{cid}/notes",
            headers=headers,
            json={"text": "Vətəndaş ərizə formunu soruşur"},
        )
        note = client.get(f"/operator/api/conversations/{cid}").json()["notes"][0]
        assert note["operator"] == "ayla"
        assert client.post(f"/operator/api/conversations/{cid}/close", headers=headers).json() == {
            "closed": True
        }
    rated = chat(choice="rate:4")
    assert rated["replies"][0]["text"] == t("live.rating_thanks")

    async def ratings():
        return await client.app.state.desk.ratings()

    assert list(client.portal.call(ratings).values()) == [4]
    # The note never reached the citizen's transcript.
    transcript = client.get(f"/operator/api/conversations/{cid}").json()["transcript"]
    assert not any("ərizə formunu soruşur" in e["text"] for e in transcript)


def test_no_azerbaijani_literals_in_console_code() -> None:
    """Every text the console shows is in the catalog's operator section."""
    letters = re.compile("[əğıöüşçƏĞİÖÜŞÇ]")
    folder = Path(__file__).resolve().parents[2] / "channels" / "operator"
    for path in folder.iterdir():
        if path.suffix in (".py", ".js", ".html"):
            assert not letters.search(path.read_text(encoding="utf-8")), path.name
