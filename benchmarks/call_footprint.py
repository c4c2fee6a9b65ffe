"""A phone call's Redis footprint: every key one scripted call leaves, its size and its expiry.

Run: .venv/bin/python benchmarks/call_footprint.py [--steps 12]

Starts its own redis-server and the app in process (Twilio settings, signed requests), places
one call (incoming, then keys and a spoken question, `--steps` in all) and lists the keys it
left, with MEMORY USAGE and TTL, and the total.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32
BASE = "https://dost.example"
SID = "CA" + "e" * 32
STEPS = [{"Digits": "1"}, {"Digits": "1"}, {"Digits": "1"},
         {"SpeechResult": "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"},
         {"Digits": "*"}, {"Digits": "#"}]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "dost-load-data"
    )
    args = parser.parse_args()

    import redis
    from fastapi.testclient import TestClient
    from twilio.request_validator import RequestValidator

    from bot.config import Settings
    from bot.logs import configure_logging
    from bot.redis_conn import loopback_redis_server
    from dost.app import create_app

    configure_logging("WARNING")
    validator = RequestValidator(AUTH_TOKEN)
    with tempfile.TemporaryDirectory() as tmp, loopback_redis_server(Path(tmp)) as url:
        settings = Settings(REDIS_URL=url, DOST_DATA_DIR=args.data_dir, PUBLIC_BASE_URL=BASE,
                            TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                            DOST_INPROCESS_WORKER=False, DOST_LOG_LEVEL="WARNING")  # fmt: skip
        with TestClient(create_app(settings)) as client:
            action = f"{BASE}/webhooks/twilio/voice"
            for step in range(args.steps + 1):
                params = {"AccountSid": ACCOUNT_SID, "CallSid": SID, "From": "+994501112233",
                          "To": "+994120000142", "CallStatus": "in-progress"}  # fmt: skip
                if step:
                    params.update(STEPS[(step - 1) % len(STEPS)])
                parts = urlsplit(action)
                response = client.post(
                    parts.path + (f"?{parts.query}" if parts.query else ""), data=params,
                    headers={"X-Twilio-Signature": validator.compute_signature(action, params)},
                )  # fmt: skip
                assert response.status_code == 200, response.text
                found = re.search(r'action="([^"]+)"', response.text)
                action = found.group(1).replace("&amp;", "&") if found else action
        sync = redis.Redis.from_url(url, decode_responses=True)
        total = 0
        for key in sorted(sync.scan_iter(f"*{SID}*")):
            size, ttl = sync.memory_usage(key) or 0, sync.ttl(key)
            total += size
            print(f"{size:>8} B  ttl {ttl:>6} s  {key}")
        print(f"{total:>8} B  in all, {args.steps + 1} webhooks")


if __name__ == "__main__":
    main()
