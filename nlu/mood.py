"""Anger in a message: insults and exasperation ("axmaq bot", "heç nə başa düşmürsən"), read
from a curated list of patterns on the folded text (nlu/data/anger.yml)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from nlu.normalize import fold

ANGER_FILE = Path(__file__).resolve().parent / "data" / "anger.yml"


@cache
def _anger() -> re.Pattern[str]:
    patterns = yaml.safe_load(ANGER_FILE.read_text(encoding="utf-8"))
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def is_angry(text: str) -> bool:
    return _anger().search(fold(text)) is not None
