"""The one message type in and the one out. Every channel parses into `Inbound` and renders
`Outbound`; a flow is written once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

from pydantic import BaseModel, Field, field_validator

from bot.people import Proof
from bot.text_safety import clean_text

MAX_TEXT_CHARS = 2000  # longer messages are cut (and the person told) before the NLU sees them


class Contact(BaseModel):
    """A phone number the channel proves belongs to the sender; a typed number is never one."""

    phone: str  # E.164
    proof: Proof  # how the channel knows (the carrier's caller number, own Telegram contact)
    address: str | None = None  # the sender's address on the channel (default: the conversation)
    name: str | None = None


class Command(StrEnum):
    """What a person asks of the assistant itself, by a button, a command or a key (never
    sentences made up for the NLU)."""

    START = "start"  # a new conversation: the greeting
    MAIN_MENU = "main_menu"
    PERSON = "person"  # talk to a person
    REPEAT = "repeat"  # say the last answer again
    STOP = "stop"  # no more messages we send first, on this channel


class Inbound(BaseModel):
    conversation_id: str
    channel: str  # web, terminal, telegram, voice, sms, whatsapp
    text: str | None = None
    choice: str | None = None  # the id of a choice offered earlier
    command: Command | None = None
    contact: Contact | None = None
    locale: str = "az"
    received_at: datetime | None = None  # when unset, the engine stamps it from its clock
    message_id: str | None = None  # the channel's id: the same id twice is one message
    client_address: str | None = None  # the web client's IP: one-time codes and holds per address

    @field_validator("conversation_id", "text", "choice", "message_id", mode="after")
    @classmethod
    def _safe(cls, value: str | None) -> str | None:
        """The edge of the core: what a channel hands in is stored (transcripts) and logged, so
        a lone surrogate or a NUL never gets past here."""
        return clean_text(value) if value is not None else None


class Choice(BaseModel):
    id: str
    title: str


class SourceRef(BaseModel):
    """Where an answer came from: a passport field, a curated item with its URL, or an official
    service page (field "page": its id, title and URL; no passport)."""

    passport: str = ""
    field: str  # the field's number as in the source layout, "curated" or "page"
    title: str
    url: str | None = None
    key: str | None = None  # the field's canonical key (documents, fee, …)
    service: str | None = None  # the service's name, as the source line says it
    page: str | None = None  # the service page's id (knowledge/pages)


class Handoff(BaseModel):
    reason: str  # asked, repeated_failures, topic_unknown, ...
    summary: str  # what the bot understood, for the person who takes over
    # A call queued for live operators: the operators' queue (skill) it waits in. None: the
    # call center (a call is dialled to 142, a chat is told to call it).
    queue: str | None = None


class Outbound(BaseModel):
    """One reply, its parts kept apart so each channel renders them in its idiom: the text, the
    source line (shown on screens, not read out on the phone), the choices (buttons, numbered
    lines, keypad digits)."""

    text: str
    source_line: str | None = None  # where the answer comes from, one line
    choices: list[Choice] = Field(default_factory=list)
    request_contact: bool = False  # offer the channel's "share my contact" button
    expects: Literal["phone", "code"] | None = None  # the answer is a number typed in digits
    handoff: Handoff | None = None
    hangup: bool = False
    author: Literal["assistant", "operator"] = "assistant"  # who speaks (a live operator's reply)
    # A later message with the same key replaces this one where a screen can (the web chat,
    # Telegram): a citizen's place in the operators' queue, updated as it changes.
    update_key: str | None = None
    # A pre-approved template a channel sends instead of the text where free text is not allowed
    # (WhatsApp outside its 24-hour window): its name and values.
    template: str | None = None
    template_values: dict[str, str] = Field(default_factory=dict)
    # Metadata for channels, logs and tests; never shown as such.
    intent: str | None = None
    service: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)

    @property
    def shown_text(self) -> str:
        """The text with its source line, as a screen shows it."""
        return f"{self.text}\n\n{self.source_line}" if self.source_line else self.text


class ChatEngine(Protocol):
    """What every channel needs of the core: one inbound message in, the replies out."""

    async def handle(self, inbound: Inbound) -> list[Outbound]: ...
