"""The Telegram channel's own texts (`texts.yaml`): commands, buttons, media it cannot read."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path(__file__).resolve().parent / "texts.yaml"


@cache
def _texts() -> dict[str, Any]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


def tg_text(key: str, **values: object) -> str:
    """The text at `key` ("commands.help" for nested ones), with its placeholders filled."""
    node: Any = _texts()
    for part in key.split("."):
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"{key} is a group of texts, not a text")
    return node.format(**values) if values else node


def command_descriptions() -> dict[str, str]:
    return {name: str(text) for name, text in _texts()["commands"].items()}
