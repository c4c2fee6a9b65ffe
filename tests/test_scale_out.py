"""Two processes on one Redis, as `dost serve` twice and `dost worker` twice would be: a
conversation continues whichever process answers, one person's messages are handled one at a
time across both, a reminder scheduled by both is queued once and sent once by two workers."""

from __future__ import annotations

import asyncio

import pytest
import time_machine

from bot import delivery
from bot.delivery import delivery_status
from bot.engine import Engine
from bot.jobs_keys import QUEUE
from bot.jobs_redis import arq_pool
from bot.messages import Inbound
from bot.push import Push
from bot.redis_conn import connect
from bot.reminders import job_id, reminder_key
from bot.worker import build_worker
from channels.web_push import WebSender
from knowledge.centers import default_centers
from knowledge.store import default_passports
from tests.jobs import ProcessClock
from tests.test_reminders import MONDAY_10, NOW, book, queued, reminding_store


def said(conversation: str, text: str) -> Inbound:
    return Inbound(conversation_id=conversation, channel="web", text=text)


@pytest.fixture
async def two_engines(redis_url: str, nlu, clock):
    clients = [connect(redis_url), connect(redis_url)]
    yield [
        Engine(c, nlu, default_passports(), default_centers(), ttl_seconds=600, clock=clock)
        for c in clients
    ]
    for client in clients:
        await client.aclose()


async def test_a_conversation_continues_on_the_other_process(two_engines) -> None:
    first, second = two_engines
    await first.handle(said("web:twoproc", "özünüməşğulluq proqramı"))
    replies = await second.handle(said("web:twoproc", "hansı sənədlər lazımdır"))
    assert replies[-1].service == "02-04-10-00"  # the service from the first process's turn
    assert "Şəxsiyyət vəsiqəsi" in replies[-1].text


async def test_messages_at_once_on_both_processes_are_handled_in_turn(two_engines) -> None:
    turns = [
        engine.handle(said("web:both", f"salam {i}")) for i in range(6) for engine in two_engines
    ]
    await asyncio.gather(*turns)
    roles = [entry["role"] for entry in await two_engines[0].transcript("web:both")]
    assert roles == ["user", "bot"] * 12
    assert (await two_engines[1].store.load("web:both")).turns == 12


@pytest.fixture
def process_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield ProcessClock(NOW, traveller)


async def test_a_reminder_is_queued_once_and_sent_once(redis_url: str, process_clock) -> None:
    redis = [connect(redis_url), connect(redis_url)]
    arq = [arq_pool(redis_url), arq_pool(redis_url)]
    stores = [reminding_store(r, a, process_clock) for r, a in zip(redis, arq, strict=True)]
    try:
        booking = await book(stores[0])
        await stores[1].reminders.schedule(booking)  # the other process schedules it again
        assert len(await queued(arq[0])) == 2  # 24 h and 2 h before: once each
        await arq[0].zadd(QUEUE, {job_id(booking.code, MONDAY_10, 2): 1})  # due
        await arq[0].zrem(QUEUE, job_id(booking.code, MONDAY_10, 24))
        workers = [
            build_worker(redis_url, clock=process_clock, handle_signals=False, burst=True,
                         senders=lambda r: delivery.Senders([WebSender(Push(r))]))
            for _ in range(2)
        ]  # fmt: skip
        async with Push(redis[0]).subscribe("web:abc") as page:
            await asyncio.gather(*(worker.async_run() for worker in workers))
            for worker in workers:
                await worker.close()
            message = await page.next(timeout=5)
            assert message is not None and booking.code in message["text"]
            assert await page.next(timeout=0.5) is None  # not a second time
        status = await delivery_status(redis[0], reminder_key(booking.code, MONDAY_10, 2))
        assert status.status == "delivered" and len(status.attempts) == 1
    finally:
        for client in (*arq, *redis):
            await client.aclose()
