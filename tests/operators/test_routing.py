"""Routing by center: a hand-off from a conversation whose center is known goes to that center's
queue when an operator serves the center by name, else to the service group's queue."""

from __future__ import annotations

import pytest

from bot.choices import ChoiceId, Pick
from bot.operators.accounts import ALL_SKILLS
from tests.operators.conftest import say
from tests.operators.test_console import (  # noqa: F401 (fixtures)
    add_operator,
    app,
    client,
    data_dir,
    login,
    settings,
)

BOOKING_REQUEST = "özünüməşğulluq üçün növbəyə yazılmaq istəyirəm"


async def pick_a_center(engine, conversation: str) -> str:
    """The citizen picks a center in the booking dialogue; its id."""
    centers = await engine.handle(say(conversation, BOOKING_REQUEST))
    picks = [c.id for r in centers for c in r.choices]
    center_choice = next(p for p in picks if ChoiceId.parse(p).pick is Pick.CENTER)
    await engine.handle(say(conversation, choice=center_choice))
    return ChoiceId.parse(center_choice).argument


async def hand_off(engine, conversation: str) -> None:
    await engine.handle(say(conversation, "operatorla danışmaq istəyirəm"))
    await engine.handle(say(conversation, "hə"))


@pytest.mark.parametrize("center_operator", [True, False])
async def test_a_known_center_goes_to_the_centers_operators_if_any(
    live_engine, desk, center_operator: bool
) -> None:
    await desk.accounts.add("ayla", "uzun-bir-parol-1", "operator", skills=[ALL_SKILLS])
    conversation = f"web:routing-{center_operator}"
    center = await pick_a_center(live_engine, conversation)
    other = "baki-3" if center != "baki-3" else "baki-2"
    served = center if center_operator else other
    await desk.accounts.add("nigar", "uzun-bir-parol-1", "operator", skills=[f"center:{served}"])
    await hand_off(live_engine, conversation)
    record = await desk.handoff(conversation)
    assert record["status"] == "queued"
    group = live_engine.skill_of(record["service"])
    assert group.startswith("center:") is False
    assert record["skill"] == (f"center:{center}" if center_operator else group)


async def test_without_a_center_the_group_queue(live_engine, desk) -> None:
    await desk.accounts.add("nigar", "uzun-bir-parol-1", "operator", skills=["center:baki-1"])
    conversation = "web:routing-no-center"
    await live_engine.handle(
        say(conversation, "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır")
    )
    await live_engine.handle(say(conversation, "operatorla danışmaq istəyirəm"))
    await live_engine.handle(say(conversation, "hə"))
    record = await desk.handoff(conversation)
    assert record["skill"] == live_engine.skill_of(record["service"]) != "center:baki-1"


def test_the_console_offers_the_centers_served_for_a_transfer(client) -> None:  # noqa: F811
    add_operator(client, "boss", "supervisor")
    desk = client.app.state.desk
    client.portal.call(
        lambda: desk.accounts.add("nigar", "uzun-bir-parol-1", "operator", skills=["center:baki-1"])
    )
    login(client, "boss")
    skills = {s["id"]: s["name"] for s in client.get("/operator/api/colleagues").json()["skills"]}
    assert skills["center:baki-1"] == "1 saylı Bakı DOST Mərkəzi"
    assert "general" in skills
