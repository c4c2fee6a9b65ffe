"""The one message type in and the one out. Every channel parses into `Inbound` and renders
`Outbound`; a flow is written once."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

MAX_TEXT_CHARS = 2000  # longer messages are cut (and the person told) before the NLU sees them


class Contact(BaseModel):
    phone: str  # E.164
    verified: bool = False  # the channel proved it belongs to the sender (Telegram user_id)
    name: str | None = None


class Inbound(BaseModel):
    conversation_id: str
    channel: str  # web, terminal, telegram, voice, sms, whatsapp
    text: str | None = None
    choice: str | None = None  # the id of a choice offered earlier
    contact: Contact | None = None
    locale: str = "az"
    received_at: datetime | None = None  # when unset, the engine stamps it from its clock
    message_id: str | None = None  # the channel's id: the same id twice is one message


class Choice(BaseModel):
    id: str
    title: str


class SourceRef(BaseModel):
    """Where an answer came from: a passport field, or a curated item with its URL."""

    passport: str
    field: str  # the field's number as in the source layout, or "curated"
    title: str
    url: str | None = None


class Handoff(BaseModel):
    reason: str  # asked, repeated_failures, topic_unknown, ...
    summary: str  # what the bot understood, for the person who takes over


class Outbound(BaseModel):
    text: str
    choices: list[Choice] = Field(default_factory=list)
    request_contact: bool = False
    handoff: Handoff | None = None
    hangup: bool = False
    author: Literal["assistant", "operator"] = "assistant"  # who speaks (a live operator's reply)
    # Metadata for channels, logs and tests; never shown as such.
    intent: str | None = None
    service: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)
