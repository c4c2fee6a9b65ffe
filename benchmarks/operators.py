"""Live operators benchmark: the hand-off end to end across two web processes, and how good the
announced wait is.

Run: .venv/bin/python benchmarks/operators.py [--chats 200] [--operators 20] [--simulated 2000]

1. Live: a redis-server and two `uvicorn dost.app:create_app` processes sharing it. `--operators`
   operators log in (alternately on each process) and keep a console WebSocket open; `--chats`
   web chats each open their Server-Sent Events stream on one process and write on the other
   (every chat from its own loopback address, 127.0.0.x, as real browsers would be). Each chat
   asks for a person and consents; measured:
   - consent → console card: from sending "bəli" until a console receives the hand-off;
   - relay citizen → operator: a citizen's message until the holding operator's socket has it;
   - relay operator → citizen: an operator's reply until the citizen's event stream has it.
2. Announced wait: a seeded simulation on a frozen clock against the real desk and queue in
   Redis (Poisson arrivals, exponential handling times, operators who take every offer at once):
   for every citizen who had to wait, the wait announced when they were queued against the wait
   they really had.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "bench-parol-12345"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q + 0.999999) - 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def web_processes(redis_url: str, data_dir: Path, count: int):
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DOST_DATA_DIR": str(data_dir),
        "DOST_OPERATOR_HOURS": "always",
        "DOST_INPROCESS_WORKER": "false",
        "DOST_LOG_LEVEL": "WARNING",
    }
    ports = [free_port() for _ in range(count)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "dost.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 120
        for port in ports:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("a web process did not start") from None
                    time.sleep(0.1)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


class Console:
    """One operator: a session, the console's CSRF token and its WebSocket."""

    def __init__(self, name: str, base: str) -> None:
        self.name, self.base = name, base
        self.waiters: dict[tuple[str, str], asyncio.Future] = {}
        self.seen: dict[tuple[str, str], float] = {}

    async def start(self, aiohttp, address: str) -> None:
        connector = aiohttp.TCPConnector(local_addr=(address, 0))
        self.session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        await self.session.post(
            f"{self.base}/operator/login",
            data={"username": self.name, "password": PASSWORD},
            allow_redirects=False,
        )
        page = await (await self.session.get(f"{self.base}/operator")).text()
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        self.socket = await self.session.ws_connect(
            f"{self.base.replace('http', 'ws')}/operator/ws"
        )
        self.reader = asyncio.create_task(self._read())
        self.beat = asyncio.create_task(self._heartbeat())

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(10)
            await self.socket.send_str('{"type": "heartbeat"}')

    async def _read(self) -> None:
        async for message in self.socket:
            event = json.loads(message.data)
            now = time.perf_counter()
            key = (
                event.get("type"),
                event.get("conversation_id") or (event.get("item") or {}).get("conversation_id"),
            )
            if event.get("type") == "message":
                key = ("message", event.get("text"))
            self.seen.setdefault(key, now)
            waiter = self.waiters.pop(key, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(now)

    def wait_for(self, kind: str, key: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        if (kind, key) in self.seen:
            future.set_result(self.seen[(kind, key)])
        else:
            self.waiters[(kind, key)] = future
        return future

    async def post(self, path: str, body: dict | None = None) -> dict:
        import aiohttp

        for attempt in range(2):  # a kept-alive connection the server closed meanwhile
            try:
                async with self.session.post(
                    f"{self.base}/operator/api{path}",
                    json=body or {},
                    headers={"X-CSRF-Token": self.csrf},
                ) as response:
                    return await response.json()
            except aiohttp.ServerDisconnectedError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        self.reader.cancel()
        self.beat.cancel()
        await self.socket.close()
        await self.session.close()


async def live(args: argparse.Namespace, bases: list[str], redis_url: str) -> dict:
    import aiohttp

    from bot.operators.accounts import Accounts
    from bot.redis_conn import connect

    redis = connect(redis_url)
    for i in range(args.operators):
        await Accounts(redis).add(
            f"op{i:02}", PASSWORD, "operator", capacity=-(-args.chats // args.operators)
        )
    await redis.aclose()
    consoles = [Console(f"op{i:02}", bases[i % len(bases)]) for i in range(args.operators)]
    for i, console in enumerate(consoles):
        await console.start(aiohttp, f"127.1.0.{1 + i}")  # its own address, like a real desk
    card, to_operator, to_citizen = [], [], []
    finished: list[int] = []
    everyone_done = asyncio.Event()
    rng = random.Random(args.seed)

    async def chat(n: int) -> None:
        conversation = f"bench{n:05}"
        cid = f"web:{conversation}"
        connector = aiohttp.TCPConnector(local_addr=(f"127.0.{1 + n // 250}.{1 + n % 250}", 0))
        async with aiohttp.ClientSession(connector=connector) as http:
            post_base, sse_base = bases[n % len(bases)], bases[(n + 1) % len(bases)]
            events = await http.get(
                f"{sse_base}/api/v1/chat/{conversation}/events",
                timeout=aiohttp.ClientTimeout(total=None),
            )
            pushed: asyncio.Queue = asyncio.Queue()

            async def read_events() -> None:
                async for line in events.content:
                    if line.startswith(b"data:"):
                        await pushed.put((time.perf_counter(), json.loads(line[5:])))

            reader = asyncio.create_task(read_events())

            async def say(text: str) -> dict:
                for attempt in range(2):  # as above: a closed kept-alive connection
                    try:
                        async with http.post(
                            f"{post_base}/api/v1/chat",
                            json={"conversation_id": conversation, "text": text},
                        ) as r:
                            return await r.json()
                    except aiohttp.ServerDisconnectedError:
                        if attempt:
                            raise
                raise AssertionError("unreachable")

            # Chats come at random moments over the spread, and all stay live to the end.
            await asyncio.sleep(rng.uniform(0, args.spread))
            await say("operatorla danışmaq istəyirəm")
            offered = [c.wait_for("offer", cid) for c in consoles]
            started = time.perf_counter()
            await say("bəli")
            done, _ = await asyncio.wait(offered, return_when=asyncio.FIRST_COMPLETED, timeout=30)
            card.append(min(f.result() for f in done) - started)
            owner = consoles[offered.index(next(iter(done)))]
            for future in offered:
                future.cancel()
            await owner.post(f"/conversations/{cid}/take")
            while not pushed.empty():
                pushed.get_nowait()

            await asyncio.sleep(rng.uniform(0, args.spread))
            text = f"sual {n}"
            heard = owner.wait_for("message", text)
            started = time.perf_counter()
            await say(text)
            to_operator.append(await asyncio.wait_for(heard, 30) - started)

            await asyncio.sleep(rng.uniform(0, args.spread))
            reply = f"cavab {n}"
            started = time.perf_counter()
            await owner.post(f"/conversations/{cid}/messages", {"text": reply})
            while True:
                at, event = await asyncio.wait_for(pushed.get(), 30)
                if event.get("from") == "operator" and event.get("text") == reply:
                    to_citizen.append(at - started)
                    break
            finished.append(n)
            if len(finished) == args.chats:
                everyone_done.set()
            await everyone_done.wait()  # 200 live chats until the last one is through
            reader.cancel()
            events.close()
            await owner.post(f"/conversations/{cid}/close")

    started = time.perf_counter()
    await asyncio.gather(*(chat(n) for n in range(args.chats)))
    elapsed = time.perf_counter() - started
    for console in consoles:
        await console.close()
    ms = lambda values, q: round(percentile(values, q) * 1000, 1)  # noqa: E731
    return {
        "chats": len(card),
        "elapsed_s": round(elapsed, 1),
        "consent_to_card_ms": {"p50": ms(card, 0.5), "p95": ms(card, 0.95), "max": ms(card, 1)},
        "relay_citizen_to_operator_ms": {
            "p50": ms(to_operator, 0.5),
            "p95": ms(to_operator, 0.95),
            "max": ms(to_operator, 1),
        },
        "relay_operator_to_citizen_ms": {
            "p50": ms(to_citizen, 0.5),
            "p95": ms(to_citizen, 0.95),
            "max": ms(to_citizen, 1),
        },
    }


async def simulate(args: argparse.Namespace, redis_url: str) -> dict:
    """Announced against real waits, on a frozen clock."""
    from datetime import timedelta

    from bot.clock import SYSTEM_CLOCK, FrozenClock
    from bot.operators.accounts import Account, Role
    from bot.operators.desk import Desk
    from bot.operators.schedule import OperatorHours
    from bot.redis_conn import connect

    rng = random.Random(args.seed)
    redis = connect(redis_url)
    await redis.flushall()
    clock = FrozenClock(SYSTEM_CLOCK.now())
    desk = Desk(
        redis,
        clock=clock,
        hours=OperatorHours.parse("always"),
        heartbeat_timeout_seconds=10**9,
        default_handle_seconds=args.handle,
    )
    operators = [
        Account(
            name=f"op{i}",
            role=Role.OPERATOR,
            capacity=args.capacity,
            password_hash="-",
            created_at="-",
        )
        for i in range(args.sim_operators)
    ]
    for account in operators:
        await desk.heartbeat(account)
    slots = args.sim_operators * args.capacity
    arrival_rate = args.load * slots / args.handle
    now = 0.0
    ends: list[tuple[float, str]] = []  # (when a chat ends, conversation)
    announced: dict[str, float] = {}
    queued_at: dict[str, float] = {}
    errors, pairs = [], []

    async def take_offers() -> None:
        for name in [a.name for a in operators]:
            for conversation in await desk.queue.held(name):
                record = await desk.handoff(conversation)
                if record.get("status") != "offered":
                    continue
                await desk.take(conversation, name)
                if conversation in announced:
                    real = now - queued_at[conversation]
                    pairs.append((announced.pop(conversation), real))
                ends.append((now + rng.expovariate(1 / args.handle), conversation))

    next_arrival = rng.expovariate(arrival_rate)
    for n in range(args.simulated):
        while ends and min(ends)[0] <= next_arrival:
            end, conversation = min(ends)
            ends.remove((end, conversation))
            clock.advance(timedelta(seconds=end - now))
            now = end
            record = await desk.handoff(conversation)
            await desk.close(conversation, record["operator"])
            await take_offers()
        clock.advance(timedelta(seconds=next_arrival - now))
        now = next_arrival
        conversation = f"web:sim{n:05}"
        placement = await desk.request(conversation, channel="web", reason="asked")
        if placement.status == "queued" and placement.estimate_seconds is not None:
            announced[conversation] = placement.estimate_seconds
            queued_at[conversation] = now
        await take_offers()
        next_arrival = now + rng.expovariate(arrival_rate)
    await redis.aclose()
    waited = [(a, r) for a, r in pairs if r > 0]
    errors = [abs(a - r) / r for a, r in waited]
    median_announced = statistics.median(a for a, _ in waited)
    median_real = statistics.median(r for _, r in waited)
    return {
        "arrivals": args.simulated,
        "waited": len(waited),
        "operators": args.sim_operators,
        "capacity": args.capacity,
        "load": args.load,
        "handle_s": args.handle,
        "median_announced_s": round(median_announced),
        "median_real_s": round(median_real),
        "median_of_medians_error": round(abs(median_announced - median_real) / median_real, 3),
        "median_relative_error": round(statistics.median(errors), 3),
        "within_25_percent": round(sum(e <= 0.25 for e in errors) / len(errors), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--operators", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--simulated", type=int, default=2000)
    parser.add_argument("--sim-operators", type=int, default=5)
    parser.add_argument("--capacity", type=int, default=2)
    parser.add_argument("--handle", type=float, default=300.0, help="mean handling time (s)")
    parser.add_argument("--load", type=float, default=0.95, help="arrivals / capacity")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--spread",
        type=float,
        default=10.0,
        help="live: each step of each chat at a random moment within this (s)",
    )
    parser.add_argument("--skip-live", action="store_true")
    args = parser.parse_args()

    from bot.logs import configure_logging
    from bot.redis_conn import loopback_redis_server
    from nlu.pipeline import build_nlu

    configure_logging("WARNING")
    results = {}
    with tempfile.TemporaryDirectory(prefix="operators-bench-") as tmp:
        work = Path(tmp)
        (work / "redis").mkdir()
        with loopback_redis_server(work / "redis") as redis_url:
            if not args.skip_live:
                build_nlu(work / "data" / "cache")  # trained once, before the processes start
                with web_processes(redis_url, work / "data", args.processes) as bases:
                    results["live"] = asyncio.run(live(args, bases, redis_url))
            results["announced_wait"] = asyncio.run(simulate(args, redis_url))
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
