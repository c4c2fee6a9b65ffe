"""The Twilio channels' own texts: the `twilio` section of the core text catalog."""

from __future__ import annotations

from typing import Any

from bot import catalog

SECTION = "twilio"


def node(key: str) -> Any:
    return catalog.node(f"{SECTION}.{key}")


def tx(key: str, **values: object) -> str:
    """The text at `key` ("voice.welcome"), with its placeholders filled."""
    return catalog.t(f"{SECTION}.{key}", **values)


def words(key: str) -> list[str]:
    return catalog.words(f"{SECTION}.{key}")


def section(key: str) -> dict[str, str]:
    return catalog.section(f"{SECTION}.{key}")
