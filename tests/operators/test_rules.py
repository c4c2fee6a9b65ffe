"""The console's hand-off rules: kept by supervisors (console API), checked by the dialogue after
each turn; a rule that holds offers an operator (consent first) with the reason "rule", once per
conversation. And a flow that cannot go on without a person hands off with the reason "flow"."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.catalog import t
from bot.choices import ChoiceId, Pick
from bot.operators.rules import Rule, Rules
from bot.report import build_report
from tests.operators.conftest import say
from tests.operators.test_console import (  # noqa: F401 (fixtures)
    add_operator,
    app,
    client,
    data_dir,
    login,
    settings,
)

QUESTION = "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"


def consent_reason(replies) -> str | None:
    """The hand-off reason the consent question's "yes" carries, if the replies ask it."""
    for out in replies:
        for c in out.choices:
            parsed = ChoiceId.parse(c.id)
            if parsed is not None and parsed.pick is Pick.HANDOFF_YES:
                return parsed.argument
    return None


async def test_a_keyword_rule_offers_an_operator_after_the_answer(live_engine, desk, ayla) -> None:
    await Rules(desk.redis).put(Rule(id="urgent", title="Təcili", keywords=["təcili"]))
    conversation = "web:rule-keyword"
    plain = await live_engine.handle(say(conversation, QUESTION))
    assert consent_reason(plain) is None  # no rule holds

    replies = await live_engine.handle(say(conversation, f"TƏCİLİ: {QUESTION}"))
    assert replies[-1].text == t("live.consent") and consent_reason(replies) == "rule"
    assert len(replies) > 1  # the turn's own answer first

    await live_engine.handle(say(conversation, "hə"))
    record = await desk.handoff(conversation)
    assert record["status"] == "queued" and record["reason"] == "rule"
    report = await build_report(desk)
    assert report["handoff_reasons"] == {"rule": 1}


async def test_a_rule_fires_once_and_repeats_count_the_same_intent(live_engine, desk, ayla) -> None:
    intent = live_engine.dialogue.nlu.parse(QUESTION)["intent"]["name"]
    await Rules(desk.redis).put(Rule(id="again", title="Yenə", intent=intent, repeats=2))
    conversation = "web:rule-repeats"
    first = await live_engine.handle(say(conversation, QUESTION))
    assert consent_reason(first) is None  # asked once
    second = await live_engine.handle(say(conversation, QUESTION))
    assert consent_reason(second) == "rule"  # asked twice
    declined = await live_engine.handle(say(conversation, "yox"))
    assert consent_reason(declined) is None
    third = await live_engine.handle(say(conversation, QUESTION))
    assert consent_reason(third) is None  # declined: not offered again by the same rule
    assert not await desk.is_open(conversation)


def test_a_rule_needs_a_condition() -> None:
    try:
        Rule(title="Boş")
    except ValueError as exc:
        assert "condition" in str(exc)
    else:
        raise AssertionError("a rule without a condition was accepted")


async def test_a_flow_that_needs_a_person_hands_off_with_reason_flow(
    live_engine, desk, ayla
) -> None:
    conversation = "web:flow-person"
    service = next(pid for pid in ("dost-2-2", "dost-7-6-2", "dost-8-1-0")
                   if pid in live_engine.flows)  # fmt: skip
    await live_engine.handle(say(conversation, live_engine.flows[service].name))
    # The check's button, as a screen would still show it (its passport names no users).
    check = str(ChoiceId(Pick.ELIGIBILITY))
    state = await live_engine.store.load(conversation)
    state.choices[check] = t("choice.eligibility_check")
    await live_engine.store.save(conversation, state)
    no_rules = await live_engine.handle(say(conversation, choice=check))
    assert no_rules[-1].text.startswith(t("eligibility.no_rules"))
    person = await live_engine.handle(say(conversation, choice=str(ChoiceId(Pick.PERSON))))
    assert consent_reason(person) == "flow"
    await live_engine.handle(say(conversation, "hə"))
    assert (await desk.handoff(conversation))["reason"] == "flow"


def test_supervisors_keep_the_rules_in_the_console(client: TestClient) -> None:  # noqa: F811
    add_operator(client, "ayla")
    add_operator(client, "boss", "supervisor")
    csrf = login(client, "ayla")
    body = {"title": "Şikayət", "keywords": ["şikayət", "narazıyam"]}
    assert client.get("/operator/api/rules").status_code == 403
    put = client.put("/operator/api/rules/complaints", headers={"X-CSRF-Token": csrf}, json=body)
    assert put.status_code == 403
    client.cookies.clear()
    csrf = login(client, "boss")
    headers = {"X-CSRF-Token": csrf}
    assert (
        client.put("/operator/api/rules/complaints", headers=headers, json=body).status_code == 200
    )
    empty = client.put("/operator/api/rules/empty", headers=headers, json={"title": "Boş"})
    assert empty.status_code == 422
    [rule] = client.get("/operator/api/rules").json()
    assert rule["id"] == "complaints" and rule["keywords"] == ["şikayət", "narazıyam"]
    assert client.delete("/operator/api/rules/complaints", headers=headers).status_code == 204
    assert client.get("/operator/api/rules").json() == []
    actions = [e["action"] for e in client.get("/operator/api/audit").json()]
    assert "rule_saved" in actions and "rule_deleted" in actions
