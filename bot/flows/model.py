"""Flows as data: what the engine walks for each service."""

from __future__ import annotations

import re

from pydantic import BaseModel


class Topic(BaseModel):
    id: str
    intent: str
    fields: list[str] = []
    action: str | None = None  # book / handoff: not answered from fields
    requires_text: str | None = None  # the topic exists only where a field mentions this
    curated: list[str] = []  # curated sections that answer it too (Curated.<name>)
    decides: list[str] = []  # the fields that decide its yes/no question
    refines: list[str] = []  # the topics it narrows, when the question matches `words`
    words: list[str] = []  # regular expressions on the folded question
    menu: bool = True  # offered in a service's menu when answerable

    @property
    def patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(w) for w in self.words]


class ServiceFlow(BaseModel):
    service_id: str
    name: str  # the name shown to people
    group: str  # classification id for the main menu
    menu: list[str]  # topic ids offered as choices, in order
    answerable: dict[str, bool]  # topic id → some field of it is shown


class MainMenu(BaseModel):
    groups: dict[str, list[str]]  # group id → service ids, in menu order
