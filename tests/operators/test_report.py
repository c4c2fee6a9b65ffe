"""`dost report` reproduced exactly: 50 scripted conversations with known outcomes go through the
real engine, the desk and an operator on a frozen clock, and every figure of the report is what
the script says it must be (worked out by hand below, not by the report's code)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta

from bot.catalog import t
from bot.messages import Inbound
from bot.operators.callbacks import Callbacks
from bot.report import build_report, render

S1, S2 = "02-04-10-00", "01-06-00-00"
DOCUMENTS_S1 = "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"
DOCUMENTS_S2 = "ünvanlı sosial yardım üçün hansı sənədlər lazımdır"
OUT_OF_SCOPE = ["hava necə olacaq sabah", "futbol matçı neçədədir", "pizza sifariş etmək istəyirəm",
                "hava necə olacaq sabah", "futbol matçı neçədədir"]  # fmt: skip
# The ten hand-offs: seconds until the operator's first message, and the rating given (None:
# the citizen did not rate). The first two came after the assistant misunderstood twice.
ANSWERED = [(10, 5), (20, 5), (30, 4), (40, 4), (50, 3), (70, 5), (90, 2), (120, 4), (150, None),
            (200, None)]  # fmt: skip


async def test_fifty_conversations_give_the_reports_figures(
    live_engine, desk, ayla, clock, redis_url
) -> None:
    engine = live_engine

    async def say(conversation: str, text: str | None = None, choice: str | None = None,
                  channel: str = "web"):  # fmt: skip
        return await engine.handle(Inbound(conversation_id=conversation, channel=channel,
                                           text=text, choice=choice))  # fmt: skip

    start = clock.now()
    # 15 contained: a documents question, answered, nobody comes back.
    for i in range(15):
        await say(f"web:contained-{i:02}", DOCUMENTS_S1)
        clock.advance(minutes=1)
    # 5 citizens on Telegram ask about S2 twice, two hours apart: the first session is a
    # repeat contact (not contained), the second contained.
    for i in range(5):
        await say(f"tg:{50000 + i}", DOCUMENTS_S2, channel="telegram")
    clock.advance(hours=2)
    for i in range(5):
        await say(f"tg:{50000 + i}", DOCUMENTS_S2, channel="telegram")
    clock.advance(minutes=1)
    # 5 out of scope.
    for i, text in enumerate(OUT_OF_SCOPE):
        await say(f"web:outside-{i:02}", text)
    # 5 left in the middle: asked to book, never said which service.
    for i in range(5):
        replies = await say(f"web:midway-{i:02}", "növbəyə yazılmaq istəyirəm")
        assert replies[0].text == t("menu.which_service")
    # 5 asked for a person and left the queue before anyone took the chat.
    for i in range(5):
        await say(f"web:left-{i:02}", "operatorla danışmaq istəyirəm")
        await say(f"web:left-{i:02}", "bəli")
        clock.advance(seconds=30)
        await say(f"web:left-{i:02}", choice="leaveq")
    # 10 handed off: a documents question, then a person (two after two misunderstandings);
    # three of them ask for a callback while waiting; the operator answers, closes; a rating.
    for i, (delay, rating) in enumerate(ANSWERED):
        conversation = f"web:person-{i:02}"
        await say(conversation, DOCUMENTS_S1)
        if i < 2:
            await say(conversation, "qwzx plom brr")
            await say(conversation, "xkcd zzz qwe")
        await say(conversation, "operatorla danışmaq istəyirəm")
        await say(conversation, "hə")
        if i in (2, 3, 4):
            await say(conversation, choice="cb")
            await say(conversation, f"050 123 45 6{i}")
            await say(conversation, choice="cb:asap")
        clock.advance(seconds=delay)
        assert await desk.reply(conversation, "ayla", "Salam, buyurun.") is not None
        clock.advance(minutes=3)
        assert await desk.close(conversation, "ayla")
        if rating is not None:
            await say(conversation, choice=f"rate:{rating}")
    callbacks = Callbacks(desk.redis, desk.clock)
    first, second, third = await callbacks.all()
    await callbacks.attempt(first.id, "ayla", answered=True)
    await callbacks.attempt(second.id, "ayla", answered=False)
    await callbacks.attempt(second.id, "ayla", answered=True)
    for _ in range(3):
        await callbacks.attempt(third.id, "ayla", answered=False)

    report = await build_report(desk, start - timedelta(minutes=1), target_seconds=60)
    assert report["conversations"] == 50
    assert report["outcomes"] == {"contained": 20, "handed_off": 10, "abandoned": 10,
                                  "out_of_scope": 5, "repeat": 5}  # fmt: skip
    assert report["handoff_reasons"] == {"asked": 8, "misunderstood": 2}
    assert report["containment"] == 0.4  # 20 of 50
    assert report["handoff_rate"] == 0.2  # 10 of 50
    assert report["handoffs"] == 15  # 10 answered + 5 who left the queue
    assert report["time_to_answer_p50"] == 50.0  # 5th of the 10 sorted times
    assert report["time_to_answer_p90"] == 150.0  # 9th of 10
    assert report["answered_within_target"] == round(5 / 15, 4)  # 10…50 s of 15 hand-offs
    assert report["queue_abandonment"] == round(5 / 15, 4)
    assert report["callbacks"] == 3 and report["callback_completion"] == round(2 / 3, 4)
    assert report["ratings"] == 8 and report["rating_mean"] == 4.0  # 32 / 8
    assert report["by_channel"] == {
        "telegram": {"conversations": 10, "contained": 5, "handed_off": 0, "abandoned": 0,
                     "out_of_scope": 0, "repeat": 5, "containment": 0.5, "handoff_rate": 0.0},
        "web": {"conversations": 40, "contained": 15, "handed_off": 10, "abandoned": 10,
                "out_of_scope": 5, "repeat": 0, "containment": 0.375, "handoff_rate": 0.25},
    }  # fmt: skip
    assert report["by_service"] == {
        "-": {"conversations": 15, "contained": 0, "handed_off": 0, "abandoned": 10,
              "out_of_scope": 5, "repeat": 0, "containment": 0.0, "handoff_rate": 0.0},
        S2: {"conversations": 10, "contained": 5, "handed_off": 0, "abandoned": 0,
             "out_of_scope": 0, "repeat": 5, "containment": 0.5, "handoff_rate": 0.0},
        S1: {"conversations": 25, "contained": 15, "handed_off": 10, "abandoned": 0,
             "out_of_scope": 0, "repeat": 0, "containment": 0.6, "handoff_rate": 0.4},
    }  # fmt: skip
    text = render(report)
    assert "containment: 40.0 %" in text and "time to answer: p50 50 s, p90 150 s" in text

    # The command prints the same figures.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dost.cli", "report", "--since", start.date().isoformat(), "--json",
        env={**os.environ, "REDIS_URL": redis_url}, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode == 0
    printed = json.loads(out)
    assert {k: v for k, v in printed.items() if k != "since"} == {
        k: v for k, v in report.items() if k != "since"
    }
