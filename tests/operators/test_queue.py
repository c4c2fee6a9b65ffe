"""The hand-off queue in Redis: exactly one owner under races, fair offers by load within
capacity, lapsed offers to the next operator, lost heartbeats re-queued, freed capacity filled at
once."""

from __future__ import annotations

import asyncio
import random

from bot.operators.queue import HandoffQueue
from bot.redis_conn import connect

SECOND = 1000


def ms(clock) -> int:
    return int(clock.now().timestamp() * 1000)


async def test_a_thousand_concurrent_takes_give_one_owner(redis, redis_url, clock) -> None:
    queue = HandoffQueue(redis)
    await queue.enqueue("web:race", "general", ms(clock), channel="web")
    # Separate clients, so the takes really travel side by side.

    clients = [connect(redis_url) for _ in range(20)]
    queues = [HandoffQueue(c) for c in clients]
    try:
        results = await asyncio.gather(
            *(queues[i % len(queues)].take("web:race", f"op{i}", ms(clock)) for i in range(1000))
        )
    finally:
        for c in clients:
            await c.aclose()
    winners = [i for i, (outcome, _) in enumerate(results) if outcome == "taken"]
    assert len(winners) == 1
    owner = f"op{winners[0]}"
    assert {owner_ for outcome, owner_ in results if outcome != "taken"} == {owner}
    record = await queue.record("web:race")
    assert record["status"] == "assigned" and record["operator"] == owner
    assert await queue.held(owner) == ["web:race"]
    assert (await queue.seat(owner))["load"] == "1"


async def test_offers_go_to_the_least_loaded_and_never_past_capacity(redis, clock) -> None:
    """300 hand-offs over 5 operators of capacity 3: at every moment the busiest and the least
    busy differ by at most one in chats had, and in chats held whenever they all ended one
    (an operator who just ended a chat has one less until the next hand-off); nobody holds more
    than 3."""
    queue = HandoffQueue(redis)
    names = [f"op{i}" for i in range(5)]
    for name in names:
        await queue.heartbeat(name, 3, ["*"], ms(clock))
    rng = random.Random(14)
    had = dict.fromkeys(names, 0)
    arrived = 0

    async def check(offers, *, settled: bool = True) -> None:
        """`settled`: not halfway through a round of operators ending chats."""
        for offer in offers:
            had[offer.operator] += 1
        loads = [int((await queue.seat(n))["load"]) for n in names]
        assert max(loads) <= 3
        if settled:
            assert max(loads) - min(loads) <= 1, loads
        assert max(had.values()) - min(had.values()) <= 1, had

    while arrived < 300 or any([await queue.held(n) for n in names]):
        for _ in range(rng.randint(0, 6)):  # a burst of hand-offs
            if arrived < 300:
                _, offers = await queue.enqueue(f"web:c{arrived}", "general", ms(clock))
                arrived += 1
                await check(offers)
        clock.advance(seconds=1)
        for name in names:  # every operator heartbeats, takes what was offered, ends one chat
            await queue.heartbeat(name, 3, ["*"], ms(clock))
            held = await queue.held(name)
            for conversation in held:
                assert (await queue.take(conversation, name, ms(clock)))[0] == "taken"
            if held:
                finished = await queue.close(min(held), name, ms(clock))
                assert finished.status == "closed"
                await check(finished.offers, settled=False)
        await check([])
    assert sum(had.values()) == 300


async def test_freed_capacity_takes_the_next_chat_at_once(redis, clock) -> None:
    queue = HandoffQueue(redis)
    await queue.heartbeat("ayla", 1, ["*"], ms(clock))
    _, offers = await queue.enqueue("web:first", "general", ms(clock))
    assert [(o.conversation, o.operator) for o in offers] == [("web:first", "ayla")]
    _, offers = await queue.enqueue("web:second", "general", ms(clock) + 1)
    assert offers == [] and await queue.position("web:second", "general") == 1
    await queue.take("web:first", "ayla", ms(clock))
    finished = await queue.close("web:first", "ayla", ms(clock))
    assert [(o.conversation, o.operator) for o in finished.offers] == [("web:second", "ayla")]


async def test_skills_route_to_the_operators_who_serve_them(redis, clock) -> None:
    queue = HandoffQueue(redis)
    await queue.heartbeat("pension", 2, ["pensions_benefits"], ms(clock))
    _, offers = await queue.enqueue("web:job", "employment", ms(clock))
    assert offers == []
    _, offers = await queue.enqueue("web:pension", "pensions_benefits", ms(clock))
    assert [(o.conversation, o.operator) for o in offers] == [("web:pension", "pension")]
    _, offers = await queue.heartbeat("any", 2, ["*"], ms(clock))
    assert [(o.conversation, o.operator) for o in offers] == [("web:job", "any")]


async def test_an_offer_not_answered_in_time_goes_to_the_next_operator(redis, clock) -> None:
    queue = HandoffQueue(redis, offer_seconds=60)
    await queue.heartbeat("ayla", 3, ["*"], ms(clock))
    await queue.heartbeat("bahar", 3, ["*"], ms(clock) + 1)
    await queue.enqueue("web:busy", "general", ms(clock))  # ayla (tie: name) gets the first
    _, offers = await queue.enqueue("web:late", "general", ms(clock))
    assert [o.operator for o in offers] == ["bahar"]
    await queue.take("web:busy", "ayla", ms(clock))

    async def alive_for(seconds: int) -> None:
        for _ in range(seconds):
            clock.advance(seconds=1)
            await queue.heartbeat("ayla", 3, ["*"], ms(clock))
            await queue.heartbeat("bahar", 3, ["*"], ms(clock))

    await alive_for(59)
    assert (await queue.expire(ms(clock))).lapsed == []
    await alive_for(2)
    expired = await queue.expire(ms(clock))
    assert [(m.conversation, m.operator) for m in expired.lapsed] == [("web:late", "bahar")]
    # Back at the head of the queue and offered at once to the next operator, although ayla
    # is busier: bahar let it lapse.
    assert [(o.conversation, o.operator) for o in expired.offers] == [("web:late", "ayla")]
    assert (await queue.take("web:late", "bahar", ms(clock)))[0] == "held"
    record = await queue.record("web:late")
    assert record["declined"] == "bahar" and record["requeues"] == "1"


async def test_a_lapsed_offer_goes_back_to_the_head_of_the_queue(redis, clock) -> None:
    queue = HandoffQueue(redis, offer_seconds=60)
    await queue.heartbeat("ayla", 1, ["*"], ms(clock))
    await queue.enqueue("web:a", "general", ms(clock))
    for i in range(3):
        await queue.enqueue(f"web:later{i}", "general", ms(clock) + i + 1)
    for _ in range(61):
        clock.advance(seconds=1)
        await queue.heartbeat("ayla", 1, ["*"], ms(clock))
    expired = await queue.expire(ms(clock))
    # Ayla is the only operator: the chat comes back to her, still ahead of the others.
    assert [(o.conversation, o.operator) for o in expired.offers] == [("web:a", "ayla")]
    assert await queue.queued("general") == ["web:later0", "web:later1", "web:later2"]


async def test_a_silent_console_goes_offline_and_its_chats_are_requeued(redis, clock) -> None:
    queue = HandoffQueue(redis, heartbeat_timeout_seconds=30)
    await queue.heartbeat("ayla", 2, ["*"], ms(clock))
    await queue.enqueue("web:one", "general", ms(clock))
    await queue.enqueue("web:two", "general", ms(clock) + 1)
    await queue.take("web:one", "ayla", ms(clock))
    await queue.enqueue("web:three", "general", ms(clock) + 2)  # waits: ayla is full
    clock.advance(seconds=20)
    assert (await queue.expire(ms(clock))).requeued == []
    clock.advance(seconds=11)
    expired = await queue.expire(ms(clock))
    assert sorted((m.conversation, m.operator) for m in expired.requeued) == [
        ("web:one", "ayla"),
        ("web:two", "ayla"),
    ]
    assert expired.offers == [] and await queue.online(ms(clock)) == []
    queued = await queue.queued("general")
    assert queued[-1] == "web:three" and set(queued[:2]) == {"web:one", "web:two"}
    # Back online: the re-queued chats come first.
    _, offers = await queue.heartbeat("bahar", 2, ["*"], ms(clock))
    assert {o.conversation for o in offers} == {"web:one", "web:two"}


async def test_transfer_to_a_colleague_or_another_skill(redis, clock) -> None:
    queue = HandoffQueue(redis)
    await queue.heartbeat("ayla", 2, ["general"], ms(clock))
    await queue.enqueue("web:t", "general", ms(clock))
    await queue.take("web:t", "ayla", ms(clock))
    moved, _ = await queue.transfer("web:t", "ayla", ms(clock), colleague="bahar")
    assert moved and (await queue.record("web:t"))["operator"] == "bahar"
    assert (await queue.take("web:t", "bahar", ms(clock)))[0] == "taken"
    assert not (await queue.transfer("web:t", "ayla", ms(clock), skill="employment"))[0]
    moved, _ = await queue.transfer("web:t", "bahar", ms(clock), skill="employment")
    assert moved and await queue.queued("employment") == ["web:t"]
    assert await queue.held("bahar") == []
    _, offers = await queue.heartbeat("jobs", 1, ["employment"], ms(clock))
    assert [(o.conversation, o.operator) for o in offers] == [("web:t", "jobs")]


async def test_the_same_conversation_is_queued_once(redis, clock) -> None:
    queue = HandoffQueue(redis)
    created, _ = await queue.enqueue("web:twice", "general", ms(clock))
    again, _ = await queue.enqueue("web:twice", "general", ms(clock) + SECOND)
    assert created and not again
    assert await queue.queued("general") == ["web:twice"]
    finished = await queue.abandon("web:twice", ms(clock))
    assert finished.status == "abandoned" and await queue.queued("general") == []
