"""The Telegram channel's own texts (the `telegram` section of the core text catalog)."""

from __future__ import annotations

from bot.catalog import section, t


def tg_text(key: str, **values: object) -> str:
    """The text at `key` ("commands.help" for nested ones), with its placeholders filled."""
    return t(f"telegram.{key}", **values)


def command_descriptions() -> dict[str, str]:
    return section("telegram.commands")
