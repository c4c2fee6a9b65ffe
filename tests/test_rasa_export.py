"""`dost export rasa DIR`: every file passes Rasa's own schemas (pykwalify, the schemas copied
into interop/rasa/schemas), and every topic's response for every passport and every page-only
subject carries exactly the replies, facts and source lines the assistant gives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pykwalify.core import Core
from pykwalify.errors import SchemaError

from bot.dialogue import Dialogue, Turn
from bot.flows.compiler import compile_flows
from bot.handoff import CallCenterHandoff
from bot.state import ConversationState
from dost.cli import main
from interop.rasa.export import ACTIONS, response_name
from interop.rasa.replies import answered_topics
from knowledge.centers import default_centers
from knowledge.pages import default_page_knowledge
from knowledge.store import default_passports
from nlu.intents import INTENTS
from nlu.normalize import normalize

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "interop" / "rasa" / "schemas"
EXTENSION = REPO / "interop" / "rasa" / "schema_ext.py"
DEV_SET = REPO / "tests" / "data" / "nlu_dev.tsv"
PASSPORTS = default_passports()
PAGES = default_page_knowledge()
SUBJECTS = sorted(s for s, subject in PAGES.subjects.items() if subject.passport is None)
TOPICS = answered_topics()
# A marked entity: [text]{"entity": "service", "value": "id"}
MARKED = re.compile(r'\[([^\]]+)\]\{"entity": "service", "value": "([^"]+)"\}')


def validate(data: Any, schema: str) -> None:
    """Rasa's own check of a training-data file: its schema with the responses schema."""
    core = Core(
        source_data=data,
        schema_files=[str(SCHEMAS / schema), str(SCHEMAS / "responses.yml")],
        extensions=[str(EXTENSION)],
    )
    core.validate(raise_exception=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rasa")
    assert main(["export", "rasa", str(out)]) == 0
    return out


def load(project: Path, name: str) -> Any:
    return yaml.safe_load((project / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "schema"),
    [("domain.yml", "domain.yml"), ("data/nlu.yml", "nlu.yml"), ("data/rules.yml", "stories.yml")],
)
def test_each_file_passes_rasas_schema(project: Path, name: str, schema: str) -> None:
    data = load(project, name)
    assert data["version"] == "3.1"
    validate(data, schema)


def test_the_validation_rejects_what_rasa_rejects() -> None:
    with pytest.raises(SchemaError):  # a variation that says nothing
        validate({"responses": {"utter_x": [{"metadata": {}}]}}, "domain.yml")
    with pytest.raises(SchemaError):  # an example list where a text block belongs
        validate({"nlu": [{"intent": "greet", "examples": [1, 2]}]}, "nlu.yml")
    with pytest.raises(SchemaError):
        validate({"rules": [{"rule": "r", "steps": [{"action": ["a", "b"]}]}]}, "stories.yml")


def test_config_is_an_azerbaijani_char_ngram_pipeline(project: Path) -> None:
    config = load(project, "config.yml")
    assert config["language"] == "az"
    names = [c["name"] for c in config["pipeline"]]
    assert {"DIETClassifier", "EntitySynonymMapper", "FallbackClassifier"} <= set(names)
    chars = [c for c in config["pipeline"] if c.get("analyzer") == "char_wb"]
    assert chars and chars[0]["name"] == "CountVectorsFeaturizer" and chars[0]["max_ngram"] >= 4
    action_endpoint = load(project, "endpoints.yml")["action_endpoint"]
    assert action_endpoint["url"].endswith("/webhook")
    assert action_endpoint["token"] == "${DOST_RASA_ACTIONS_TOKEN}"  # Rasa fills it in


def _blocks(nlu: dict, kind: str) -> dict[str, list[str]]:
    return {
        item[kind]: [x[2:] for x in item["examples"].splitlines() if x.startswith("- ")]
        for item in nlu["nlu"]
        if kind in item
    }


def test_nlu_data_has_every_intent_names_services_and_keeps_off_the_dev_set(project: Path) -> None:
    nlu = load(project, "data/nlu.yml")
    intents = _blocks(nlu, "intent")
    assert list(intents) == list(INTENTS)
    assert all(len(examples) >= 40 for examples in intents.values())
    marked = [m for ex in intents["ask_fee"] for m in MARKED.findall(ex)]
    assert marked and {sid for _, sid in marked} <= set(PASSPORTS) | set(SUBJECTS)
    synonyms = _blocks(nlu, "synonym")
    assert set(synonyms) == set(PASSPORTS) | set(SUBJECTS)
    for pid, passport in PASSPORTS.items():
        assert passport.display_name in synonyms[pid]
        assert passport.display_name in _blocks(nlu, "lookup")["service"]
    dev = {normalize(line.split("\t")[0]) for line in DEV_SET.read_text(encoding="utf-8")
           .splitlines() if line.strip() and not line.startswith("#")}  # fmt: skip
    plain = {normalize(MARKED.sub(r"\1", ex)) for exs in intents.values() for ex in exs}
    assert dev and not dev & plain


def test_rules_lead_to_responses_or_actions_of_the_domain(project: Path) -> None:
    domain = load(project, "domain.yml")
    known = set(domain["responses"]) | set(domain["actions"])
    assert set(ACTIONS) <= set(domain["actions"])
    steps = [step for rule in load(project, "data/rules.yml")["rules"] for step in rule["steps"]]
    actions = [s["action"] for s in steps if "action" in s]
    assert actions and set(actions) <= known
    assert {"action_request_handoff", "action_book_slot", "utter_fee"} <= set(actions)


@pytest.fixture(scope="module")
def dialogue() -> Dialogue:
    """The assistant's dialogue over the packaged knowledge (answers need no NLU or Redis)."""
    centers = default_centers()
    return Dialogue(None, PASSPORTS, centers, compile_flows(PASSPORTS), CallCenterHandoff(centers))


def _variation(domain: dict, topic: str, service: str) -> dict:
    found = [
        v
        for v in domain["responses"][response_name(topic)]
        if v.get("condition") == [{"type": "slot", "name": "service", "value": service}]
    ]
    assert len(found) == 1, (topic, service)
    return found[0]


def _said(turn: Turn) -> tuple[str, list[dict]]:
    text = "\n\n".join(reply.shown_text for reply in turn.replies)
    sources = [s.model_dump(exclude_none=True) for r in turn.replies for s in r.sources]
    return text, sources


@pytest.fixture(scope="module")
def domain(project: Path) -> dict:
    return load(project, "domain.yml")


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("service", sorted(PASSPORTS))
def test_every_passport_topic_response_is_the_assistants_answer(
    domain: dict, dialogue: Dialogue, service: str, topic: str
) -> None:
    turn = Turn()
    dialogue._answer(ConversationState(service=service), topic, turn)
    text, sources = _said(turn)
    variation = _variation(domain, topic, service)
    assert variation["text"] == text
    assert variation["metadata"]["sources"] == sources
    assert all(s["passport"] == service for s in sources if s["field"] != "page")
    assert PASSPORTS[service].display_name in variation["text"]  # it names its service
    if turn.replies[0].source_line:  # the passport's source line, word for word
        assert turn.replies[0].source_line in variation["text"]
    assert "{" not in variation["text"]  # Rasa would take it for a slot to fill


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_page_subject_topic_response_is_the_assistants_answer(
    domain: dict, dialogue: Dialogue, subject: str, topic: str
) -> None:
    turn = Turn()
    dialogue.pages.answer(ConversationState(), subject, topic, turn)
    text, sources = _said(turn)
    variation = _variation(domain, topic, subject)
    assert variation["text"] == text and variation["metadata"]["sources"] == sources
    assert all(s["url"] in text for s in sources)  # each page cited by its address


def test_an_unset_service_is_asked_for(domain: dict) -> None:
    for topic in TOPICS:
        plain = [v for v in domain["responses"][response_name(topic)] if "condition" not in v]
        assert [v["text"] for v in plain] == ["Hansı xidmət barədə soruşursunuz? Xidməti seçin "
                                              "və ya adını yazın."]  # fmt: skip
