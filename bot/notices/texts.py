"""A notice in words, per channel, from the catalog's `notice:` section.

- Telegram and the web chat: the full text; a mandatory notice ends with the "Aldım" button.
- WhatsApp: the full text and "write Aldım"; outside the 24-hour window the channel sends the
  approved template named after the notice instead (`Outbound.template`, values "1", "2", …).
- SMS: a short text that fits two UCS-2 parts (134 characters), numeric dates.
- Voice: the full text, spoken (the call adds "1 — heard, 2 — repeat").

Texts are made when the event arrives and kept with the notification, so every retry and every
channel says the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from bot.catalog import format_date, t
from bot.messages import Choice, Outbound
from bot.notices.events import (
    ApplicationStatus,
    CommissionDecision,
    CommissionScheduled,
    MonitoringVisit,
)

ACK_PREFIX = "ack:"  # the "Aldım" button's choice id: "ack:<notification id>"
SMS_LIMIT = 134  # two UCS-2 parts of 67 characters


def ack_choice_id(notice_id: str) -> str:
    return f"{ACK_PREFIX}{notice_id}"


def sms_day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def clock_time(moment: time) -> str:
    return moment.strftime("%H:%M")


@dataclass(frozen=True)
class Wording:
    """One notice's words: the catalog key of its kind and the values to fill in."""

    kind: str  # commission_scheduled, commission_changed, commission_reminder, decision_…, …
    full: dict[str, str]  # values of the full text
    short: dict[str, str]  # values of the SMS text
    extra: list[str] = field(default_factory=list)  # lines after the full text (a reason)
    template_values: dict[str, str] = field(default_factory=dict)


def wording(event: object, service: str, *, reminder: bool = False,
            changed: bool = False) -> Wording:  # fmt: skip
    match event:
        case CommissionScheduled():
            kind = ("commission_reminder" if reminder
                    else "commission_changed" if changed else "commission_scheduled")  # fmt: skip
            at = clock_time(event.time)
            return Wording(
                kind,
                {"service": service, "day": format_date(event.date), "time": at,
                 "place": event.place},
                {"day": sms_day(event.date), "time": at, "place": event.place},
                template_values={"1": format_date(event.date), "2": at, "3": event.place},
            )  # fmt: skip
        case CommissionDecision():
            extra = [t("notice.reason", reason=event.reason)] if event.reason else []
            return Wording(f"decision_{event.decision}", {"service": service}, {}, extra,
                           {"1": service})  # fmt: skip
        case MonitoringVisit():
            full = {"service": service, "day": format_date(event.date)}
            short = {"day": sms_day(event.date), "window": ""}
            extra = []
            if event.time_from and event.time_to:
                window = {"start": clock_time(event.time_from), "end": clock_time(event.time_to)}
                extra = [t("notice.window", **window)]
                short["window"] = t("notice.sms.window", **window)
            return Wording("monitoring_visit", full, short, extra,
                           {"1": format_date(event.date)})  # fmt: skip
        case ApplicationStatus():
            full = {"service": service, "status": event.status}
            short = {"status": event.status}
            return Wording("application_status", full, short, template_values={"1": event.status})
    raise TypeError(f"not a notice event: {event!r}")


@dataclass(frozen=True)
class NoticeText:
    message: Outbound  # Telegram, the web chat: the default
    variants: dict[str, Outbound]  # per channel: sms, whatsapp, voice

    def for_channel(self, channel: str) -> Outbound:
        return self.variants.get(channel, self.message)


def compose(words: Wording, notice_id: str, *, mandatory: bool) -> NoticeText:
    body = "\n".join([t(f"notice.{words.kind}", **words.full), *words.extra])
    buttons = [Choice(id=ack_choice_id(notice_id), title=t("notice.ack_button"))]
    screen = Outbound(
        text=f"{body}\n\n{t('notice.ack_button_hint')}" if mandatory else body,
        choices=buttons if mandatory else [],
    )
    whatsapp = Outbound(
        text=f"{body}\n\n{t('notice.ack_reply_hint')}" if mandatory else body,
        template=words.kind,
        template_values=words.template_values,
    )
    sms = Outbound(text=t(f"notice.sms.{words.kind}", **words.short))
    # The call: key 1 (or listening to the end) acknowledges it, whatever the notice.
    voice = Outbound(text=f"{t('notice.voice.intro')} {body}", choices=buttons)
    return NoticeText(screen, {"whatsapp": whatsapp, "sms": sms, "voice": voice})
