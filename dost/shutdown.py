"""SIGTERM unwinds like Ctrl-C: `with` blocks exit, so an embedded Redis is left in order."""

from __future__ import annotations

import signal


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM."""


def raise_on_sigterm() -> None:
    def stop(_signum: int, _frame: object) -> None:
        raise Terminated

    signal.signal(signal.SIGTERM, stop)
