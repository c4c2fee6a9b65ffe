"""NLU_BACKEND=rasa: the assistant asks a Rasa server (a local fake on a real socket) and maps
its answer; down, slow or failing, the built-in NLU answers, with one warning per outage and
one info line when Rasa is back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog

from bot.config import Settings
from bot.messages import Inbound
from dost.interop import configured_nlu
from interop.rasa.nlu_backend import RasaNLU, rasa_nlu
from tests.rasa_fake import FakeRasa, rasa_parse

SELF_EMPLOYMENT = "02-04-10-00"


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def backend(rasa: FakeRasa, nlu, ticks: Ticks) -> Iterator[RasaNLU]:
    backend = rasa_nlu(rasa.url, nlu, timeout_seconds=0.5)
    backend.monotonic = ticks
    yield backend
    backend.close()


def test_rasa_decides_intent_and_service(rasa: FakeRasa, backend: RasaNLU) -> None:
    entity = {
        "entity": "service",
        "value": SELF_EMPLOYMENT,
        "start": 0,
        "end": 14,
        "confidence_entity": 0.97,
        "extractor": "DIETClassifier",
    }
    rasa.parse = lambda text: rasa_parse(text, "ask_fee", 0.91, [entity])
    parsed = backend.parse("özünüməşğulluq sabah saat 10-da")
    assert rasa.requests == [("/model/parse", {"text": "özünüməşğulluq sabah saat 10-da"})]
    assert parsed["intent"] == {"name": "ask_fee", "confidence": 0.91}
    assert [i["name"] for i in parsed["intent_ranking"]] == ["ask_fee", "out_of_scope"]
    assert parsed["service"]["id"] == SELF_EMPLOYMENT and parsed["service"]["confidence"] == 0.97
    assert [s["id"] for s in parsed["services"]] == [SELF_EMPLOYMENT]
    # Dates and times stay the built-in extractor's normalized values.
    assert {e["entity"] for e in parsed["entities"]} >= {"date", "time"}


def test_a_service_name_rasa_did_not_map_is_matched_by_name(
    rasa: FakeRasa, backend: RasaNLU
) -> None:
    entity = {"entity": "service", "value": "özünüməşğulluq proqramı", "start": 0, "end": 23}
    rasa.parse = lambda text: rasa_parse(text, "ask_documents", 0.8, [entity])
    parsed = backend.parse("özünüməşğulluq proqramı sənədlər")
    assert parsed["service"]["id"] == SELF_EMPLOYMENT


def test_a_page_subject_is_the_subject(rasa: FakeRasa, backend: RasaNLU) -> None:
    entity = {"entity": "service", "value": "pensions", "start": 0, "end": 7}
    rasa.parse = lambda text: rasa_parse(text, "ask_documents", 0.8, [entity])
    parsed = backend.parse("pensiya üçün sənədlər")
    assert parsed["service"] is None
    assert parsed["subject"]["id"] == "pensions" and parsed["subject"]["covered"] is True


def test_rasas_fallback_intent_is_a_low_confidence(rasa: FakeRasa, backend: RasaNLU) -> None:
    rasa.parse = lambda text: {
        **rasa_parse(text, "ask_fee", 0.3),
        "intent": {"name": "nlu_fallback", "confidence": 0.7},
    }
    parsed = backend.parse("hmm")
    assert parsed["intent"]["name"] == "ask_fee"
    assert parsed["intent"]["confidence"] < backend.threshold  # the dialogue asks again


@pytest.mark.parametrize("failure", ["down", "error", "slow", "foreign"])
def test_an_outage_falls_back_with_one_warning_and_one_recovery(
    rasa: FakeRasa, backend: RasaNLU, nlu, ticks: Ticks, failure: str
) -> None:
    rasa.parse = lambda text: rasa_parse(text, "thanks", 0.99)
    if failure == "down":
        rasa.stop()
    elif failure == "error":
        rasa.status = 500
    elif failure == "foreign":  # a body that is not Rasa's
        rasa.parse = lambda text: {"intent": {"name": "thanks"}, "intent_ranking": [{}]}
    else:
        rasa.delay = 1.0  # over the 0.5 s timeout
    with structlog.testing.capture_logs() as logs:
        answers = []
        for _ in range(5):
            answers.append(backend.parse("sənədlər hansılardır"))
            ticks.now += 10  # retried after 30 s: once more within these messages
        asked_while_down = len(rasa.requests)
        if failure == "down":
            rasa.start()
        rasa.status, rasa.delay = 200, 0.0
        rasa.parse = lambda text: rasa_parse(text, "thanks", 0.99)
        ticks.now += 30
        back = backend.parse("sənədlər hansılardır")
        again = backend.parse("çox sağ olun")
    builtin = nlu.parse("sənədlər hansılardır")
    assert all(a["intent"] == builtin["intent"] for a in answers)  # the built-in NLU answered
    assert back["intent"]["name"] == again["intent"]["name"] == "thanks"  # Rasa again
    warnings = [e for e in logs if e["log_level"] == "warning"]
    infos = [e for e in logs if e["log_level"] == "info"]
    assert len(warnings) == 1 and "unavailable" in warnings[0]["event"]
    assert warnings[0]["reason"]  # why, in the one line
    assert len(infos) == 1 and "again" in infos[0]["event"]
    if failure != "down":
        assert asked_while_down == 2  # the first message and one retry, not all five


def test_settings_choose_the_backend(rasa: FakeRasa, data_dir) -> None:
    settings = Settings(NLU_BACKEND="rasa", RASA_URL=rasa.url, DOST_DATA_DIR=data_dir)
    assert isinstance(configured_nlu(settings), RasaNLU)
    assert not isinstance(configured_nlu(Settings(DOST_DATA_DIR=data_dir)), RasaNLU)
    with pytest.raises(SystemExit):
        configured_nlu(Settings(NLU_BACKEND="rasa", DOST_DATA_DIR=data_dir))


async def test_the_assistant_answers_with_rasa_down(redis_url: str, nlu, clock) -> None:
    from bot.engine import Engine
    from bot.redis_conn import connect
    from knowledge.centers import default_centers
    from knowledge.store import default_passports

    fake = FakeRasa().start()
    fake.stop()  # a port nothing listens on
    backend = rasa_nlu(fake.url, nlu, timeout_seconds=0.5)
    client = connect(redis_url)
    engine = Engine(client, backend, default_passports(), default_centers(), clock=clock)
    try:
        with structlog.testing.capture_logs() as logs:
            question = "özünüməşğulluq üçün hansı sənədlər lazımdır"
            first = await engine.handle(
                Inbound(conversation_id="web:r1", channel="web", text=question)
            )
            second = await engine.handle(
                Inbound(conversation_id="web:r2", channel="web", text="salam")
            )
    finally:
        await client.aclose()
        backend.close()
    assert "sənəd" in first[0].text and first[0].service == SELF_EMPLOYMENT
    assert second and second[0].text
    assert len([e for e in logs if "rasa" in e["event"]]) == 1


@pytest.mark.parametrize("rasa_up", [True, False])
def test_the_service_with_nlu_backend_rasa(
    rasa: FakeRasa, redis_url: str, data_dir, rasa_up: bool
) -> None:
    """`dost serve`'s app as configured: Rasa's intent when it answers; down, the built-in
    NLU's answer and one warning however many messages."""
    from fastapi.testclient import TestClient

    from dost.app import create_app

    rasa.parse = lambda text: rasa_parse(text, "thanks", 0.99)
    if not rasa_up:
        rasa.stop()
    settings = Settings(
        REDIS_URL=redis_url,
        DOST_DATA_DIR=data_dir,
        NLU_BACKEND="rasa",
        RASA_URL=rasa.url,
        RASA_TIMEOUT=0.5,
    )
    question = "özünüməşğulluq üçün hansı sənədlər lazımdır"
    with structlog.testing.capture_logs() as logs, TestClient(create_app(settings)) as client:
        answers = [
            client.post("/api/v1/chat", json={"conversation_id": f"rasa-web-{n}", "text": question})
            for n in range(3)
        ]
    assert all(a.status_code == 200 for a in answers)
    intents = {a.json()["intent"] for a in answers}
    assert intents == ({"thanks"} if rasa_up else {"ask_documents"})
    warned = [e for e in logs if e["log_level"] == "warning" and "rasa" in e["event"]]
    assert len(warned) == (0 if rasa_up else 1)
