"""A real job worker in its own process, for the tests that kill one (tests/notices/test_crash.py).

    python -m tests.notices.worker_process --now ISO [--crash after_claim|after_accept --channel C]

Settings come from the environment (REDIS_URL, TELEGRAM_*, TWILIO_*). The process clock is moved
to `--now` and ticks from there (time-machine), so the worker sees the jobs the test queued on
its own clock. With `--crash`, the sender of `--channel` kills its own process (SIGKILL: no
clean-up, as a machine dying would) right after its send was claimed (before the provider is
called) or right after the provider accepted the message (before anything is recorded).
"""

from __future__ import annotations

import argparse
import os
import signal
from datetime import datetime

import time_machine

from bot.delivery import Outcome, Senders, SendResult
from bot.messages import Outbound


class Crashing:
    """Wraps a channel's sender; dies at the chosen moment."""

    def __init__(self, inner, crash: str) -> None:
        self.inner = inner
        self.channel = inner.channel
        self.crash = crash

    async def send(self, address: str, message: Outbound) -> SendResult:
        if self.crash == "after_claim":
            os.kill(os.getpid(), signal.SIGKILL)
        result = await self.inner.send(address, message)
        if self.crash == "after_accept" and result.outcome is Outcome.DELIVERED:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    async def aclose(self) -> None:
        await self.inner.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--now", required=True)
    parser.add_argument("--crash", choices=["after_claim", "after_accept"], default=None)
    parser.add_argument("--channel", default="telegram")
    args = parser.parse_args()
    time_machine.travel(datetime.fromisoformat(args.now), tick=True).start()

    from bot.config import Settings
    from bot.notices.policy import NoticeConfig
    from bot.worker import build_worker
    from dost.senders import senders_factory

    settings = Settings()
    real = senders_factory(settings)

    def senders(redis) -> Senders:
        built = real(redis)
        if args.crash:
            target = built.get(args.channel)
            assert target is not None, args.channel
            built.register(Crashing(target, args.crash))
        return built

    worker = build_worker(settings.redis_url or "", senders=senders, notices=NoticeConfig())
    print("worker ready", flush=True)
    worker.run()


if __name__ == "__main__":
    main()
