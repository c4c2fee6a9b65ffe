"""The text catalog: every user-facing string, looked up by dotted key and formatted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CATALOG_FILE = Path(__file__).resolve().parent / "catalog.yaml"


@cache
def _catalog() -> dict[str, Any]:
    return yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))


def node(key: str) -> Any:
    """Whatever the catalog holds at `key`: a text, a list of words or a group."""
    value: Any = _catalog()
    for part in key.split("."):
        value = value[part]
    return value


def t(key: str, **values: object) -> str:
    """The catalog text at `key` ("answer.fee_free"), with its placeholders filled."""
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


def in_sentence(label: str) -> str:
    """A label that opens with a common noun ("Şəxsən", "Onlayn"), as it reads inside a
    sentence: first letter lower case by Azerbaijani rules. An abbreviation ("DOST mərkəzi") or
    a single capital ("A kateqoriyalı …") keeps its case."""
    from nlu.normalize import az_lower

    first = label.split(" ", 1)[0]
    if len(first) < 2 or not first[1:].islower():
        return label
    return az_lower(label[0]) + label[1:]


def format_date(day: dt.date) -> str:
    """ "23 noyabr 2026, bazar ertəsi": month and weekday names from babel's az locale, never
    hand-written; our rule cases them. Mid-sentence they are common nouns, lower case in
    Azerbaijani (Azerbaijani casing: I → ı, İ → i), whatever a babel release capitalises."""
    from babel.dates import format_date as babel_format

    from nlu.normalize import az_lower

    return az_lower(f"{babel_format(day, 'd MMMM y', locale='az')}, "
                    f"{babel_format(day, 'EEEE', locale='az')}")  # fmt: skip
