"""Load: concurrent conversations against `dost serve --workers 2`, a `dost worker` and a real
redis-server, through the web chat API, the Telegram webhook and the phone webhooks.

Run: .venv/bin/python benchmarks/load.py [--channels web,telegram,phone] [--seconds 10]
     [--closed 50,200,500] [--paced 500:500] [--out benchmarks/results/load.json]

The client is a plain asyncio HTTP/1.1 keep-alive client (hand-written request lines, one
connection per simulated citizen), cheap enough not to be the bottleneck: httpx needs a core for
about 120 requests a second. Every citizen sends its own X-Forwarded-For (uvicorn trusts it from
loopback), so the per-address rate limit counts citizens, not the benchmark.

Scenarios per channel:
- closed loop, N concurrent conversations: each sends its next message as soon as the reply is
  in; every conversation is a new citizen (new id and address) after `TURNS` messages;
- human-paced, N citizens offering R turns/s together: each waits an exponential think time
  (mean N/R s) after every reply.

A turn's latency: request sent → response read (web chat, phone); for Telegram (whose webhook
answers 200 at once and replies through the Bot API) the update sent → the first sendMessage for
that chat at the local Bot API stub this script serves. CPU per turn: the web processes' CPU
time (user + system, psutil) over the scenario ÷ turns answered — robust to other load on the
machine, unlike the latency figures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TURNS = 6  # messages per conversation before the slot becomes a new citizen
WEB_SCRIPT = [
    "Salam",
    "işsizlik müavinəti almaq istəyirəm",
    "hansı sənədlər lazımdır",
    "harada müraciət edə bilərəm",
    "nə qədər vaxt aparır",
    "təşəkkür edirəm",
]
PHONE_SCRIPT = [{"Digits": "1"}, {"Digits": "1"}, {"Digits": "1"},
                {"SpeechResult": "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"},
                {"Digits": "*"}, {"Digits": "#"}]  # fmt: skip
TELEGRAM_SECRET = "bench-secret-token-0123456789"
BOT_TOKEN = "123:bench-token"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "b" * 32
_citizens = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def address_of(n: int) -> str:
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


# --- the HTTP/1.1 keep-alive client ------------------------------------------------------------


class Connection:
    """One keep-alive connection; `request` sends and reads one exchange."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str]
                      ) -> tuple[int, bytes]:  # fmt: skip
        for attempt in range(2):  # the server may have closed an idle connection
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                    f"Content-Length: {len(body)}"]  # fmt: skip
            head += [f"{k}: {v}" for k, v in headers.items()]
            try:
                self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        assert self.reader is not None
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


# --- the Bot API stub (Telegram replies arrive here) ----------------------------------------------


class BotApiStub:
    """A minimal Bot API on loopback: every method answers ok; sendMessage wakes the waiter of
    its chat (the turn's end)."""

    def __init__(self) -> None:
        self.waiters: dict[int, asyncio.Future] = {}
        self.messages = 0
        self.message_ids = itertools.count(1)

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                raw = await reader.readuntil(b"\r\n\r\n")
                head = raw.decode("latin-1")
                length = re.search(r"(?i)content-length:\s*(\d+)", head)
                body = await reader.readexactly(int(length.group(1))) if length else b""
                method = head.split(" ", 2)[1].rsplit("/", 1)[-1]
                writer.write(self._answer(method, body))
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()

    def _answer(self, method: str, body: bytes) -> bytes:
        if method == "sendMessage":
            self.messages += 1
            found = re.search(rb'chat_id"?\r?\n?\r?\n?=?(-?\d+)', body)
            chat = int(found.group(1)) if found else 0
            waiter = self.waiters.pop(chat, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())
            result = {"message_id": next(self.message_ids), "date": int(time.time()),
                      "chat": {"id": chat, "type": "private"}, "text": "."}  # fmt: skip
        elif method == "getMe":
            result = {"id": 123, "is_bot": True, "first_name": "DOST", "username": "dost_bot"}
        else:
            result = True
        data = json.dumps({"ok": True, "result": result}).encode()
        return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(data)).encode() + b"\r\n\r\n" + data)  # fmt: skip


# --- citizens ----------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Citizen:
    """A slot that talks through one channel; a new citizen (id, address) every TURNS turns."""

    def __init__(self, channel: str, port: int, stub: BotApiStub | None, tally: Tally) -> None:
        self.channel, self.stub, self.tally = channel, stub, tally
        self.connection = Connection("127.0.0.1", port)
        self.base = f"http://127.0.0.1:{port}"
        self._renew()

    def _renew(self) -> None:
        self.n = next(_citizens)
        self.address = address_of(self.n)
        self.turn = 0
        self.action = "/webhooks/twilio/voice"
        self.sid = f"CA{self.n:032x}"

    async def step(self) -> None:
        if self.turn == TURNS:
            self._renew()
        started = time.perf_counter()
        try:
            ended = await getattr(self, f"_{self.channel}")()
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            self.tally.error(type(exc).__name__)
            await self.connection.close()
            await asyncio.sleep(0.05)
            return
        self.turn += 1
        if ended is not None:
            self.tally.latencies.append(ended - started)

    async def _web(self) -> float | None:
        body = json.dumps({"conversation_id": f"bench{self.n:08d}",
                           "text": WEB_SCRIPT[self.turn % len(WEB_SCRIPT)]}).encode()  # fmt: skip
        status, _ = await self.connection.request(
            "POST", "/api/v1/chat", body,
            {"Content-Type": "application/json", "X-Forwarded-For": self.address},
        )  # fmt: skip
        return self._done(status)

    async def _telegram(self) -> float | None:
        assert self.stub is not None
        update = {"update_id": self.n * 100 + self.turn, "message": {
            "message_id": self.turn + 1, "date": int(time.time()),
            "chat": {"id": self.n, "type": "private"},
            "from": {"id": self.n, "is_bot": False, "first_name": "Vətəndaş"},
            "text": WEB_SCRIPT[self.turn % len(WEB_SCRIPT)]}}  # fmt: skip
        waiter = asyncio.get_running_loop().create_future()
        self.stub.waiters[self.n] = waiter
        status, _ = await self.connection.request(
            "POST", "/webhooks/telegram", json.dumps(update).encode(),
            {"Content-Type": "application/json", "X-Forwarded-For": self.address,
             "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        )  # fmt: skip
        if status != 200:
            self.stub.waiters.pop(self.n, None)
            return self._done(status)
        try:
            return await asyncio.wait_for(waiter, 30)
        except TimeoutError:
            self.tally.error("no reply")
            return None

    async def _phone(self) -> float | None:
        from twilio.request_validator import RequestValidator

        params = {"AccountSid": ACCOUNT_SID, "CallSid": self.sid, "From": "+994501112233",
                  "To": "+994120000142", "CallStatus": "in-progress"}  # fmt: skip
        if self.turn == 0:
            params["CallStatus"] = "ringing"
        else:
            params.update(PHONE_SCRIPT[(self.turn - 1) % len(PHONE_SCRIPT)])
        url = f"{self.base}{self.action}"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        status, body = await self.connection.request(
            "POST", self.action, urlencode(params).encode(),
            {"Content-Type": "application/x-www-form-urlencoded",
             "X-Twilio-Signature": signature, "X-Forwarded-For": self.address},
        )  # fmt: skip
        found = re.search(rb'action="([^"]+)"', body)
        if found:
            self.action = found.group(1).decode().replace("&amp;", "&").removeprefix(self.base)
        else:  # the call ended (a transfer, a hang-up): the next turn is a new call
            self.turn = TURNS - 1
        return self._done(status)

    def _done(self, status: int) -> float | None:
        if status != 200:
            self.tally.error(str(status))
            return None
        return time.perf_counter()


async def run_scenario(channel: str, port: int, stub: BotApiStub | None, citizens: int,
                       seconds: float, rate: float | None) -> Tally:  # fmt: skip
    """`citizens` slots for `seconds`; closed loop when `rate` is None, else paced."""
    tally = Tally()
    deadline = time.perf_counter() + seconds
    rng = random.Random(16)

    async def slot() -> None:
        citizen = Citizen(channel, port, stub, tally)
        if rate is not None:  # spread the first turns over one think time
            await asyncio.sleep(rng.uniform(0, citizens / rate))
        while time.perf_counter() < deadline:
            await citizen.step()
            if rate is not None:  # thinking, but not past the end (it would stretch the run)
                left = deadline - time.perf_counter()
                await asyncio.sleep(max(0.0, min(rng.expovariate(rate / citizens), left)))
        await citizen.connection.close()

    await asyncio.gather(*(slot() for _ in range(citizens)))
    return tally


# --- the service under test ---------------------------------------------------------------------


@contextmanager
def service(redis_url: str, data_dir: Path, api_base: str, workers: int, log_level: str):
    """`dost serve --workers N` and `dost worker` on `redis_url`; yields (port, web pids)."""
    import psutil

    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "DOST_DATA_DIR": str(data_dir),
           "DOST_INPROCESS_WORKER": "false", "DOST_LOG_LEVEL": log_level,
           "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
           "TELEGRAM_API_BASE": api_base, "TELEGRAM_RATE_GLOBAL": "100000",
           "TELEGRAM_RATE_PER_CHAT": "1000", "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "FORWARDED_ALLOW_IPS": "127.0.0.1"}  # fmt: skip
    dost = str(Path(sys.executable).with_name("dost"))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    serve = subprocess.Popen([dost, "serve", "--host", "127.0.0.1", "--port", str(port),
                              "--workers", str(workers)], **quiet)  # fmt: skip
    worker = subprocess.Popen([dost, "worker"], **quiet)
    try:
        deadline = time.monotonic() + 600  # a cold start trains the NLU model
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b"200 OK" in s.recv(200):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or serve.poll() is not None:
                raise RuntimeError("dost serve did not start")
            time.sleep(0.25)
        time.sleep(2)  # let every web process finish its start-up
        children = psutil.Process(serve.pid).children()
        pids = [c.pid for c in children if "resource_tracker" not in " ".join(c.cmdline())]
        yield port, pids
    finally:
        for proc in (serve, worker):
            proc.send_signal(signal.SIGTERM)
        for proc in (serve, worker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _profile(folder: Path | None, pids: list[int], name: str, seconds: float) -> list:
    """py-spy on every web process for the scenario (collapsed stacks; see summarize.py)."""
    if folder is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    return [subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(int(seconds)),
                              "--rate", "250", "--nonblocking", "--format", "raw",
                              "-o", str(folder / f"{name}-{pid}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for pid in pids]  # fmt: skip


def cpu_seconds(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def main_async(args: argparse.Namespace, port: int, pids: list[int], stub: BotApiStub,
                     redis_pid: int | None) -> list[dict]:  # fmt: skip
    scenarios: list[tuple[str, int, float | None]] = []
    for channel in args.channels.split(","):
        scenarios += [(channel, int(n), None) for n in args.closed.split(",") if n]
        for spec in (s for s in args.paced.split(",") if s):
            citizens, rate = spec.split(":")
            scenarios.append((channel, int(citizens), float(rate)))
    rows = []
    for channel, citizens, rate in scenarios:
        await run_scenario(channel, port, stub, min(citizens, 20), 1.0, None)  # warm up
        cpu_before, started = cpu_seconds(pids), time.perf_counter()
        redis_before = cpu_seconds([redis_pid]) if redis_pid else 0.0
        spies = _profile(args.profile, pids, f"{channel}-{citizens}", args.seconds)
        tally = await run_scenario(channel, port, stub, citizens, args.seconds, rate)
        for spy in spies:
            spy.wait()
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(pids) - cpu_before
        redis_cpu = (cpu_seconds([redis_pid]) - redis_before) if redis_pid else 0.0
        turns = len(tally.latencies)
        row = {
            "channel": channel, "citizens": citizens,
            "mode": "closed" if rate is None else f"paced {rate:g}/s",
            "turns": turns, "turns_per_s": round(turns / elapsed, 1),
            "p50_ms": round(pct(tally.latencies, 0.5), 1),
            "p95_ms": round(pct(tally.latencies, 0.95), 1),
            "p99_ms": round(pct(tally.latencies, 0.99), 1),
            "web_cpu_ms_per_turn": round(cpu / max(turns, 1) * 1000, 2),
            "redis_cpu_ms_per_turn": round(redis_cpu / max(turns, 1) * 1000, 3),
            "errors": tally.errors,
        }  # fmt: skip
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        await asyncio.sleep(1)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", default="web,telegram,phone")
    parser.add_argument("--closed", default="50,200,500", help="concurrent conversations")
    parser.add_argument("--paced", default="500:500", help="citizens:offered turns/s, ...")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="record py-spy profiles of the web processes into this folder",
    )
    parser.add_argument("--log-level", default="INFO", help="the service's (logs are discarded)")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "dost-load-data",
                        help="kept between runs, so the NLU model is trained once")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "load.json")
    args = parser.parse_args()

    import psutil

    from bot.redis_conn import loopback_redis_server

    async def run() -> list[dict]:
        stub = BotApiStub()
        api_port = await stub.start()
        with tempfile.TemporaryDirectory(prefix="dost-load-") as tmp, \
                loopback_redis_server(Path(tmp), aof=True) as redis_url:  # fmt: skip
            redis_port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
            redis_pid = next((c.pid for c in psutil.net_connections("tcp")
                              if c.laddr and c.laddr.port == redis_port and c.status == "LISTEN"
                              and c.pid), None)  # fmt: skip
            loop = asyncio.get_running_loop()
            with service(redis_url, args.data_dir, f"http://127.0.0.1:{api_port}",
                         args.workers, args.log_level) as (port, pids):  # fmt: skip
                print(f"web processes: {pids}", flush=True)
                rows = await main_async(args, port, pids, stub, redis_pid)
                info = await loop.run_in_executor(None, _redis_memory, redis_url)
        return [*rows, info]

    rows = asyncio.run(run())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, {_cpu_model()}, Python {platform.python_version()}",
        "load_before": os.getloadavg(), "rows": rows}, indent=1, ensure_ascii=False))  # fmt: skip
    print(f"written to {args.out}")


def _redis_memory(redis_url: str) -> dict:
    import redis

    client = redis.Redis.from_url(redis_url)
    memory = client.info("memory")
    keys = client.dbsize()
    twiml = sum(1 for _ in client.scan_iter("*twiml*", count=1000))
    return {"redis_used_memory_mib": round(memory["used_memory"] / 2**20, 1), "keys": keys,
            "twiml_keys": twiml}  # fmt: skip


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    main()
