"""Screenshots of a phone call on the IVR simulator (/simulator/ivr), for the docs.

A call as a caller would make it: the welcome (say the question, or keys), a group, a service,
its documents answer, a booking asked for in words with its code read sign by sign, then the
end of the call with 9. Each step is saved as a PNG: the page shows the keypad with what every
key does and the call's transcript.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Runs the real app on a loopback port over a fresh data directory (the embedded Redis, the
language model trained on the first start) and drives Debian's Chromium through Playwright;
needs the test dependencies, chromium, espeak-ng and sox (scripts/test.sh installs them all).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import Settings  # noqa: E402
from channels.twilio.simulator import simulator_texts  # noqa: E402
from dost.app import create_app  # noqa: E402
from tests.live_server import serve_in_thread  # noqa: E402

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required"]  # fmt: skip
DOCUMENTS = "Tələb olunan sənədlər"
BOOKING_REQUEST = "özünüməşğulluq üçün növbəyə yazılmaq istəyirəm"


def take(base_url: str, out: Path) -> list[Path]:
    """Drives one call on the page; the screenshots, in order."""
    from playwright.sync_api import sync_playwright

    texts = simulator_texts()
    shots: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1000}, locale="az-AZ")
            page.set_default_timeout(60_000)
            bot_lines = page.locator("#transcript li.bot")

            def ready() -> None:
                page.locator(".key[data-key='1']:not([disabled])").wait_for()

            def shot(name: str) -> None:
                page.evaluate("document.getElementById('transcript').scrollTop = 1e6")
                path = out / f"{len(shots) + 1:02d}-{name}.png"
                page.screenshot(path=str(path))
                shots.append(path)

            def press(key: str, then: str) -> None:
                before = bot_lines.count()
                page.locator(f".key[data-key='{key}']").click()
                page.locator("#transcript li.bot", has_text=then).last.wait_for()
                count = "document.querySelectorAll('#transcript li.bot').length"
                page.wait_for_function(f"{count} > {before}")
                ready()

            def say(words: str, then: str) -> None:
                page.get_by_label(texts["speech_label"]).fill(words)
                page.get_by_role("button", name=texts["speech_send"], exact=True).click()
                page.locator("#transcript li.bot", has_text=then).last.wait_for()
                ready()

            page.goto(f"{base_url}/simulator/ivr")
            page.get_by_role("button", name=texts["call"]).click()
            page.locator("#transcript li.bot", has_text="Sualınızı deyin").wait_for()
            ready()
            shot("welcome")
            press("1", "Özünüməşğulluq proqramı üçün")
            press("3", f"{DOCUMENTS} üçün 1")
            shot("service")
            press("1", "Şəxsiyyət vəsiqəsi")
            shot("documents-answer")
            say(BOOKING_REQUEST, "növbə almaq istəyirsiniz")
            press("1", "hansı gün")
            press("2", "boş vaxtlar")  # the next open day (today may be over)
            press("1", "Təsdiq edirsiniz")
            shot("booking-confirm")
            press("1", "Növbə kodunuz")
            shot("booking-code-go-on")
            page.locator(".key[data-key='9']").click()
            page.locator("#status", has_text=texts["ended"]).wait_for()
            shot("end-of-call")
        finally:
            browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dost-screens-") as data:
        settings = Settings(DOST_DATA_DIR=Path(data), DOST_INPROCESS_WORKER=False, _env_file=None)
        with serve_in_thread(create_app(settings)) as url:
            for path in take(url, out):
                print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


if __name__ == "__main__":
    main()
