"""What the settings plug in from the interop edge (interop/): the NLU backend (NLU_BACKEND:
the built-in one, or a Rasa server in front of it) and, with RASA_URL, Rasa's conversations
resumed when an operator closes a chat Rasa handed over. The core only sees something that
parses and a close hook."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.config import Settings

if TYPE_CHECKING:
    from bot.operators.desk import Desk


def configured_nlu(settings: Settings) -> Any:
    from nlu.pipeline import build_nlu

    builtin = build_nlu(settings.cache_dir)
    if settings.nlu_backend != "rasa":
        return builtin
    if not settings.rasa_url:
        raise SystemExit(
            "NLU_BACKEND=rasa needs RASA_URL (the Rasa server, e.g. http://localhost:5005)"
        )
    from interop.rasa.nlu_backend import rasa_nlu

    return rasa_nlu(settings.rasa_url, builtin, timeout_seconds=settings.rasa_timeout_seconds)


def resume_rasa_on_close(desk: Desk, settings: Settings) -> None:
    """With RASA_URL, a chat the Rasa action server handed to an operator is resumed on Rasa's
    tracker when the operator closes it."""
    if settings.rasa_url:
        from interop.rasa.tracker import RasaTracker

        desk.on_close(RasaTracker(settings.rasa_url, settings.rasa_token).on_close)
