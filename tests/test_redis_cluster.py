"""The booking store, a conversation's turn and the job queue on a local three-node Redis Cluster
(started and stopped here): every multi-key script and pipeline works across the cluster's hash
slots, the capacity of a slot still holds under concurrency, and arq's jobs run once each."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from arq.jobs import Job

from bot import delivery
from bot.booking import BAKU, SlotCalendar, SlotFull
from bot.booking.store import BookingStore
from bot.clock import FrozenClock
from bot.config import Settings
from bot.delivery import delivery_status, enqueue_delivery
from bot.jobs_keys import QUEUE
from bot.jobs_redis import arq_pool, owner_of_jobs_slot
from bot.messages import Outbound
from bot.ratelimit import RateLimit, RateLimited
from bot.redis_conn import connect, redis_server_binary
from bot.reminders import Reminders, RemindingBookingStore, job_id, reminder_key
from bot.state import StateStore
from bot.worker import build_worker
from dost.health import queued_jobs
from dost.senders import senders_factory
from knowledge.centers import default_centers
from knowledge.store import default_passports
from tests.test_booking_core import NOW, tiny_centers, tiny_passport
from tests.test_reminders import MONDAY_10, SERVICE
from tests.test_reminders import NOW as REMINDERS_NOW
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE, running_fake

DAY = date(2026, 12, 2)


def _free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 55535 and port not in ports:  # the cluster bus listens on port + 10000
            ports.append(port)
    return ports


@pytest.fixture(scope="module")
def cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cli = shutil.which("redis-cli")
    assert cli, "redis-cli is needed (it comes with redis-server)"
    workdir = tmp_path_factory.mktemp("cluster")
    ports = _free_ports(3)
    nodes = []
    for port in ports:
        node_dir = workdir / str(port)
        node_dir.mkdir()
        nodes.append(subprocess.Popen(
            [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
             "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
             "--dir", str(node_dir), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        ))  # fmt: skip
    try:
        for port in ports:
            _wait_for_port(port)
        subprocess.run(
            [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        _wait_for_cluster(cli, ports)
        yield f"redis://127.0.0.1:{ports[0]}/0"
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            node.wait(timeout=10)


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("a cluster node did not start") from None
            time.sleep(0.05)


def _wait_for_cluster(cli: str, ports: list[int]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = [
            subprocess.run([cli, "-p", str(p), "cluster", "info"], capture_output=True,
                           text=True, timeout=5).stdout
            for p in ports
        ]  # fmt: skip
        if all("cluster_state:ok" in info for info in states):
            return
        time.sleep(0.1)
    raise RuntimeError("the cluster did not become ready")


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def at(hour: int) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, tzinfo=BAKU)


async def test_bookings_on_a_cluster_hold_capacity_and_change(cluster_url: str) -> None:
    client = connect(cluster_url, cluster=True)
    clock = FrozenClock(NOW)
    passports = {"s15": tiny_passport("s15", 15)}
    store = BookingStore(client, SlotCalendar(tiny_centers(desks=3), passports, clock=clock))
    try:
        slot = store.calendar.slot_at("c1", "s15", at(11))

        async def attempt(i: int):
            try:
                return await store.book(slot, phone=f"+99450{i:07d}", request_id=f"cr{i}")
            except SlotFull as refused:
                return refused

        results = await asyncio.gather(*(attempt(i) for i in range(60)))
        booked = [r for r in results if not isinstance(r, SlotFull)]
        assert len(booked) == 3 and await store.free(slot) == 0
        assert sorted(b.code for b in await store.day("c1", DAY)) == sorted(b.code for b in booked)
        # The same request again is the same booking (the request key, on the same node).
        winner = next(i for i, r in enumerate(results) if not isinstance(r, SlotFull))
        again = await store.book(slot, phone=f"+99450{winner:07d}", request_id=f"cr{winner}")
        assert again.code == results[winner].code

        first = booked[0]
        later = store.calendar.slot_at("c1", "s15", at(14))
        moved = await store.reschedule(first.code, later, request_id="move-1")
        assert moved.start == later.start and await store.free(slot) == 1
        await store.cancel(moved.code)
        assert (await store.cancel(moved.code)).status == "cancelled"  # again: no change
        assert await store.free(later) == 3
    finally:
        await client.aclose()


async def test_a_turn_on_a_cluster(cluster_url: str) -> None:
    """Rate limits, lock and state live in different hash slots: the turn's pipelines are
    split by node and still read and write everything."""
    client = connect(cluster_url, cluster=True)
    store = StateStore(client, ttl_seconds=600)
    limits = [RateLimit("dost:test:rl:conversation:x", 2, 10), RateLimit("dost:test:rl:ip", 9, 10)]
    try:
        for n in range(2):
            async with store.turn("web:cluster", limits) as turn:
                assert turn.state.turns == n
                turn.state.turns += 1
                await store.record("web:cluster", "user", f"salam {n}")
                turn.save = True
        with pytest.raises(RateLimited):
            async with store.turn("web:cluster", limits):
                pass
        assert [e["text"] for e in await store.transcript("web:cluster")] == ["salam 0", "salam 1"]
        assert await client.get("dost:lock:web:cluster") is None
    finally:
        await client.aclose()


async def test_jobs_on_a_cluster_run_once(cluster_url: str, tmp_path: Path) -> None:
    """A booking's reminder and a delivery, queued by the real code paths with REDIS_CLUSTER on,
    run once each in an arq worker on the cluster: every arq key lives in the jobs' slot, and the
    queue's depth reads as /healthz reads it."""
    client = connect(cluster_url, cluster=True)
    arq = arq_pool(cluster_url, cluster=True)
    clock = FrozenClock(REMINDERS_NOW)
    reminders = Reminders(arq, [2], clock)
    # The worker's calendar: the real centers and services.
    calendar = SlotCalendar(default_centers(), default_passports(), clock=clock)
    store = RemindingBookingStore(client, calendar, reminders=reminders)
    phone, other = "+994501112233", "+994504445566"
    with running_fake(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        settings = Settings(
            REDIS_URL=cluster_url, REDIS_CLUSTER=True, DOST_DATA_DIR=tmp_path,
            PUBLIC_BASE_URL=PUBLIC_BASE, TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_API_BASE=twilio.url,
            TWILIO_SMS_NUMBER="+15005550006", DOST_INPROCESS_WORKER=False,
        )  # fmt: skip
        try:
            booking = await store.book(calendar.slot_at("baki-1", SERVICE, MONDAY_10), phone=phone,
                                       request_id="cluster-jobs", channel="api")  # fmt: skip
            reminder = job_id(booking.code, booking.start, 2)
            assert await arq.zscore(QUEUE, reminder) is not None
            await arq.zadd(QUEUE, {reminder: 1})  # due now (arq's clock is the process's)
            message = Outbound(text="Sabah saat 10:00 sizi gözləyirik")
            assert await enqueue_delivery(client, arq, "cluster-notice", message,
                                          addresses=[("sms", other)])  # fmt: skip
            assert not await enqueue_delivery(client, arq, "cluster-notice", message,
                                              addresses=[("sms", other)])  # fmt: skip
            assert await queued_jobs(client) == 2

            clock.set(booking.start - timedelta(hours=2))
            worker = build_worker(cluster_url, clock=clock, senders=senders_factory(settings),
                                  handle_signals=False, burst=True, cluster=True)  # fmt: skip
            try:
                await worker.async_run()
            finally:
                await worker.close()
            assert worker.jobs_complete == 3 and worker.jobs_failed == 0
            assert worker.jobs_retried == 0

            key = reminder_key(booking.code, booking.start, 2)
            for jid in (reminder, delivery.job_id(key), delivery.job_id("cluster-notice")):
                done = await Job(jid, arq, _queue_name=QUEUE).result_info()
                assert done is not None and done.success and done.job_try == 1, jid
            texts = [(m["To"], m["Body"]) for m in twilio.messages]
            assert len(texts) == 2
            assert [b for to, b in texts if to == phone and booking.code in b] != []
            assert [b for to, b in texts if to == other] == [message.text]
            for sent in (key, "cluster-notice"):
                status = await delivery_status(client, sent)
                assert status.status == "delivered" and len(status.attempts) == 1
            assert await queued_jobs(client) == 0
            arq_keys = [k async for k in client.scan_iter(match="arq:*")]
            assert arq_keys != []
            assert {client.keyslot(k) for k in arq_keys} == {client.keyslot(QUEUE)}
            # arq reached that slot's owner, which is not the node the URL names.
            owner, seed = client.get_node_from_key(QUEUE), ("127.0.0.1", _port(cluster_url))
            assert owner.port != seed[1]
            assert await owner_of_jobs_slot([seed]) == (owner.host, owner.port)
        finally:
            await arq.aclose()
            await client.aclose()


def test_the_service_on_a_cluster_reports_its_queue(cluster_url: str, data_dir: Path) -> None:
    """`dost serve`'s app with REDIS_CLUSTER on: it starts, queues a job through arq on the
    cluster, and /healthz reads the queue's depth there."""
    from fastapi.testclient import TestClient

    from dost.app import create_app

    settings = Settings(REDIS_URL=cluster_url, REDIS_CLUSTER=True, DOST_DATA_DIR=data_dir,
                        DOST_INPROCESS_WORKER=False)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        before = client.get("/healthz").json()["queued_jobs"]
        state = client.app.state
        queued = client.portal.call(partial(
            enqueue_delivery, state.redis, state.arq, "cluster-health", Outbound(text="Salam"),
            addresses=[("sms", "+994507778899")],
        ))  # fmt: skip
        health = client.get("/healthz")
    assert queued and health.status_code == 200
    assert health.json()["redis"] == "ok" and health.json()["queued_jobs"] == before + 1
