"""The IVR simulator: each browser's session (a signed cookie) drives its own simulated call on
the simulator's copy of the voice channel, in process: never a Twilio webhook, never Twilio's
auth token. Two browsers never see each other's calls or bookings. Its page works in Debian's
Chromium (Playwright), with a screenshot in the test artifacts."""

from __future__ import annotations

import ast
import base64
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as sync_redis
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode

from bot.config import Settings
from bot.simulated import is_simulated, new_number
from channels.twilio.simulator import simulator_texts
from channels.twilio.simulator_session import COOKIE, SALT
from channels.twilio.texts import tx
from channels.twilio.voice_speech import spelt
from dost.app import create_app
from tests.live_server import serve_in_thread
from tests.test_twilio_voice import (
    BOOKING_REQUEST,
    DOCUMENTS_QUESTION,
    menu_keys,
    said,
    spoken_code,
    twilio_settings,
)
from tests.test_web_chat import CHROMIUM, CHROMIUM_ARGS
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, running_fake

STEP = "/simulator/ivr/step"
CENTER = "1 saylı Bakı DOST Mərkəzi"
MY_BOOKING = "mənim növbəm"
CANCEL_REQUEST = "növbəmi ləğv etmək istəyirəm"
NO_BOOKING = "Bu telefon nömrəsi ilə aktiv növbə tapmadım."
SIMULATOR_MODULES = ("simulator.py", "simulator_session.py")


@pytest.fixture
def fake_api() -> Iterator[FakeTwilio]:
    with running_fake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
def demo_settings(redis_url: str, data_dir: Path) -> Settings:
    """A newcomer's `dost serve`: no Twilio, DOST_IVR_SIMULATOR unset."""
    return Settings(REDIS_URL=redis_url, DOST_DATA_DIR=data_dir, DOST_INPROCESS_WORKER=False)


class Browser:
    """One browser: its own cookie jar, driving its simulated call through the page's API."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.last: dict[str, Any] = {}

    def post(self, **body: object) -> httpx.Response:
        return self.client.post(STEP, json=body)

    def step(self, **body: object) -> dict[str, Any]:
        response = self.post(**body)
        assert response.status_code == 200, response.text
        self.last = response.json()
        return self.last

    @property
    def texts(self) -> list[str]:
        return [p["text"] for p in self.last.get("plays", [])]

    @property
    def spoken(self) -> str:
        return "\n".join(self.texts)

    def call(self) -> dict[str, Any]:
        return self.step(action="call")

    def press(self, digits: str) -> dict[str, Any]:
        return self.step(action="gather", url=self.last["gather"]["url"], digits=digits)

    def say(self, speech: str) -> dict[str, Any]:
        return self.step(action="gather", url=self.last["gather"]["url"], speech=speech)

    def choose(self, title: str) -> dict[str, Any]:
        keys = menu_keys(self.texts)
        assert title in keys, f"no key for {title!r} in:\n{self.spoken}"
        return self.press(keys[title])

    def hangup(self) -> dict[str, Any]:
        return self.step(action="hangup")

    def book(self) -> str:
        """Book a slot by speech and keys; the booking code."""
        self.say(BOOKING_REQUEST)
        self.choose(CENTER)
        self.press("1")  # the first day offered
        self.press("1")  # its first time
        self.choose("Təsdiq")
        return spoken_code(self.spoken)


# --- the step endpoint ----------------------------------------------------------------------


def test_a_call_from_the_page_with_twilio_configured_and_switched_on(
    redis_url: str, data_dir: Path, fake_api: FakeTwilio, clock
) -> None:
    settings = twilio_settings(redis_url, data_dir, fake_api.url, DOST_IVR_SIMULATOR=True)
    app = create_app(settings, clock)
    seen: list[tuple[str, bool]] = []

    @app.middleware("http")
    async def record(request, call_next):  # every request the app gets, from anyone
        seen.append((request.url.path, "x-twilio-signature" in request.headers))
        return await call_next(request)

    with TestClient(app) as client:
        browser = Browser(client)
        response = browser.post(action="call")
        assert response.status_code == 200, response.text
        header = response.headers["set-cookie"]
        assert header.startswith(f"{COOKIE}=") and client.cookies.get(COOKIE)
        for attribute in ("HttpOnly", "SameSite=strict", "Path=/simulator/ivr"):
            assert attribute.lower() in header.lower(), header
        call = browser.last = response.json()
        assert is_simulated(call["caller"]) and "call_sid" not in call
        assert call["gather"]["url"].startswith("/webhooks/twilio/voice/gather?seq=")
        assert call["say"] == [] and browser.texts[0] == said("voice.welcome")
        for play in call["plays"]:
            assert play["url"].startswith("/audio/")  # same-origin for the browser
            assert client.get(play["url"]).headers["content-type"] == "audio/wav"
        assert call["events"][0]["kind"] == "call"

        group = browser.press("1")
        assert menu_keys(browser.texts)["Özünüməşğulluq proqramı"] == "3"
        assert {"kind": "caller", "digits": "1"}.items() <= group["events"][0].items()
        browser.press("3")
        while "Müraciət qaydası" not in menu_keys(browser.texts):
            browser.press("5")
        steps = browser.choose("Müraciət qaydası")
        assert menu_keys(browser.texts)[tx("voice.sms_offer_title")] == "1"  # long: by SMS
        sms = browser.press("1")
        assert browser.texts[0] == said("voice.sms_sent")
        shown = [e for e in sms["events"] if e["kind"] == "sms"]
        assert len(shown) == 1 and len(shown[0]["text"]) > len(steps["plays"][0]["text"])
        spoken = browser.say(DOCUMENTS_QUESTION)
        assert any("Şəxsiyyət vəsiqəsi" in p["text"] for p in spoken["plays"])
        person = browser.press("0")
        assert person["dial"] == "142" and person["dial_url"].startswith("/webhooks/twilio/voice/")
        ended = browser.step(action="dial", url=person["dial_url"], dial_status="completed")
        assert ended["hangup"] is True
        hung_up = browser.hangup()
        assert [(e["kind"], e.get("status")) for e in hung_up["events"]] == [
            ("status", "completed")
        ]
        assert browser.post(action="gather", url=call["gather"]["url"]).status_code == 403

        # Only the voice channel's own action URLs name a step; the page cannot choose a number.
        browser.call()
        for url in (
            "/api/v1/centers",
            "https://evil.example/webhooks/twilio/voice/gather?seq=1",
            "/webhooks/twilio/voice/gather",
            "/webhooks/twilio/messaging?seq=1",
            "/webhooks/twilio/voice/dial?seq=1",  # a dial URL for a gather step
        ):
            assert browser.post(action="gather", url=url).status_code == 422, url
        assert browser.post(action="call", **{"from": "+994501112233"}).status_code == 422

    # Nothing was sent, nothing reached Twilio's REST API, and no request was signed: the
    # simulator never posts to a webhook (the old one did, signed with the real token).
    assert fake_api.messages == [] and fake_api.rejected == 0
    assert seen and all(not signed for _, signed in seen)
    assert all(path == STEP or path.startswith("/audio/") for path, _ in seen), seen
    # The calls are recorded as the simulator's, not as phone calls.
    r = sync_redis.Redis.from_url(redis_url, decode_responses=True)
    assert r.keys("dost:transcript:voice:*") == [] and r.keys("dost:transcript:simulator:*")


def test_the_simulator_modules_cannot_reach_the_twilio_token() -> None:
    """Nothing in the simulator names the token, the settings or Twilio's signing code."""
    here = Path(__file__).resolve().parent.parent / "channels" / "twilio"
    banned = {"auth_token", "twilio_auth_token", "Settings", "Signatures", "RequestValidator"}
    for name in SIMULATOR_MODULES:
        tree = ast.parse((here / name).read_text(encoding="utf-8"))
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        used |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        imported = {
            a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom | ast.Import)
            for a in n.names
        }
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not (used | imported) & banned, name
        assert not modules & {"bot.config", "channels.twilio.security", "channels.twilio.messaging"}


def test_a_step_without_a_session_is_refused(demo_settings: Settings) -> None:
    with TestClient(create_app(demo_settings)) as client:
        url = "/webhooks/twilio/voice/gather?seq=1"
        for body in (
            {"action": "gather", "url": url, "digits": "1"},
            {"action": "gather", "url": url, "call_sid": "CA" + "1" * 32},
            {"action": "dial", "url": "/webhooks/twilio/voice/dial?seq=1"},
            {"action": "hangup"},
        ):
            assert client.post(STEP, json=body).status_code == 403, body
        assert COOKIE not in client.cookies


# --- two browsers -----------------------------------------------------------------------------


@pytest.fixture
def demo_server(demo_settings: Settings, clock) -> Iterator[str]:
    """The app on a frozen Friday morning: a booking finds free times whatever the hour."""
    with serve_in_thread(create_app(demo_settings, clock)) as url:
        yield url


def test_two_browsers_never_see_each_others_call_or_bookings(
    demo_server: str, redis_url: str
) -> None:
    r = sync_redis.Redis.from_url(redis_url, decode_responses=True)
    with (
        httpx.Client(base_url=demo_server, timeout=60) as client_a,
        httpx.Client(base_url=demo_server, timeout=60) as client_b,
    ):
        a, b = Browser(client_a), Browser(client_b)
        a.call()
        code = a.book()
        booking = r.hgetall(f"dost:{{booking}}:booking:{code}")
        assert booking["channel"] == "simulator" and booking["phone"] == a.last["caller"]
        assert booking["conversation"].startswith("simulator:CA")
        a_gather = a.last["gather"]["url"]
        (a_call,) = r.keys("dost:twilio:call:*:events")
        a_events = r.llen(a_call)

        # B without a session cannot drive A's call, even naming A's step URL.
        assert b.post(action="gather", url=a_gather, digits="1").status_code == 403
        # B's own call has its own simulated number, and B's look-up shows none of A's booking.
        b.call()
        assert is_simulated(b.last["caller"]) and b.last["caller"] != a.last["caller"]
        b.say(MY_BOOKING)
        assert NO_BOOKING in b.texts and spelt(code) not in b.spoken
        # A step naming A's URL or A's call drives B's own call; A's call does not move.
        a_sid = a_call.split(":")[3]
        b.step(action="gather", url=a_gather, digits="1", call_sid=a_sid)
        b.hangup()
        assert r.llen(a_call) == a_events
        assert r.hgetall(f"dost:twilio:call:{a_sid}:status") == {}

        # A, in a new call of the same session, still finds its booking and cancels it.
        a.hangup()
        a.call()
        a.say(MY_BOOKING)
        assert spelt(code) in a.spoken
        a.say(CANCEL_REQUEST)  # by speech: the list's own cancel key re-shows the list (core)
        a.choose("Bəli")
        assert r.hget(f"dost:{{booking}}:booking:{code}", "status") == "cancelled"
        a.say(MY_BOOKING)
        assert NO_BOOKING in a.texts


def test_a_forged_or_foreign_cookie_gets_a_fresh_session(demo_server: str) -> None:
    with httpx.Client(base_url=demo_server, timeout=60) as client:
        a = Browser(client)
        a.call()
        code = a.book()
        a_caller, a_cookie = a.last["caller"], client.cookies[COOKIE]

    payload, stamp, signature = a_cookie.rsplit(".", 2)
    raw = base64_decode(payload.lstrip("."))
    # itsdangerous zlib-compresses a payload (marked by a leading dot) when that is shorter.
    claims = json.loads(zlib.decompress(raw) if payload.startswith(".") else raw)
    claims["caller"] = new_number()
    altered = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    forgeries = {
        "altered": f"{altered}.{stamp}.{signature}",
        "replayed claims": f"{payload}.{stamp}.{signature[::-1]}",
        "other key": URLSafeTimedSerializer("not the key", salt=SALT).dumps(
            {"id": "x", "caller": a_caller, "call": None}
        ),
        "garbage": "garbage",
    }
    for what, forged in forgeries.items():
        with httpx.Client(base_url=demo_server, timeout=60) as client:
            client.cookies.set(COOKIE, forged, domain="127.0.0.1", path="/simulator/ivr")
            c = Browser(client)
            assert c.post(action="hangup").status_code == 403, what
            c.call()
            assert c.last["caller"] != a_caller and is_simulated(c.last["caller"]), what
            assert client.cookies[COOKIE] != forged
            c.say(MY_BOOKING)
            assert NO_BOOKING in c.texts and spelt(code) not in c.spoken, what


# --- on or off --------------------------------------------------------------------------------


def test_with_twilio_configured_the_simulator_is_off_unless_switched_on(
    redis_url: str, data_dir: Path, capfd
) -> None:
    settings = twilio_settings(redis_url, data_dir, "http://127.0.0.1:9")
    with TestClient(create_app(settings)) as client:
        assert client.get("/simulator/ivr").status_code == 404
        assert client.post(STEP, json={"action": "call"}).status_code == 404
    logged = "".join(capfd.readouterr())
    assert logged.count("ivr simulator off: Twilio is configured") == 1


def test_simulator_can_be_turned_off(redis_url: str, tmp_path: Path, capfd) -> None:
    settings = Settings(
        REDIS_URL=redis_url,
        DOST_DATA_DIR=tmp_path,
        DOST_IVR_SIMULATOR=False,
        DOST_INPROCESS_WORKER=False,
    )
    app = create_app(settings)
    paths = {getattr(r, "path", "") for r in app.routes}
    assert "/simulator/ivr" not in paths and "/simulator/ivr/step" not in paths
    assert "ivr simulator off: DOST_IVR_SIMULATOR=false" in "".join(capfd.readouterr())


def test_the_setting_is_tri_state(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in (("", None), ("true", True), ("false", False)):
        monkeypatch.setenv("DOST_IVR_SIMULATOR", raw)
        assert Settings(_env_file=None).ivr_simulator is expected
    monkeypatch.delenv("DOST_IVR_SIMULATOR")
    assert Settings(_env_file=None).ivr_simulator is None


# --- simulated numbers ------------------------------------------------------------------------


def test_simulated_numbers_are_nobodys_and_get_no_sms(redis_url: str, fake_api: FakeTwilio):
    import asyncio

    import phonenumbers

    from channels.twilio.messaging import Messenger

    number = new_number()
    parsed = phonenumbers.parse(number, "AZ")
    assert parsed.country_code == 994 and not phonenumbers.is_valid_number(parsed)
    assert phonenumbers.is_possible_number_with_reason(parsed) == (
        phonenumbers.ValidationResult.TOO_LONG
    )
    assert is_simulated(number) and is_simulated(f"whatsapp:{number}")
    assert not is_simulated("+994901234567") and not is_simulated("+994501112233")

    async def send() -> list[str]:
        messenger = Messenger(
            ACCOUNT_SID, AUTH_TOKEN, api_base=fake_api.url, sms_from="+15005550006"
        )
        return await messenger.send(number, "salam")

    assert asyncio.run(send()) == []
    assert fake_api.messages == []


def test_page_has_no_azerbaijani_literals_in_code() -> None:
    here = Path(__file__).resolve().parent.parent / "channels" / "twilio"
    letters = re.compile("[əğıöüşçƏĞİÖÜŞÇ]")
    for path in [
        *sorted(here.glob("*.py")),
        here / "ivr_simulator.js",
        here / "ivr_simulator.html",
    ]:
        assert not letters.search(path.read_text(encoding="utf-8")), path.name


# --- the page in a real browser -------------------------------------------------------------


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_simulator_page_in_chromium(demo_server: str, artifacts_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    texts = simulator_texts()
    problems: list[str] = []
    screenshot = artifacts_dir / "ivr-simulator.png"
    screenshot.unlink(missing_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="az-AZ")
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            audio_requests: list[str] = []
            page.on(
                "request", lambda r: audio_requests.append(r.url) if "/audio/" in r.url else None
            )

            page.goto(f"{demo_server}/simulator/ivr")
            assert page.title() == texts["page_title"]
            transcript = page.locator("#transcript li")

            page.get_by_role("button", name=texts["call"]).click()
            page.locator("#transcript li.bot", has_text=said("voice.welcome")).wait_for()
            page.locator(".key[data-key='1']:not([disabled])").wait_for()
            # The session is an HttpOnly, SameSite=Strict cookie the page's script cannot read.
            (session,) = [c for c in context.cookies() if c["name"] == COOKIE]
            assert session["httpOnly"] and session["sameSite"] == "Strict"
            assert COOKIE not in page.evaluate("document.cookie")
            caller = page.locator("#caller").inner_text()
            assert caller.startswith(texts["caller"]) and is_simulated(caller.split()[-1])
            # The prompts play one after another in the <audio> element.
            page.wait_for_function(
                "document.getElementById('player').currentSrc.includes('/audio/')"
            )
            assert audio_requests

            before = transcript.count()
            page.locator(".key[data-key='1']").click()
            page.locator("#transcript li.caller", has_text="1").wait_for()
            page.locator("#transcript li.bot", has_text="Özünüməşğulluq proqramı üçün 3").wait_for()
            assert transcript.count() > before

            page.locator(".key[data-key='3']:not([disabled])").click()
            page.locator("#transcript li.bot", has_text="Tələb olunan sənədlər üçün 1").wait_for()
            page.get_by_label(texts["speech_label"]).fill(DOCUMENTS_QUESTION)
            page.get_by_role("button", name=texts["speech_send"], exact=True).click()
            page.locator("#transcript li.bot", has_text="Şəxsiyyət vəsiqəsi").first.wait_for()
            page.locator(".key[data-key='1']:not([disabled])").wait_for()
            page.screenshot(path=str(screenshot), full_page=True)

            page.get_by_role("button", name=texts["hangup"]).click()
            page.locator("#status", has_text=texts["ended"]).wait_for()
            assert page.get_by_role("button", name=texts["call"]).is_enabled()
        finally:
            browser.close()

    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    assert problems == [], problems


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_the_screenshots_script_walks_a_whole_call(demo_server: str, artifacts_dir: Path) -> None:
    """scripts/screenshots.py (the docs' pictures of a call) still gets through its call: the
    welcome, a service, its documents, a booking up to its code, and 9 to end the call."""
    import importlib.util

    script = Path(__file__).resolve().parent.parent / "scripts" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("screenshots", script)
    screenshots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshots)
    out = artifacts_dir / "screenshots"
    out.mkdir(exist_ok=True)
    shots = screenshots.take(demo_server, out)
    assert [p.name for p in shots] == [
        "01-welcome.png",
        "02-service.png",
        "03-documents-answer.png",
        "04-booking-confirm.png",
        "05-booking-code-go-on.png",
        "06-end-of-call.png",
    ]
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in shots)
