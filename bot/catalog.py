"""The text catalog: every user-facing string, looked up by dotted key and formatted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CATALOG_FILE = Path(__file__).resolve().parent / "catalog.yaml"

# A channel's own wording of some core texts, for the turn running in this context (`worded`).
_wording: ContextVar[Mapping[str, str] | None] = ContextVar("catalog_wording", default=None)


@cache
def _catalog() -> dict[str, Any]:
    return yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))


def node(key: str) -> Any:
    """Whatever the catalog holds at `key`: a text, a list of words or a group."""
    value: Any = _catalog()
    for part in key.split("."):
        value = value[part]
    return value


@contextmanager
def worded(texts: Mapping[str, str]) -> Iterator[None]:
    """Inside this block `t(key)` gives `texts[key]` where `texts` has the key: a channel's own
    wording of core texts (the phone line says "deyin" where a chat says "yazın"), set by the
    channel around its engine turn, so the core never needs to know which channel it speaks on.
    A wording takes the same placeholders as the text it replaces, or fewer."""
    token = _wording.set(texts)
    try:
        yield
    finally:
        _wording.reset(token)


def t(key: str, **values: object) -> str:
    """The catalog text at `key` ("answer.fee_free"), with its placeholders filled (in the
    current channel's wording of it, if any: `worded`)."""
    wording = _wording.get()
    text = wording.get(key) if wording is not None else None
    if text is None:
        text = node(key)
    if not isinstance(text, str):
        raise KeyError(f"{key} is a group of texts, not a text")
    return text.format(**values) if values else text


def words(key: str) -> list[str]:
    value = node(key)
    if not isinstance(value, list):
        raise KeyError(f"{key} is not a list of words")
    return [str(v) for v in value]


def section(key: str) -> dict[str, str]:
    """The texts directly under `key` (a channel hands them to its page or keyboard)."""
    return {k: str(v) for k, v in node(key).items() if isinstance(v, str)}


def texts(group: Mapping[str, Any] | None = None, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every text in the catalog, or under a group of it."""
    for name, value in (_catalog() if group is None else group).items():
        if isinstance(value, str):
            yield f"{prefix}{name}", value
        elif isinstance(value, Mapping):
            yield from texts(value, f"{prefix}{name}.")


def has(key: str) -> bool:
    try:
        t(key)
    except KeyError:
        return False
    return True


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def numbered(items: Iterable[str]) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, start=1))


def inline(items: Iterable[str]) -> str:
    return "; ".join(items)


def format_date(day: dt.date) -> str:
    """ "23 noyabr 2026, bazar ertəsi": month and weekday names from babel's az locale, never
    hand-written; our rule cases them. Mid-sentence they are common nouns, lower case in
    Azerbaijani (Azerbaijani casing: I → ı, İ → i), whatever a babel release capitalises."""
    from babel.dates import format_date as babel_format

    from nlu.normalize import az_lower

    return az_lower(f"{babel_format(day, 'd MMMM y', locale='az')}, "
                    f"{babel_format(day, 'EEEE', locale='az')}")  # fmt: skip
