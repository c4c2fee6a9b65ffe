"""House rules the code must keep: the core never imports a channel, and channels never touch
Redis themselves (they call core services); the Telegram sender's rate limiter is the one piece
of a channel that talks to Redis directly."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REDIS_ALLOWED = {REPO / "channels" / "telegram" / "ratelimit.py"}
# A client call (redis.get(…), self.redis.set(…), pipe.…, .pipeline(), a script), or a key.
REDIS_USE = re.compile(
    r"\bredis\.(?!exceptions\b|asyncio\b)[a-z_]+\(|\bpipe\.|\.pipeline\(|register_script|"
    r"[\"']dost:"
)


def python_files(*parts: str) -> list[Path]:
    return sorted((REPO.joinpath(*parts)).rglob("*.py"))


def test_the_core_never_imports_a_channel() -> None:
    """Nor the interop edge (Rasa): the composition root wires it in."""
    imports = re.compile(r"^\s*(from|import)\s+(channels|interop)\b", re.M)
    for package in ("bot", "nlu", "knowledge"):
        for path in python_files(package):
            assert not imports.search(path.read_text(encoding="utf-8")), path


def test_channels_touch_no_redis_key_or_client() -> None:
    found = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for path in python_files("channels")
        if path not in REDIS_ALLOWED
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if REDIS_USE.search(line)
    ]
    assert found == []
