"""The booking store and a conversation's turn on a local three-node Redis Cluster (started and
stopped here): every multi-key script and pipeline works across the cluster's hash slots, and
the capacity of a slot still holds under concurrency."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from bot.booking import BAKU, SlotCalendar, SlotFull
from bot.booking.store import BookingStore
from bot.clock import FrozenClock
from bot.ratelimit import RateLimit, RateLimited
from bot.redis_conn import connect, redis_server_binary
from bot.state import StateStore
from tests.test_booking_core import NOW, tiny_centers, tiny_passport

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
