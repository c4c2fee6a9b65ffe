"""The YAML conversation stories, each run against the real engine and Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.stories import load_stories, run_story

STORIES = Path(__file__).resolve().parent / "stories"
CASES = [
    pytest.param(story, id=f"{path.stem}: {story['story']}")
    for path in sorted(STORIES.glob("*.yml"))
    for story in load_stories(path)
]


@pytest.mark.parametrize("story", CASES)
async def test_story(engine, story: dict) -> None:
    result = await run_story(engine, story)
    assert result.passed, "\n".join(result.failures)


def test_every_topic_of_every_passport_has_a_story() -> None:
    """Each passport is asked about every topic of its menu in a story about that service."""
    from bot.flows.compiler import compile_flows, topics
    from knowledge.store import default_passports

    asked: dict[str, set[str]] = {}
    for path in STORIES.glob("*.yml"):
        for story in load_stories(path):
            steps = story["steps"]
            services = {s["service"] for s in steps if "service" in s}
            for service in services:
                asked.setdefault(service, set()).update(s["intent"] for s in steps if "intent" in s)
    for service_id, flow in compile_flows(default_passports()).items():
        wanted = {topics()[t].intent for t in flow.menu if topics()[t].action is None} - {
            "service_info"
        }
        missing = wanted - asked.get(service_id, set())
        assert not missing, f"{service_id}: no story asks {sorted(missing)}"
