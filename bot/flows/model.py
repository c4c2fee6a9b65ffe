"""Flows as data: what the engine walks for each service."""

from __future__ import annotations

from pydantic import BaseModel


class Topic(BaseModel):
    id: str
    intent: str
    fields: list[str] = []
    action: str | None = None  # book / handoff: not answered from fields
    requires_text: str | None = None  # the topic exists only where a field mentions this
    curated: str | None = None  # a curated section that answers it too (Curated.<name>)


class ServiceFlow(BaseModel):
    service_id: str
    name: str  # the name shown to people
    group: str  # classification id for the main menu
    menu: list[str]  # topic ids offered as choices, in order
    answerable: dict[str, bool]  # topic id → some field of it is known


class MainMenu(BaseModel):
    groups: dict[str, list[str]]  # group id → service ids, in menu order
