"""The IVR simulator: its step endpoint drives the real, signed voice webhooks; its page works in
Debian's Chromium (Playwright), with a screenshot in the test artifacts."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from channels.twilio.simulator import SIMULATOR_CALLER, simulator_texts
from channels.twilio.texts import tx
from dost.app import create_app
from tests.live_server import serve_in_thread
from tests.test_twilio_voice import twilio_settings
from tests.test_web_chat import CHROMIUM, CHROMIUM_ARGS
from tests.twilio_fake import FakeTwilio, running_fake

ACCOUNT_SID_AND_TOKEN = ("AC" + "0123456789abcdef" * 2, "x" * 32)


@pytest.fixture
def fake_api() -> Iterator[FakeTwilio]:
    with running_fake(*ACCOUNT_SID_AND_TOKEN) as fake:
        yield fake


@pytest.fixture
def settings(redis_url: str, tmp_path: Path, nlu_cache: Path, nlu, fake_api: FakeTwilio):
    shutil.copytree(nlu_cache, tmp_path / "cache")
    return twilio_settings(redis_url, tmp_path, fake_api.url)


def test_step_endpoint_drives_the_signed_webhooks(settings: Settings, fake_api) -> None:
    with TestClient(create_app(settings)) as client:
        first = client.post("/simulator/ivr/step", json={"action": "call"})
        assert first.status_code == 200, first.text
        call = first.json()
        assert re.fullmatch(r"CA[0-9a-f]{32}", call["call_sid"])
        assert call["gather"]["url"].startswith("/webhooks/twilio/voice/gather?seq=")
        assert call["say"] == [] and call["plays"]
        assert next(p["text"] for p in call["plays"]) == tx("voice.welcome")
        for play in call["plays"]:
            assert play["url"].startswith("/audio/")  # same-origin for the browser
            assert client.get(play["url"]).headers["content-type"] == "audio/wav"
        assert call["events"][0]["kind"] == "call"

        def step(**body):
            response = client.post(
                "/simulator/ivr/step", json={"call_sid": call["call_sid"], **body}
            )
            assert response.status_code == 200, response.text
            return response.json()

        group = step(action="gather", url=call["gather"]["url"], digits="1")
        texts = [p["text"] for p in group["plays"]]
        assert "Özünüməşğulluq proqramı üçün 3 düyməsini basın." in texts
        assert {"kind": "caller", "digits": "1"}.items() <= group["events"][0].items()
        spoken = step(
            action="gather",
            url=group["gather"]["url"],
            speech="özünüməşğulluq proqramı üçün hansı sənədlər lazımdır",
        )
        assert any("Şəxsiyyət vəsiqəsi" in p["text"] for p in spoken["plays"])
        person = step(action="gather", url=spoken["gather"]["url"], digits="0")
        assert person["dial"] == "142" and person["dial_url"].startswith("/webhooks/twilio/voice/")
        ended = step(action="dial", url=person["dial_url"], dial_status="completed")
        assert ended["hangup"] is True
        hung_up = step(action="hangup")
        assert [(e["kind"], e.get("status")) for e in hung_up["events"]] == [
            ("status", "completed")
        ]

        # Only the voice webhooks' own action URLs can be posted to.
        for url in (
            "/api/v1/centers",
            "https://evil.example/webhooks/twilio/voice/gather?seq=1",
            "/webhooks/twilio/voice/gather",
            "/webhooks/twilio/messaging?seq=1",
        ):
            bad = client.post(
                "/simulator/ivr/step",
                json={"action": "gather", "url": url, "call_sid": call["call_sid"]},
            )
            assert bad.status_code == 422, url
        # The caller is always the demo number: the page cannot choose whose bookings to see.
        assert (
            client.post(
                "/simulator/ivr/step", json={"action": "call", "from": "+994501112233"}
            ).status_code
            == 422
        )
    assert SIMULATOR_CALLER.startswith("+994")


def test_simulator_can_be_turned_off(redis_url: str, tmp_path: Path) -> None:
    settings = Settings(
        REDIS_URL=redis_url,
        DOST_DATA_DIR=tmp_path,
        DOST_IVR_SIMULATOR=False,
        DOST_INPROCESS_WORKER=False,
    )
    app = create_app(settings)
    paths = {getattr(r, "path", "") for r in app.routes}
    assert "/simulator/ivr" not in paths and "/simulator/ivr/step" not in paths


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


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    with serve_in_thread(create_app(settings)) as url:
        yield url


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_simulator_page_in_chromium(live_server: str, artifacts_dir: Path) -> None:
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
            page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="az-AZ")
            page.set_default_timeout(30_000)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            audio_requests: list[str] = []
            page.on(
                "request", lambda r: audio_requests.append(r.url) if "/audio/" in r.url else None
            )

            page.goto(f"{live_server}/simulator/ivr")
            assert page.title() == texts["page_title"]
            transcript = page.locator("#transcript li")

            page.get_by_role("button", name=texts["call"]).click()
            page.locator("#transcript li.bot", has_text=tx("voice.welcome")).wait_for()
            page.locator(".key[data-key='1']:not([disabled])").wait_for()
            # The prompts play one after another in the <audio> element.
            page.wait_for_function(
                "document.getElementById('player').currentSrc.includes('/audio/')"
            )
            assert audio_requests

            before = transcript.count()
            page.locator(".key[data-key='1']").click()
            page.locator("#transcript li.caller", has_text="1").wait_for()
            page.locator("#transcript li.bot", has_text="Özünüməşğulluq proqramı üçün").wait_for()
            assert transcript.count() > before

            page.locator(".key[data-key='3']:not([disabled])").click()
            page.locator("#transcript li.bot", has_text="Tələb olunan sənədlər üçün").wait_for()
            page.get_by_label(texts["speech_label"]).fill(
                "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"
            )
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
