"""The text catalog: every user-facing string, looked up by dotted key and formatted.

Azerbaijani texts sit at the top of catalog.yaml; the `ru` tree holds the same keys in Russian.
A turn speaks one language (`speaking`, set by the dialogue for each turn from the language the
person writes in): lookups inside it take that language's text, and Azerbaijani where the
language has none (tests/test_catalog.py keeps the Russian tree complete). Outside a turn
(reminders, channels' own texts) everything is Azerbaijani.
"""

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
DEFAULT_LANGUAGE = "az"  # and the language passport facts are quoted in, as published
LANGUAGES = ("az", "ru")

_language: ContextVar[str] = ContextVar("catalog_language", default=DEFAULT_LANGUAGE)

# A channel's own wording of some core texts, for the turn running in this context (`worded`).
_wording: ContextVar[Mapping[str, str] | None] = ContextVar("catalog_wording", default=None)


@cache
def _catalog() -> dict[str, Any]:
    return yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Texts looked up inside the block are in `language` (a context variable: concurrent
    turns of other conversations keep theirs)."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalog language {language!r}")
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def language() -> str:
    """The language texts are looked up in now."""
    return _language.get()


def _lookup(tree: Any, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(tree, dict) or part not in tree:
            raise KeyError(key)
        tree = tree[part]
    return tree


def node(key: str) -> Any:
    """Whatever the catalog holds at `key`, in the current language where it has it: a text,
    a list of words or a group."""
    current = _language.get()
    if current != DEFAULT_LANGUAGE:
        try:
            return _lookup(_catalog()[current], key)
        except KeyError:
            pass
    return _lookup(_catalog(), key)


@contextmanager
def worded(texts: Mapping[str, str]) -> Iterator[None]:
    """Inside this block `t(key)` gives `texts[key]` where `texts` has the key: a channel's own
    wording of core texts (the phone line says "deyin" where a chat says "yazın"), set by the
    channel around its engine turn, so the core never needs to know which channel it speaks on.
    A wording takes the same placeholders as the text it replaces, or fewer. It is Azerbaijani:
    a turn that speaks another language keeps that language's texts."""
    token = _wording.set(texts)
    try:
        yield
    finally:
        _wording.reset(token)


def t(key: str, **values: object) -> str:
    """The catalog text at `key` ("answer.fee_free"), with its placeholders filled (in the
    current channel's wording of it, if any: `worded`)."""
    wording = _wording.get() if _language.get() == DEFAULT_LANGUAGE else None
    text = wording.get(key) if wording is not None else None
    if text is None:
        text = node(key)
    if not isinstance(text, str):
        raise KeyError(f"{key} is a group of texts, not a text")
    return text.format(**values) if values else text


def facts_note() -> str | None:
    """One line saying that the passport's facts are quoted in Azerbaijani, when the turn
    speaks another language; None in Azerbaijani."""
    return t("facts_note") if _language.get() != DEFAULT_LANGUAGE else None


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
    """ "23 noyabr 2026, bazar ertəsi" ("23 ноября 2026, понедельник" in Russian): month and
    weekday names from babel's locale, never hand-written; our rule cases them. Mid-sentence
    they are common nouns, lower case in Azerbaijani (Azerbaijani casing: I → ı, İ → i) and
    in Russian, whatever a babel release capitalises."""
    from babel.dates import format_date as babel_format

    from nlu.normalize import az_lower

    locale = _language.get()
    return az_lower(f"{babel_format(day, 'd MMMM y', locale=locale)}, "
                    f"{babel_format(day, 'EEEE', locale=locale)}")  # fmt: skip
