"""The whole hand-off in real browsers (Debian's Chromium through Playwright): a citizen escalates
in the web chat and consents; an operator, logged in to the console, gets the alert, takes the
chat, sees the transcript and the service, replies; the citizen sees the reply live; the
operator closes; the citizen is asked for a rating and gives one. Screenshots of both screens go
to the test artifacts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.catalog import t
from bot.config import Settings
from bot.redis_conn import connect
from dost.app import create_app
from tests.live_server import serve_in_thread
from tests.test_web_chat import CHROMIUM, CHROMIUM_ARGS, DOCUMENTS_QUESTION

PASSWORD = "uzun-bir-parol-1"
REPLY = "Salam! Özünüməşğulluq proqramı üzrə sənədlərin siyahısını sizə göndərirəm."

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


@pytest.fixture
def live_server(redis_url: str, data_dir: Path) -> Iterator[str]:
    settings = Settings(
        REDIS_URL=redis_url,
        DOST_DATA_DIR=data_dir,
        DOST_OPERATOR_HOURS="always",
        DOST_INPROCESS_WORKER=False,
    )
    app = create_app(settings)
    with serve_in_thread(app) as url:
        yield url


def add_operator(redis_url: str, name: str) -> None:
    from bot.operators.accounts import Accounts

    async def run() -> None:
        redis = connect(redis_url)
        try:
            await Accounts(redis).add(name, PASSWORD, "operator")
        finally:
            await redis.aclose()

    asyncio.run(run())


def test_escalation_consent_alert_take_reply_close_rating(
    live_server: str, redis_url: str, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    add_operator(redis_url, "ayla")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="az-AZ")
            staff.grant_permissions(["notifications"], origin=live_server)
            console = staff.new_page()
            console.set_default_timeout(20_000)
            console.on("pageerror", lambda error: problems.append(f"console: {error}"))
            console.goto(f"{live_server}/operator")
            assert console.url.endswith("/operator/login")
            console.get_by_label(t("operator.username")).fill("ayla")
            console.get_by_label(t("operator.password")).fill(PASSWORD)
            console.get_by_role("button", name=t("operator.login_button")).click()
            expect(console.locator("#live")).to_have_attribute("data-state", "on")
            console.evaluate("Notification.requestPermission()")

            citizen_context = browser.new_context(
                viewport={"width": 390, "height": 844},
                is_mobile=True,
                has_touch=True,
                locale="az-AZ",
            )
            citizen = citizen_context.new_page()
            citizen.set_default_timeout(30_000)
            citizen.on("pageerror", lambda error: problems.append(f"citizen: {error}"))
            citizen.goto(f"{live_server}/")
            expect(citizen.locator("#log")).to_have_attribute("data-live", "open")
            message = citizen.get_by_label(t("web.input_label"))
            message.fill(DOCUMENTS_QUESTION)
            message.press("Enter")
            citizen.locator(".msg.bot", has_text="Şəxsiyyət vəsiqəsi").first.wait_for()
            message.fill("operatorla danışmaq istəyirəm")
            message.press("Enter")
            citizen.locator(".msg.bot", has_text=t("live.consent")).wait_for()
            citizen.get_by_role("button", name=t("live.consent_yes")).tap()
            waiting = citizen.locator(".msg.bot[data-update-key]")
            expect(waiting).to_have_count(1)

            # The operator is alerted and the chat is offered to her.
            expect(console.locator("body")).to_have_attribute("data-alerts", re.compile("[1-9]"))
            item = console.locator("#mine li[data-conversation]")
            expect(item).to_have_count(1)
            item.get_by_role("button", name=t("operator.open")).click()
            console.get_by_role("button", name=t("operator.take")).click()
            expect(console.locator("#conversation-status")).to_have_text(
                t("operator.status_assigned")
            )
            expect(console.locator("#transcript .line.user").first).to_contain_text(
                DOCUMENTS_QUESTION
            )
            expect(console.locator("#conversation-service")).to_contain_text("Özünüməşğulluq")
            expect(console.locator("#understood")).to_contain_text("ask_documents")
            citizen.locator(".msg.bot", has_text=t("live.joined")).wait_for()

            # A citizen's message reaches the console live; the operator's reply the citizen.
            message.fill("Sənədləri haradan götürə bilərəm?")
            message.press("Enter")
            console.locator("#transcript .line.user", has_text="haradan götürə").wait_for()
            console.locator("#reply").fill(REPLY)
            console.locator("#reply").press("Enter")
            citizen.locator(".msg.operator", has_text=REPLY).wait_for()
            expect(console.locator("#conversation-notice")).to_be_hidden()
            console.screenshot(path=str(artifacts_dir / "operator-console.png"))
            citizen.screenshot(path=str(artifacts_dir / "operator-citizen-reply.png"))

            console.once("dialog", lambda dialog: dialog.accept())
            console.get_by_role("button", name=t("operator.close")).click()
            expect(console.locator("#conversation")).to_be_hidden()
            citizen.locator(".msg.bot", has_text=t("live.closed")).wait_for()
            citizen.get_by_role("button", name="5", exact=True).last.tap()
            citizen.locator(".msg.bot", has_text=t("live.rating_thanks")).wait_for()
            citizen.screenshot(path=str(artifacts_dir / "operator-citizen-rating.png"))
        finally:
            browser.close()
    assert problems == [], problems
