"""Hostile input on every route: no request may get a server error (issue 16).

Hypothesis drives tests/fuzz_requests.py's requests through the whole app (Twilio and Telegram
on, the IVR simulator on, a valid API key) with a fixed seed and a bounded number of examples,
so CI is fast and repeatable; benchmarks/fuzz.py sends ≥ 10,000 of the same kind. Then
schemathesis checks the OpenAPI-described API against its own schema.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings

from bot.apikeys import create_key
from bot.config import Settings
from bot.redis_conn import connect
from dost.app import create_app
from tests import fuzz_requests as fuzz

EXAMPLES = 400
SEED = 16
OPERATOR_PASSWORD = "fuzz-operator-password"


def fuzz_settings(redis_url: str, data_dir: Path) -> Settings:
    """Every channel on; everything outside the machine (Telegram, Twilio) at a closed port."""
    return Settings(
        REDIS_URL=redis_url, DOST_DATA_DIR=data_dir, DOST_INPROCESS_WORKER=False,
        TELEGRAM_BOT_TOKEN="123456:fuzz", TELEGRAM_WEBHOOK_SECRET=fuzz.TELEGRAM_SECRET,
        TELEGRAM_API_BASE="http://127.0.0.1:9", TWILIO_ACCOUNT_SID="ACfuzz",
        TWILIO_AUTH_TOKEN=fuzz.TWILIO_TOKEN, TWILIO_API_BASE="http://127.0.0.1:9",
        TWILIO_SMS_NUMBER="+15005550006", TWILIO_VOICE_NUMBER="+15005550006",
        PUBLIC_BASE_URL=fuzz.BASE_URL, DOST_IVR_SIMULATOR=True, FORWARDED_ALLOW_IPS="*",
        DOST_ESPEAK_BINARY="/nonexistent/espeak",
    )  # fmt: skip


@pytest.fixture
def fuzz_client(redis_url: str, nlu_cache: Path, tmp_path: Path, nlu) -> Iterator[TestClient]:
    shutil.copytree(nlu_cache, tmp_path / "cache")
    app = create_app(fuzz_settings(redis_url, tmp_path))
    with TestClient(app, base_url=fuzz.BASE_URL, raise_server_exceptions=False) as client:
        yield client


def operator_csrf(client: TestClient) -> str:
    """Logs a supervisor in (the client keeps the cookie); the console page's CSRF token."""

    async def add() -> None:
        await client.app.state.desk.accounts.add("fuzz", OPERATOR_PASSWORD, "supervisor")

    client.portal.call(add)
    client.post("/operator/login", data={"username": "fuzz", "password": OPERATOR_PASSWORD},
                follow_redirects=False)  # fmt: skip
    page = client.get("/operator")
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)


@pytest.fixture
def api_key(redis_url: str) -> str:
    async def make() -> str:
        redis = connect(redis_url)
        try:
            return await create_key(redis, "fuzz")
        finally:
            await redis.aclose()

    return asyncio.run(make())


def test_no_route_answers_a_hostile_request_with_a_server_error(
    fuzz_client: TestClient, api_key: str
) -> None:
    from twilio.request_validator import RequestValidator

    routes = fuzz.app_routes(fuzz_client.app)
    # Every channel is in the set: the chat API, both webhooks, the simulator, the console.
    paths = {route.path for route in routes}
    assert {"/api/v1/chat", "/webhooks/telegram", "/webhooks/twilio/voice",
            "/webhooks/twilio/messaging", "/simulator/ivr/step", "/operator/login",
            "/api/v1/bookings"} <= paths  # fmt: skip
    signer = RequestValidator(fuzz.TWILIO_TOKEN).compute_signature
    cap = fuzz_client.app.state.settings.max_body_bytes
    statuses: dict[int, int] = {}

    csrf = operator_csrf(fuzz_client)
    requests = fuzz.requests(routes, api_key=api_key, cap=cap, signer=signer, csrf=csrf)

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(requests)
    def no_server_error(request: fuzz.FuzzRequest) -> None:
        status = fuzz.send(fuzz_client, request)
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, request.describe()

    no_server_error()
    # The requests got past the door, not only 401/403/404 everywhere.
    assert statuses.get(422, 0) > 0 and statuses.get(200, 0) + statuses.get(201, 0) > 0
    # And some met the edge's own guards (413 too large, 400 unreadable). Which guard a seeded
    # run meets depends on the set of routes; tests/test_edge.py checks each guard by itself.
    assert statuses.get(413, 0) + statuses.get(400, 0) > 0


SCHEMA_EXAMPLES = 25  # per operation


def test_the_documented_api_never_answers_with_a_server_error(
    redis_url: str, nlu_cache: Path, tmp_path: Path, nlu, api_key: str
) -> None:
    """schemathesis: requests generated from the OpenAPI schema (valid and not), against the app
    under uvicorn, each answered without a 5xx."""
    import requests
    import schemathesis
    from schemathesis.checks import not_a_server_error

    from tests.live_server import serve_in_thread

    shutil.copytree(nlu_cache, tmp_path / "cache")
    app = create_app(fuzz_settings(redis_url, tmp_path))
    schema = schemathesis.openapi.from_dict(app.openapi())  # served only with DOST_API_DOCS
    operations = [result.ok() for result in schema.get_all_operations()]
    # The event stream never ends: it is not for a request-response checker.
    operations = [op for op in operations if not fuzz.ENDLESS.search(op.path)]
    assert len(operations) >= 10
    headers = {"Authorization": f"Bearer {api_key}"}
    with serve_in_thread(app) as base, requests.Session() as session:
        for operation in operations:

            @seed(SEED)
            @settings(max_examples=SCHEMA_EXAMPLES, deadline=None, database=None,
                      derandomize=True, suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(operation.as_strategy())
            def conforms(case) -> None:
                case.call_and_validate(base_url=base, session=session, headers=headers,
                                       checks=[not_a_server_error], timeout=30)  # fmt: skip

            conforms()
