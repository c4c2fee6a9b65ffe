"""The NLU the settings choose (NLU_BACKEND): the built-in one, or a Rasa server in front of it
(interop/rasa/nlu_backend.py). Composition root: the core only sees something that parses."""

from __future__ import annotations

from typing import Any

from bot.config import Settings


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
