"""Hostile input at volume: ≥ 10,000 seeded requests over every route; counts the answers.

Run: .venv/bin/python benchmarks/fuzz.py [--requests 10000] [--seed 16]
The requests are tests/fuzz_requests.py's (the CI test sends a few hundred of the same kind):
the whole app with every channel on (Twilio and Telegram pointed at a closed port), a real
redis-server, a valid API key, signed Twilio forms, a logged-in operator. Exits 1 if any request
got a 5xx, and prints the first few.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()

    import logging

    from fastapi.testclient import TestClient
    from hypothesis import HealthCheck, given, seed, settings
    from twilio.request_validator import RequestValidator

    from bot.apikeys import create_key
    from bot.logs import configure_logging
    from bot.redis_conn import connect, loopback_redis_server
    from dost.app import create_app
    from tests import fuzz_requests as fuzz
    from tests.test_fuzz import fuzz_settings, operator_csrf

    configure_logging("CRITICAL")  # thousands of refused requests are logged otherwise
    logging.disable(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp, loopback_redis_server(Path(tmp)) as url:
        app = create_app(fuzz_settings(url, Path(tmp) / "data"))
        with TestClient(app, base_url=fuzz.BASE_URL, raise_server_exceptions=False) as client:

            async def make_key() -> str:
                redis = connect(url)
                try:
                    return await create_key(redis, "fuzz")
                finally:
                    await redis.aclose()

            key = client.portal.call(make_key)
            csrf = operator_csrf(client)
            routes = fuzz.app_routes(app)
            requests = fuzz.requests(
                routes, api_key=key, cap=app.state.settings.max_body_bytes,
                signer=RequestValidator(fuzz.TWILIO_TOKEN).compute_signature, csrf=csrf,
            )  # fmt: skip
            statuses: Counter[int] = Counter()
            errors: list[str] = []

            @seed(args.seed)
            @settings(max_examples=args.requests, deadline=None, database=None,
                      derandomize=False, suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(requests)
            def one(request: fuzz.FuzzRequest) -> None:
                status = fuzz.send(client, request)
                statuses[status] += 1
                if status >= 500:
                    errors.append(f"{status} {request.describe()}")

            started = time.perf_counter()
            one()
            seconds = time.perf_counter() - started
    total = sum(statuses.values())
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, {len(routes)} route/method pairs")  # fmt: skip
    print(f"seed {args.seed}: {total} requests in {seconds:.0f} s, server errors: {server_errors}")
    print("answers:", ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())))
    for line in errors[:10]:
        print("  ", line)
    return 1 if server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
