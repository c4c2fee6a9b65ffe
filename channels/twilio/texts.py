"""The Twilio channels' own Azerbaijani texts (texts.yaml), looked up by dotted key."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path(__file__).resolve().parent / "texts.yaml"


@cache
def _texts() -> dict[str, Any]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


def node(key: str) -> Any:
    value: Any = _texts()
    for part in key.split("."):
        value = value[part]
    return value


def tx(key: str, **values: object) -> str:
    """The text at `key` ("voice.welcome"), with its placeholders filled."""
    text = node(key)
    if not isinstance(text, str):
        raise KeyError(f"{key} is not a text")
    return text.format(**values) if values else text


def words(key: str) -> list[str]:
    value = node(key)
    if not isinstance(value, list):
        raise KeyError(f"{key} is not a list")
    return [str(v) for v in value]


def section(key: str) -> dict[str, str]:
    value = node(key)
    return {k: str(v) for k, v in value.items() if isinstance(v, str)}
