"""`dost serve`: uvicorn on the app factory, on the data directory's embedded Redis unless
`REDIS_URL` is set. When the service answers, the address to open is printed plainly."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time

import uvicorn

from bot.config import Settings, get_settings
from bot.logs import configure_logging, get_logger, uvicorn_log_config
from bot.redis_conn import redis_for
from dost.shutdown import Terminated

READY_TIMEOUT_SECONDS = 300.0  # the first start trains the NLU model


def run(host: str, port: int, workers: int) -> int:
    settings = get_settings()
    configure_logging(settings.log_level)
    log = get_logger("dost.serve")
    _report_missing_audio_tools(settings, log)
    with redis_for(settings) as url:
        log.info("redis", mode="external" if settings.redis_url else "embedded",
                 data_dir=str(settings.data_dir.resolve()))  # fmt: skip
        # Web workers are separate processes: they find the one server through REDIS_URL.
        os.environ["REDIS_URL"] = url
        get_settings.cache_clear()
        _announce_when_ready(host, port)
        # Ctrl-C and SIGTERM are the normal ways to stop a server.
        with contextlib.suppress(KeyboardInterrupt, Terminated):
            # log_config: each worker process sets up the same masked JSON logging. Proxy
            # headers are the app's (FORWARDED_ALLOW_IPS, off by default), never uvicorn's
            # default of believing whatever comes from loopback.
            uvicorn.run("dost.app:create_app", factory=True, host=host, port=port,
                        workers=workers, log_config=uvicorn_log_config(settings.log_level),
                        proxy_headers=False, server_header=False)  # fmt: skip
    return 0


def _report_missing_audio_tools(settings: Settings, log) -> None:
    missing = [b for b in (settings.espeak_binary, settings.sox_binary) if not shutil.which(b)]
    if missing:
        log.warning("phone prompts off: audio tools missing; callers and the IVR simulator get "
                    "text instead (apt-get install espeak-ng sox)", missing=missing)  # fmt: skip


def _announce_when_ready(host: str, port: int) -> None:
    """Print the address to open once /healthz answers (logs are JSON; this line is for people)."""
    import httpx

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"

    def wait() -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/healthz", timeout=1.0)
            except httpx.HTTPError:
                time.sleep(0.25)
                continue
            print(f"\nDOST Assistant is ready: open {base}/  (Ctrl-C stops it)\n", flush=True)
            return

    threading.Thread(target=wait, name="ready-announcer", daemon=True).start()
