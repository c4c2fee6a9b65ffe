"""One embedded Redis per data directory, shared by every `dost` process, stopped by the last one
out, replaced when a crash left it behind. Real processes, real signals."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from bot.embedded_redis import EmbeddedRedis

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def servers_of(data_dir: Path) -> list[psutil.Process]:
    """redis-server processes serving this data directory."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        alive = process.info["status"] != psutil.STATUS_ZOMBIE
        if "redis-server" in cmdline and str(data_dir) in cmdline and alive:
            found.append(process)
    return found


def dost_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(DOST_DATA_DIR=str(data_dir), DOST_LOG_LEVEL="WARNING",
               TELEGRAM_BOT_TOKEN="", TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN="")  # fmt: skip
    return env


def dost(data_dir: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dost.cli", *args], env=dost_env(data_dir),
                            **kwargs)  # fmt: skip


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = dost(data_dir, "serve", "--port", str(self.port), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip

    def wait_ready(self) -> None:
        """The plain ready line names the address once /healthz answers."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if "ready" in line:
                assert f"{self.base}/" in line
                break
        assert self.health() == 200

    def health(self) -> int:
        return httpx.get(f"{self.base}/healthz", timeout=5).status_code

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=30)


@contextlib.contextmanager
def watching_health(server: Server) -> Iterator[list[int]]:
    """/healthz polled in the background while the block runs."""
    codes: list[int] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            codes.append(server.health())
            time.sleep(0.05)

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        yield codes
    finally:
        done.set()
        thread.join()


def test_commands_beside_serve_share_its_redis_and_stop_leaves_none(data_dir: Path) -> None:
    server = Server(data_dir)
    try:
        server.wait_ready()
        with watching_health(server) as codes:
            chat = subprocess.run(
                [sys.executable, "-m", "dost.cli", "chat", "--json"], env=dost_env(data_dir),
                input="salam\nözünüməşğulluq üçün sənədlər\n", capture_output=True, text=True,
                timeout=120,
            )  # fmt: skip
            parse = subprocess.run(
                [sys.executable, "-m", "dost.cli", "nlu", "parse"], env=dost_env(data_dir),
                input="salam\n", capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            key = subprocess.run(
                [sys.executable, "-m", "dost.cli", "apikeys", "create", "--name", "t"],
                env=dost_env(data_dir), capture_output=True, text=True, timeout=60,
            )  # fmt: skip
        assert chat.returncode == 0 and chat.stdout.count('"replies"') == 2
        assert parse.returncode == 0 and '"greet"' in parse.stdout
        assert key.returncode == 0 and key.stdout.startswith("dost_")
        assert codes and set(codes) == {200}
        assert len(servers_of(data_dir)) == 1
    finally:
        assert server.stop() == 0
    assert servers_of(data_dir) == []


def test_serve_started_after_chat_outlives_it(data_dir: Path) -> None:
    chat = dost(data_dir, "chat", "--json", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert chat.stdin is not None and chat.stdout is not None
    chat.stdin.write("salam\n")
    chat.stdin.flush()
    assert '"replies"' in chat.stdout.readline()  # chat started the server and uses it
    [first] = servers_of(data_dir)

    server = Server(data_dir)
    try:
        server.wait_ready()
        chat.stdin.close()
        assert chat.wait(timeout=30) == 0
        assert server.health() == 200
        assert [p.pid for p in servers_of(data_dir)] == [first.pid]  # attached, not restarted
    finally:
        assert server.stop(signal.SIGINT) == 0  # Ctrl-C
    assert servers_of(data_dir) == []


def test_a_server_left_by_a_crash_is_replaced_and_keeps_its_data(data_dir: Path) -> None:
    server = Server(data_dir)
    server.wait_ready()
    client = redis.Redis(unix_socket_path=str(data_dir / "redis" / "redis.sock"))
    client.set("kept", "yes")
    client.close()
    [orphan] = servers_of(data_dir)
    server.stop(signal.SIGKILL)
    assert orphan.is_running()  # the crash left it behind

    again = Server(data_dir)
    try:
        again.wait_ready()
        [replacement] = servers_of(data_dir)
        assert replacement.pid != orphan.pid
        client = redis.Redis(unix_socket_path=str(data_dir / "redis" / "redis.sock"))
        assert client.get("kept") == b"yes"
        client.close()
    finally:
        again.stop()
    assert servers_of(data_dir) == []


def test_a_dead_server_is_restarted(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path / "redis")
    url = first.start()
    [process] = servers_of(tmp_path)
    process.kill()
    process.wait(timeout=10)
    first._server = None  # this process forgets it without shutting anything down

    second = EmbeddedRedis(tmp_path / "redis")
    try:
        assert second.start() == url
        assert redis.Redis.from_url(url).ping()
    finally:
        second.stop()
    assert servers_of(tmp_path) == []


def test_the_embedded_server_is_capped_and_never_evicts(tmp_path: Path) -> None:
    """Bookings carry TTLs, so only `noeviction` keeps Redis from dropping one under memory
    pressure (docs/operations.md); the cap is DOST_REDIS_MAXMEMORY."""
    server = EmbeddedRedis(tmp_path / "redis", maxmemory="64mb")
    url = server.start()
    try:
        client = redis.Redis.from_url(url, decode_responses=True)
        config = client.config_get("maxmemory*")
        assert config["maxmemory-policy"] == "noeviction"
        assert int(config["maxmemory"]) == 64 * 1024 * 1024
        assert client.config_get("appendonly")["appendonly"] == "yes"
        client.close()
    finally:
        server.stop()


async def test_an_external_redis_that_may_evict_is_reported(redis_url: str) -> None:
    from structlog.testing import capture_logs

    from bot.logs import get_logger
    from bot.redis_conn import connect
    from dost.health import warn_if_evicting

    client = connect(redis_url)
    try:
        await client.config_set("maxmemory-policy", "allkeys-lru")
        with capture_logs() as logs:
            await warn_if_evicting(client, get_logger("test"))
        await client.config_set("maxmemory-policy", "noeviction")
        with capture_logs() as quiet:
            await warn_if_evicting(client, get_logger("test"))
    finally:
        await client.config_set("maxmemory-policy", "noeviction")
        await client.aclose()
    assert [e["policy"] for e in logs] == ["allkeys-lru"] and quiet == []
