"""`dost export rasa DIR`: a Rasa 3.1 project generated from the knowledge base.

- data/nlu.yml: the intents with the project's own training examples (nlu/data: the hand-written
  examples and the topic templates filled with service names marked as the `service` entity;
  never the NLU dev set), each also without Azerbaijani letters as typed on a phone; the
  synonyms that map every name and alias to its service id; a lookup table of the names.
- domain.yml: intents, entities, slots (the `service` among them), the custom actions, and a
  response per topic whose variations, one per service (a condition on the `service` slot),
  are the assistant's own answers with their source lines (interop.rasa.replies).
- data/rules.yml: each intent to its response or action.
- config.yml: an Azerbaijani pipeline: character n-grams within word boundaries (the language
  is agglutinative and often typed without its letters), DIET, the synonym mapper, a fallback.
- endpoints.yml, credentials.yml: the action server (`dost rasa-actions`) and the REST channel.

Service ids in the `service` slot are the passports' own ids; subjects only official pages
cover (knowledge/subjects.yaml) take their subject id there too.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.catalog import t
from bot.flows.compiler import topic_for_intent
from interop.rasa.replies import answered_topics, page_replies, passport_replies, shown
from knowledge.model import Passport
from knowledge.pages import PageKnowledge
from nlu.intents import INTENTS, TOPIC_INTENTS, load_examples, load_templates
from nlu.normalize import fold

RASA_VERSION = "3.1"
SERVICE = "service"
# The entities the built-in NLU finds (nlu/entities.py), for a Rasa pipeline that adds its own
# extractors for them; `service` is learned from the examples.
ENTITIES = (SERVICE, "date", "time", "phone", "center", "fin", "booking_code")
# Names each template is filled with (a seeded sample, as nlu.intents does for its own model).
NAMES_PER_TEMPLATE = 4
SEED = 20_251_122
PLACEHOLDER = "xservicex"  # stands for {service} while a template is folded

# The custom actions of the action server (interop/rasa/actions.py).
ACTION_ANSWER = "action_answer_topic"
ACTION_BOOK = "action_book_slot"
ACTION_LOOKUP = "action_lookup_booking"
ACTION_HANDOFF = "action_request_handoff"
ACTION_VERIFY = "action_verify_phone"
ACTIONS = (ACTION_ANSWER, ACTION_BOOK, ACTION_LOOKUP, ACTION_HANDOFF, ACTION_VERIFY)
# Intents answered by an action or a fixed text rather than a topic's response.
INTENT_ACTIONS = {
    "book_slot": ACTION_BOOK,
    "my_booking": ACTION_LOOKUP,
    "human_handoff": ACTION_HANDOFF,
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thanks": "utter_thanks",
    "out_of_scope": "utter_out_of_scope",
}
FIXED_TEXTS = {
    "utter_greet": "greet",
    "utter_goodbye": "goodbye",
    "utter_thanks": "thanks",
    "utter_out_of_scope": "out_of_scope",
    "utter_ask_service": "menu.which_service",
}


def response_name(topic_id: str) -> str:
    return f"utter_{topic_id}"


# --- nlu.yml ------------------------------------------------------------------------------------


def service_names(passports: Mapping[str, Passport], pages: PageKnowledge) -> dict[str, list[str]]:
    """service id → its names and aliases (passports), subject id → its title and aliases."""
    names = {pid: [p.name, p.display_name, *p.aliases] for pid, p in sorted(passports.items())}
    for sid, subject in sorted(pages.subjects.items()):
        if subject.passport is None:
            names[sid] = [subject.title, *subject.aliases]
    return {sid: _unique(" ".join(str(n).split()) for n in ns) for sid, ns in names.items()}


def _annotated(name: str, service_id: str) -> str:
    return f'[{name}]{{"entity": "{SERVICE}", "value": "{service_id}"}}'


def _markable(name: str) -> bool:
    """Rasa's markup cannot hold a name with brackets or braces."""
    return not any(c in name for c in "[]{}")


def intent_examples(names: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """intent → examples: hand-written ones and filled templates, each also folded."""
    examples = load_examples()
    pool = [(n, sid) for sid, ns in sorted(names.items()) for n in ns if _markable(n)]
    rng = random.Random(SEED)
    out: dict[str, list[str]] = {}
    for intent in INTENTS:
        texts: list[str] = []
        for text in examples.get(intent, ()):
            texts += [text, fold(text)]
        if intent in TOPIC_INTENTS:
            for language in ("az", "ru"):
                for template in load_templates(language=language).get(intent, ()):
                    for name, sid in rng.sample(pool, min(NAMES_PER_TEMPLATE, len(pool))):
                        texts += _filled(template, name, sid)
        out[intent] = _unique(x for x in texts if x.strip())
    return out


def _filled(template: str, name: str, service_id: str) -> list[str]:
    """The template with the name marked as the service, as written and folded."""
    written = template.replace("{service}", _annotated(name, service_id))
    folded = fold(template.replace("{service}", PLACEHOLDER))
    if PLACEHOLDER not in folded:
        return [written]
    return [written, folded.replace(PLACEHOLDER, _annotated(fold(name), service_id))]


def nlu_data(names: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"intent": intent, "examples": _block(texts)}
        for intent, texts in intent_examples(names).items()
    ]
    for sid, ns in sorted(names.items()):
        synonyms = _unique([*ns, *(fold(n) for n in ns)])
        items.append({"synonym": sid, "examples": _block(synonyms)})
    everything = _unique(n for ns in names.values() for n in ns)
    items.append({"lookup": SERVICE, "examples": _block(everything)})
    return {"version": RASA_VERSION, "nlu": items}


# --- domain.yml ---------------------------------------------------------------------------------


def responses(passports: Mapping[str, Passport], pages: PageKnowledge) -> dict[str, list[dict]]:
    """A response per answered topic: a variation per service (its `service` slot value) with
    the assistant's replies and their sources, and, for an unset slot, the question which
    service is meant; plus the fixed texts."""
    out: dict[str, list[dict]] = {name: [{"text": t(key)}] for name, key in FIXED_TEXTS.items()}
    subjects = sorted(s for s, subject in pages.subjects.items() if subject.passport is None)
    for topic_id in answered_topics():
        variations = []
        for pid, passport in sorted(passports.items()):
            variations.append(_variation(pid, passport_replies(passport, pages, topic_id)))
        for sid in subjects:
            variations.append(_variation(sid, page_replies(pages, sid, topic_id)))
        variations.append({"text": t("menu.which_service")})
        out[response_name(topic_id)] = variations
    return out


def _variation(service_id: str, replies: list) -> dict[str, Any]:
    sources = [s.model_dump(exclude_none=True) for r in replies for s in r.sources]
    return {
        "condition": [{"type": "slot", "name": SERVICE, "value": service_id}],
        "text": shown(replies),
        "metadata": {"sources": sources},
    }


def domain(passports: Mapping[str, Passport], pages: PageKnowledge) -> dict[str, Any]:
    entity_slots = {
        name: {
            "type": "text",
            "influence_conversation": name == SERVICE,
            "mappings": [{"type": "from_entity", "entity": name}],
        }
        for name in ENTITIES
    }
    return {
        "version": RASA_VERSION,
        "intents": list(INTENTS),
        "entities": list(ENTITIES),
        "slots": entity_slots,
        "actions": list(ACTIONS),
        "responses": responses(passports, pages),
        "session_config": {
            "session_expiration_time": 60,
            "carry_over_slots_to_new_session": True,
        },
    }


# --- rules.yml, config.yml, endpoints ------------------------------------------------------------


def rules() -> dict[str, Any]:
    """Each intent to what answers it: a topic's response (the action server's
    `action_answer_topic` answers narrower questions too, see docs/rasa.md), an action, or a
    fixed text."""
    found = []
    for intent in INTENTS:
        topic = topic_for_intent(intent)
        if intent in INTENT_ACTIONS:
            action = INTENT_ACTIONS[intent]
        elif topic is not None and topic.action is None:
            action = response_name(topic.id)
        else:
            continue
        found.append({"rule": f"answer {intent}", "steps": [{"intent": intent},
                                                           {"action": action}]})  # fmt: skip
    return {"version": RASA_VERSION, "rules": found}


def config() -> dict[str, Any]:
    return {
        "recipe": "default.v1",
        "language": "az",
        "assistant_id": "dost-assistant",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "RegexFeaturizer", "use_lookup_tables": True},
            {"name": "LexicalSyntacticFeaturizer"},
            # Suffixes carry the meaning in Azerbaijani: n-grams of letters within words.
            {
                "name": "CountVectorsFeaturizer",
                "analyzer": "char_wb",
                "min_ngram": 2,
                "max_ngram": 5,
            },
            {"name": "CountVectorsFeaturizer", "analyzer": "word"},
            {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True},
            {"name": "RegexEntityExtractor", "use_lookup_tables": True},
            {"name": "EntitySynonymMapper"},
            {"name": "FallbackClassifier", "threshold": 0.4},
        ],
        "policies": [{"name": "RulePolicy"}],
    }


def endpoints(action_server_url: str) -> dict[str, Any]:
    # Rasa reads `${VAR}` from its environment and sends the token as `?token=`: the action
    # server refuses requests without it (interop/rasa/actions.py RequireToken).
    return {"action_endpoint": {"url": action_server_url, "token": "${DOST_RASA_ACTIONS_TOKEN}"}}


def credentials() -> dict[str, Any]:
    return {"rest": None}


# --- the whole project --------------------------------------------------------------------------


def export_project(
    out_dir: Path,
    passports: Mapping[str, Passport],
    pages: PageKnowledge,
    action_server_url: str = "http://localhost:5055/webhook",
) -> list[Path]:
    """Writes the project into `out_dir`; returns the files written."""
    names = service_names(passports, pages)
    files = {
        "config.yml": config(),
        "domain.yml": domain(passports, pages),
        "data/nlu.yml": nlu_data(names),
        "data/rules.yml": rules(),
        "endpoints.yml": endpoints(action_server_url),
        "credentials.yml": credentials(),
    }
    written = []
    for relative, content in files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(content), encoding="utf-8")
        written.append(path)
    return written


def dump(content: Any) -> str:
    return yaml.dump(content, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (example blocks, answers) as literal blocks, as Rasa files write them."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _block(texts: Iterable[str]) -> str:
    return "".join(f"- {text}\n" for text in texts)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
