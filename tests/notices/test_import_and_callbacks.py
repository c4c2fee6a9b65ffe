"""The CSV import (API and CLI) and the signed status callbacks."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.notices import callbacks
from tests.notices.kit import CHAT, NOW, PHONE, BackOffice, decision
from tests.notices.receiver import Receiver, running_receiver
from tests.test_telegram_webhook import Person as TelegramPerson

REPO = Path(__file__).resolve().parents[2]
HEADER = "reference,type,fin,phone,service,date,time,place,decision,reason,time_to,time_from\n"
ROWS = [
    "r-1,commission_scheduled,,+994501112233,02-04-10-00,2026-11-27,10:00,Yasamal DOST,,,,",
    "r-2,commission_scheduled,,+994501112234,02-04-10-00,2026-13-01,10:00,Yasamal DOST,,,,",
    "r-3,commission_decision,,,02-04-10-00,,,,approved,,,",
    "r-4,birthday,,+994501112235,02-04-10-00,,,,,,,",
    ",commission_decision,5ZK2P7A,,02-04-10-00,,,,rejected,Sənədlər natamamdır,,",
    "r-6,commission_decision,,+994501112236,99-99,,,,approved,,,",
    "r-7,monitoring_visit,,+994501112237,02-04-10-00,2026-11-25,,,,,10:00,13:00",
    "r-8,commission_decision,,+994501112238,02-04-10-00,,,,maybe,,,",
]
CSV = HEADER + "\n".join(ROWS) + "\n"
EXPECTED_PROBLEMS = [(3, "date"), (4, "fin/phone"), (5, "type"), (7, "service"), (8, None),
                     (9, "decision")]  # fmt: skip


def upload(back: BackOffice, text: str):
    return back.client.post("/api/v1/events/import", files={"file": ("events.csv", text)},
                            headers={"Authorization": f"Bearer {back.key}"})  # fmt: skip


def test_a_csv_reports_every_bad_row_by_row_and_column_and_keeps_the_good_ones(
    back: BackOffice, twilio
) -> None:
    response = upload(back, CSV)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["rows"] == 8
    assert [r["row"] for r in report["accepted"]] == [2, 6]
    assert [(p["row"], p["column"]) for p in report["problems"]] == EXPECTED_PROBLEMS
    assert "time_to" in next(p["message"] for p in report["problems"] if p["row"] == 8)
    accepted = {r["row"]: [n["id"] for n in r["notifications"]] for r in report["accepted"]}
    assert len(accepted[2]) == 2  # the commission and its reminder
    # The same file again: the same notifications, nothing sent twice.
    again = upload(back, CSV).json()
    assert {r["row"]: [n["id"] for n in r["notifications"]] for r in again["accepted"]} == accepted
    back.run()
    assert len([m for m in twilio.messages if m["To"] == PHONE]) == 1
    # A reference reused with another content is refused, by row.
    changed = upload(back, HEADER + ROWS[0].replace("10:00", "11:00") + "\n").json()
    assert [(p["row"], p["column"]) for p in changed["problems"]] == [(2, "reference")]


def test_a_file_without_the_needed_columns_is_refused_as_a_whole(back: BackOffice) -> None:
    report = upload(back, "phone,date\n+994501112233,2026-11-27\n").json()
    assert report["accepted"] == []
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(1, "service"), (1, "type")]


def test_dost_events_import(back: BackOffice, settings, tmp_path: Path) -> None:
    file = tmp_path / "events.csv"
    file.write_text(CSV, encoding="utf-8")
    env = {**os.environ, "REDIS_URL": settings.redis_url, "DOST_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "dost.cli", "events", "import", str(file),
                           "--as", "back-office"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1  # there were problems
    assert re.search(r"^2 of 8 rows accepted", done.stdout, re.M), done.stdout
    assert "row 3, column date:" in done.stderr and "row 9, column decision:" in done.stderr
    # The rows belong to the key of that name: its holder reads their status.
    upload_report = upload(back, CSV).json()
    notice = upload_report["accepted"][1]["notifications"][0]["id"]
    assert back.status(notice)["type"] == "commission_decision"


# --- status callbacks -----------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def test_status_callbacks_are_signed_and_numbered(back: BackOffice, emulator, receiver) -> None:
    created = back.new_key("with-callbacks", callback_url=receiver.url)
    back.citizen_on_telegram()
    [notice] = back.send(decision(), key=created.key)
    back.run()
    telegram = TelegramPerson(back.client, emulator, CHAT)
    telegram.tap(emulator.sent(CHAT)[0], "ack:")
    back.run()
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [(b["sequence"], b["status"]) for b in bodies] == [(0, "delivered"), (1, "read")]
    assert bodies[0]["entry"]["channel"] == "telegram"
    assert bodies[0]["entry"]["result"] == "delivered"
    assert bodies[1]["entry"]["event"] == "read" and bodies[0]["id"] == notice
    for request in receiver.requests:
        signature = request.headers[callbacks.SIGNATURE_HEADER.lower()]
        assert callbacks.verify(created.callback_secret, signature, request.body)
        assert not callbacks.verify("another secret", signature, request.body)
    assert [r.headers["idempotency-key"] for r in receiver.requests] == [
        f"{notice}:0",
        f"{notice}:1",
    ]


def test_a_failing_receiver_is_retried_with_backoff_for_over_15_minutes(
    back: BackOffice, receiver
) -> None:
    created = back.new_key("flaky", callback_url=receiver.url)
    receiver.fail_next(100)  # down for good
    back.send(decision(), key=created.key)
    back.run(until=NOW + timedelta(hours=2))
    times = [r.at for r in receiver.requests]
    assert len(times) == callbacks.MAX_TRIES
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(b >= a for a, b in itertools.pairwise(gaps))  # growing backoff
    assert times[-1] - times[0] >= 15 * 60
    assert len({r.headers["idempotency-key"] for r in receiver.requests}) == 1


def test_a_receiver_back_after_a_while_gets_the_callback(back: BackOffice, receiver) -> None:
    created = back.new_key("flaky", callback_url=receiver.url)
    receiver.fail_next(4)
    back.send(decision(), key=created.key)
    back.run(until=NOW + timedelta(hours=1))
    assert [r.status for r in receiver.requests] == [500, 500, 500, 500, 200]
