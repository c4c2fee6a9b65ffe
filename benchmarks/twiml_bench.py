"""TwiML latency: the voice webhooks end to end through the ASGI app, with a warm audio cache.

Run: .venv/bin/python benchmarks/twiml_bench.py [--calls 200] [--out benchmarks/twiml_results.md]

Starts its own redis-server on loopback and the real app (FastAPI's TestClient: lifespan, NLU,
engine, Redis) with Twilio settings. Every request is signed like Twilio's and its TwiML parsed.
One scripted call first renders every prompt it needs (the cold figure: espeak-ng + sox per
new prompt); then `--calls` calls run the same script with the audio cache warm:
incoming call → key (group) → key (service) → key (documents) → speech (the documents question,
through the NLU) → * (repeat) → # (main menu). Latency = request sent → TwiML received, per kind.
The section is written to `--out` (another file merges it into BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "x" * 32
BASE = "https://dost.example"
DOCUMENTS_QUESTION = "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"


class Caller:
    def __init__(self, client, validator, data_dir: Path, sid: str) -> None:
        self.client, self.validator, self.data_dir, self.sid = client, validator, data_dir, sid
        self.action = f"{BASE}/webhooks/twilio/voice"
        self.texts: list[str] = []

    def post(self, url: str, **extra: str) -> float:
        params = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": self.sid,
            "From": "+994501112233",
            "To": "+994120000142",
            "CallStatus": "in-progress",
            **extra,
        }
        parts = urlsplit(url)
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, params)}
        started = time.perf_counter()
        response = self.client.post(
            f"{parts.path}?{parts.query}" if parts.query else parts.path,
            data=params,
            headers=headers,
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        root = ElementTree.fromstring(response.text)
        assert not list(root.iter("Say")), "audio could not be made: <Say> fallback"
        gather = root.find("Gather")
        self.action = gather.get("action") if gather is not None else ""
        self.texts = []
        for play in root.iter("Play"):
            key = urlsplit(play.text).path.rsplit("/", 1)[-1].removesuffix(".wav")
            self.texts.append((self.data_dir / "cache" / "audio" / f"{key}.txt").read_text())
        return elapsed

    def key_for(self, title: str) -> str:
        """The key of `title` in a menu prompt ("Sənədlər üçün 1, …, digər seçimlər üçün 5
        düyməsini basın.")."""
        option = rf"(?:^|, ){re.escape(title)} üçün (\d)(?=, | düyməsini basın\.$)"
        for text in self.texts:
            match = re.search(option, text)
            if match:
                return match.group(1)
        raise AssertionError(f"{title!r} not offered")

    def script(self) -> dict[str, list[float]]:
        times: dict[str, list[float]] = {"incoming": [], "keypad": [], "speech": [], "repeat": []}
        times["incoming"].append(self.post(self.action, CallStatus="ringing"))
        for title in ("Məşğulluq", "Özünüməşğulluq proqramı", "Tələb olunan sənədlər"):
            times["keypad"].append(self.post(self.action, Digits=self.key_for(title)))
        assert any("Şəxsiyyət vəsiqəsi" in t for t in self.texts)
        times["speech"].append(self.post(self.action, SpeechResult=DOCUMENTS_QUESTION))
        assert any("Şəxsiyyət vəsiqəsi" in t for t in self.texts)
        times["repeat"].append(self.post(self.action, Digits="*"))
        times["keypad"].append(self.post(self.action, Digits="#"))
        return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "twiml_results.md")
    args = parser.parse_args()
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        sys.exit("espeak-ng and sox are needed (scripts/test.sh installs them)")

    from fastapi.testclient import TestClient
    from twilio.request_validator import RequestValidator

    from bot.config import Settings
    from bot.logs import configure_logging
    from bot.redis_conn import loopback_redis_server
    from dost.app import create_app

    configure_logging("WARNING")
    with tempfile.TemporaryDirectory(prefix="twiml-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        (Path(tmp) / "redis").mkdir()
        with loopback_redis_server(Path(tmp) / "redis") as redis_url:
            settings = Settings(
                REDIS_URL=redis_url,
                DOST_DATA_DIR=data_dir,
                PUBLIC_BASE_URL=BASE,
                TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                DOST_INPROCESS_WORKER=False,
                DOST_LOG_LEVEL="WARNING",
            )
            validator = RequestValidator(AUTH_TOKEN)
            with TestClient(create_app(settings)) as client:
                cold_started = time.perf_counter()
                cold = Caller(client, validator, data_dir, "CA" + "f" * 32).script()
                cold_total = time.perf_counter() - cold_started
                prompts = len(list((data_dir / "cache" / "audio").glob("*.wav")))
                totals: dict[str, list[float]] = {}
                started = time.perf_counter()
                for i in range(args.calls):
                    for kind, values in (
                        Caller(client, validator, data_dir, f"CA{i:032x}").script().items()
                    ):
                        totals.setdefault(kind, []).extend(values)
                elapsed = time.perf_counter() - started
    requests = sum(len(v) for v in totals.values())
    every = [x for v in totals.values() for x in v]
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True
    ).stdout.split()[2:3]
    rows = [
        f"| {kind} | {len(v)} | {pct(v, 0.5):.1f} ms | {pct(v, 0.99):.1f} ms | "
        f"{statistics.mean(v) * 1000:.1f} ms |"
        for kind, v in totals.items()
    ]
    rows.append(
        f"| **all** | {len(every)} | {pct(every, 0.5):.1f} ms | "
        f"{pct(every, 0.99):.1f} ms | {statistics.mean(every) * 1000:.1f} ms |"
    )
    cold_first = cold["incoming"][0] * 1000
    section = f"""## TwiML latency (`benchmarks/twiml_bench.py`) — {date.today().isoformat()}

`.venv/bin/python benchmarks/twiml_bench.py --calls {args.calls}` starts its own redis-server on
loopback and runs the real app in process (FastAPI's TestClient); every request is signed like
Twilio's, validated, handled by the engine and answered with TwiML whose every prompt is a
`<Play>` of cached audio. A call: incoming → 3 keys (group, service, documents) → the documents
question as speech (NLU) → `*` → `#`. {requests} requests in {elapsed:.1f} s, one at a time.

| webhook | requests | p50 | p99 | mean |
|---|---|---|---|---|
{chr(10).join(rows)}

Cold audio cache: the first call renders its {prompts} prompts with espeak-ng + sox (in threads,
a step's prompts in parallel) in {cold_total:.1f} s for the whole call; its incoming webhook took
{cold_first:.0f} ms. Prompts are keyed by their text, so a menu is rendered once for every caller;
only texts that mention the caller (a booking's summary) are rendered per call. Twilio waits up
to 15 s for a webhook. Machine: {platform.machine()}, {platform.python_implementation()} \
{platform.python_version()}, Redis {"".join(redis_version).removeprefix("v=") or "?"}.
"""
    args.out.write_text(section, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()
