"""The console in Debian's Chromium for a supervisor: a waiting call shows as an incoming-call
card (the number masked, the keys pressed, what the caller asked), and a hand-off rule is added
in the supervisor view and listed. A screenshot goes to the test artifacts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.catalog import t
from bot.config import Settings
from bot.operators.desk import Desk
from bot.redis_conn import connect
from dost.app import create_app
from tests.live_server import serve_in_thread
from tests.test_web_chat import CHROMIUM, CHROMIUM_ARGS

PASSWORD = "uzun-bir-parol-1"
CALL = "voice:CA" + "7" * 32

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


@pytest.fixture
def live_server(redis_url: str, data_dir: Path) -> Iterator[str]:
    settings = Settings(REDIS_URL=redis_url, DOST_DATA_DIR=data_dir,
                        DOST_OPERATOR_HOURS="always", DOST_INPROCESS_WORKER=False)  # fmt: skip
    with serve_in_thread(create_app(settings)) as url:
        yield url


def prepare(redis_url: str) -> None:
    """A supervisor account, and a call waiting in the general queue as the phone line left it."""

    async def run() -> None:
        redis = connect(redis_url)
        try:
            desk = Desk(redis)
            await desk.accounts.add("boss", PASSWORD, "supervisor")
            await desk.request(CALL, channel="voice", reason="asked", kind="call")
            await desk.describe_call(CALL, caller="***33", ivr="0 → 1", asked="işsizlik müavinəti")
        finally:
            await redis.aclose()

    asyncio.run(run())


def test_call_card_and_a_rule_in_the_supervisor_view(
    live_server: str, redis_url: str, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    prepare(redis_url)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="az-AZ")
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(f"{live_server}/operator")
            page.get_by_label(t("operator.username")).fill("boss")
            page.get_by_label(t("operator.password")).fill(PASSWORD)
            page.get_by_role("button", name=t("operator.login_button")).click()

            card = page.locator(".call-card").first  # queued, or offered to her already
            expect(card).to_contain_text(t("operator.incoming_call"))
            expect(card).to_contain_text("***33")
            expect(card).to_contain_text("0 → 1")
            expect(card).to_contain_text("işsizlik müavinəti")

            page.locator("#rule-title").fill("Təcili")
            page.locator("#rule-keywords").fill("təcili, dərhal")
            page.locator("#rule-repeats").fill("2")
            page.locator("#rule-form button[type=submit]").click()
            rule = page.locator("#rule-list li", has_text="Təcili")
            expect(rule).to_contain_text("təcili, dərhal")
            page.screenshot(path=str(artifacts_dir / "operator-supervisor.png"), full_page=True)
        finally:
            browser.close()
    assert problems == [], problems
