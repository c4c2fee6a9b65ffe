"""DOST centers, branches and points: where, when they work, what they offer, how many desks."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

CENTERS_FILE = Path(__file__).resolve().parent / "centers.yaml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Hours(BaseModel):
    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]]
    open: dt.time
    close: dt.time
    source: str
    note: str | None = None

    def is_open_on(self, day: dt.date) -> bool:
        return WEEKDAYS[day.weekday()] in self.weekdays


class Desks(BaseModel):
    default: int = Field(ge=1)
    per_service: dict[str, int] = Field(default_factory=dict)

    def for_service(self, service_id: str) -> int:
        return self.per_service.get(service_id, self.default)


class Center(BaseModel):
    id: str
    name: str
    kind: Literal["center", "branch", "point"]
    parent: str | None = None
    city: str
    district: str | None = None
    address: str | None = None
    serves_districts: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    sources: list[str]
    hours: Hours | None = None  # None: the defaults
    desks: Desks | None = None
    services: Literal["all"] | list[str] = "all"
    closures: list[dt.date] = Field(default_factory=list)  # days closed besides holidays

    def offers(self, service_id: str) -> bool:
        return self.services == "all" or service_id in self.services


class CallCenter(BaseModel):
    number: str
    name: str
    owner: str
    hours: Hours | None = None
    source: str


class Defaults(BaseModel):
    hours: Hours
    desks: Desks


class Centers(BaseModel):
    defaults: Defaults
    call_center: CallCenter
    centers: list[Center]

    def get(self, center_id: str) -> Center | None:
        return next((c for c in self.centers if c.id == center_id), None)

    def hours(self, center: Center) -> Hours:
        return center.hours or self.defaults.hours

    def desks(self, center: Center, service_id: str) -> int:
        return (center.desks or self.defaults.desks).for_service(service_id)

    def aliases(self) -> dict[str, list[str]]:
        """center id → every name people use for it (for entity extraction)."""
        return {c.id: [c.name, *c.aliases] for c in self.centers}


def load_centers(path: Path = CENTERS_FILE) -> Centers:
    return Centers.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def default_centers() -> Centers:
    return load_centers()
