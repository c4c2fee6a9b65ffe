"""What DOST's back office tells the assistant: one event about one citizen (the body of
`POST /api/v1/events`, a row of the CSV import).

Every event names the citizen by FIN and/or phone and the service (a passport id), and may
carry `valid_until`: after it the notice is not sent any more (`expired`). A commission date and
a monitoring visit are not worth sending after they took place, so they are valid until then
unless told otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from bot.clock import BAKU, as_baku
from bot.identity import parse_phone

FIN_PATTERN = r"^[0-9A-HJ-NP-Za-hj-np-z]{7}$"
PLACE_MAX = 50  # a place must fit the SMS template's two parts (see bot.notices.texts)
STATUS_MAX = 60
REASON_MAX = 500

EVENT_TYPES = ("commission_scheduled", "commission_decision", "monitoring_visit",
               "application_status")  # fmt: skip


class Citizen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fin: str | None = Field(default=None, pattern=FIN_PATTERN, examples=["5ZK2P7A"])
    phone: str | None = Field(default=None, examples=["+994501234567"])

    @field_validator("fin")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else None  # a FIN is ASCII: plain upper() is right

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        phone = parse_phone(value)
        if phone is None:
            raise ValueError("not a valid phone number")
        return phone

    @model_validator(mode="after")
    def _someone(self) -> Citizen:
        if not self.fin and not self.phone:
            raise ValueError("fin or phone is required")
        return self


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    citizen: Citizen
    service: str = Field(min_length=1, max_length=64, examples=["02-04-10-00"])
    valid_until: dt.datetime | None = Field(
        default=None, description="ISO 8601 with offset; after it the notice is not sent"
    )

    @field_validator("valid_until")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-11-23T10:00:00+04:00")
        return value

    def expires_at(self) -> dt.datetime | None:
        """When the notice stops being worth sending."""
        return self.valid_until


class CommissionScheduled(_Event):
    """The business-plan commission meets: its date, time and place."""

    type: Literal["commission_scheduled"]
    date: dt.date
    time: dt.time
    place: str = Field(min_length=1, max_length=PLACE_MAX)

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.time, BAKU)

    def expires_at(self) -> dt.datetime:
        return self.valid_until or self.starts_at


class CommissionDecision(_Event):
    """The commission decided: approved or rejected, with its reason."""

    type: Literal["commission_decision"]
    decision: Literal["approved", "rejected"]
    reason: str | None = Field(default=None, max_length=REASON_MAX)


class MonitoringVisit(_Event):
    """A social agent visits: the day and, when known, the time window."""

    type: Literal["monitoring_visit"]
    date: dt.date
    time_from: dt.time | None = None
    time_to: dt.time | None = None

    @model_validator(mode="after")
    def _window(self) -> MonitoringVisit:
        if (self.time_from is None) != (self.time_to is None):
            raise ValueError("time_from and time_to come together")
        if self.time_from and self.time_to and self.time_to <= self.time_from:
            raise ValueError("time_to must be after time_from")
        return self

    def expires_at(self) -> dt.datetime:
        if self.valid_until:
            return self.valid_until
        if self.time_to is not None:
            return dt.datetime.combine(self.date, self.time_to, BAKU)
        return dt.datetime.combine(self.date + dt.timedelta(days=1), dt.time(0), BAKU)


class ApplicationStatus(_Event):
    """The application's status, in DOST's words."""

    type: Literal["application_status"]
    status: str = Field(min_length=1, max_length=STATUS_MAX)


Event = Annotated[
    CommissionScheduled | CommissionDecision | MonitoringVisit | ApplicationStatus,
    Field(discriminator="type"),
]
EVENT = TypeAdapter(Event)


def parse_event(data: object) -> CommissionScheduled | CommissionDecision | MonitoringVisit | \
        ApplicationStatus:  # fmt: skip
    return EVENT.validate_python(data)


def expired(event: _Event, now: dt.datetime) -> bool:
    until = event.expires_at()
    return until is not None and as_baku(until) <= now
