"""How each kind of notice travels: the channels in order, whether the citizen must say they
received it ("Aldım"), and its lane (decisions and commission changes overtake bulk notices).

`NoticeConfig` gathers the settings the job worker and the intake need (the composition root
builds it from `bot.config.Settings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.quiet_hours import QuietHours

if TYPE_CHECKING:
    from bot.config import Settings

DEFAULT_CHANNELS = ("telegram", "whatsapp", "sms", "voice")
# Channels where the citizen can answer "Aldım" (a button, a reply or key 1 on a call).
ACK_CHANNELS = frozenset({"telegram", "whatsapp", "sms", "web", "voice"})
REMINDER = "commission_reminder"  # the automatic reminder the day before a commission


@dataclass(frozen=True)
class Policy:
    mandatory: bool  # needs "Aldım" within the read deadline, else the next channel
    priority: bool  # the priority lane


POLICIES: Mapping[str, Policy] = {
    "commission_scheduled": Policy(mandatory=True, priority=False),  # a change: priority
    "commission_decision": Policy(mandatory=True, priority=True),
    "monitoring_visit": Policy(mandatory=False, priority=False),
    "application_status": Policy(mandatory=False, priority=False),
    REMINDER: Policy(mandatory=False, priority=False),
}


def parse_channels(spec: str) -> dict[str, tuple[str, ...]]:
    """ "commission_decision=telegram,sms;monitoring_visit=sms" → per type, the channels."""
    found: dict[str, tuple[str, ...]] = {}
    for item in spec.split(";"):
        if not item.strip():
            continue
        kind, _, channels = item.partition("=")
        order = tuple(c.strip() for c in channels.split(",") if c.strip())
        if kind.strip() not in POLICIES or not order:
            raise ValueError(f"DOST_NOTICE_CHANNELS: cannot read {item!r}")
        found[kind.strip()] = order
    return found


DEFAULT_QUIET_HOURS = QuietHours.parse("21:00-09:00")


@dataclass(frozen=True)
class NoticeConfig:
    quiet_hours: QuietHours | None = DEFAULT_QUIET_HOURS
    read_deadline: timedelta = timedelta(hours=24)
    channels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    release_rate: float = 30.0  # notices a second released after the quiet hours

    def channels_for(self, kind: str) -> tuple[str, ...]:
        return self.channels.get(kind, DEFAULT_CHANNELS)

    @classmethod
    def from_settings(cls, settings: Settings) -> NoticeConfig:
        return cls(
            quiet_hours=QuietHours.parse(settings.quiet_hours),
            read_deadline=timedelta(hours=settings.notice_read_hours),
            channels=parse_channels(settings.notice_channels),
            release_rate=settings.notice_release_rate,
        )
