"""The passport forms as data: layouts (layouts.yaml) and canonical options (options.yaml)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from knowledge.model import FieldKind
from nlu.normalize import fold

HERE = Path(__file__).resolve().parent


class FieldSpec(BaseModel):
    number: str
    key: str
    title: str
    kind: FieldKind
    options: str | None = None
    single: bool = False
    complete_set: bool = False
    complete_list: str | None = None
    unit_field: str | None = None
    unit: str | None = None


class Layout(BaseModel):
    name: str
    detect: str
    fields: list[FieldSpec]

    def spec(self, number: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.number == number), None)

    @property
    def max_number(self) -> int:
        return max(int(f.number) for f in self.fields)


class Option(BaseModel):
    label: str
    variants: list[str] = Field(default_factory=list)


def wording_key(text: str) -> str:
    """Compare wordings as the forms' variants differ: quotes, spacing, "vasitəsi ilə"."""
    text = re.sub(r"[\"“”«»„']", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.replace("vasitəsi ilə", "vasitəsilə")


class OptionSet(BaseModel):
    name: str
    options: dict[str, Option]
    complete: list[str] = Field(default_factory=list)

    def canonical(self, wording: str) -> str | None:
        key = wording_key(wording)
        for option_id, option in self.options.items():
            if key in {wording_key(w) for w in (option.label, *option.variants)}:
                return option_id
        return None

    def label(self, option_id: str) -> str:
        return self.options[option_id].label


def item_key(text: str) -> str:
    """Compare the items of a form's printed list: wording, quotes, punctuation and letters
    folded (nlu.normalize.fold)."""
    return fold(wording_key(text))


@cache
def complete_lists() -> dict[str, frozenset[str]]:
    """The original form's complete LIST items (layouts.yaml `complete_lists`), as item keys."""
    data = yaml.safe_load((HERE / "layouts.yaml").read_text(encoding="utf-8"))
    return {
        name: frozenset(item_key(item) for item in items)
        for name, items in data.get("complete_lists", {}).items()
    }


@cache
def layouts() -> dict[str, Layout]:
    data = yaml.safe_load((HERE / "layouts.yaml").read_text(encoding="utf-8"))
    return {name: Layout(name=name, **body) for name, body in data["layouts"].items()}


OPTIONS_FILE = HERE / "options.yaml"


@cache
def option_sets() -> dict[str, OptionSet]:
    """The packaged option sets (knowledge/options.yaml), read once per process."""
    return load_option_sets(OPTIONS_FILE)


def load_option_sets(path: Path) -> dict[str, OptionSet]:
    complete = yaml.safe_load((HERE / "layouts.yaml").read_text(encoding="utf-8"))["complete_sets"]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        name: OptionSet(
            name=name,
            options={k: Option(**v) for k, v in body.items()},
            complete=complete.get(name, []),
        )
        for name, body in data.items()
    }
