"""The one hand-off point. "A person" is a live operator when operator accounts exist
(`LiveHandoff`: consent first, then the queue; outside the operators' hours, when they are back
and a callback); otherwise, and in the IVR simulator, the 142 call center (`CallCenterHandoff`).
On the phone line a queued hand-off is a call: its `Handoff.queue` tells the line to hold the
caller in that operators' queue (bot/operators/calls.py). The queue (skill) is the center's when
the conversation's center is known and an operator serves it, else the service's group."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from bot.catalog import format_date, t
from bot.choices import Pick, choice
from bot.messages import Handoff, Outbound
from bot.operators.calls import CALL
from bot.simulated import CHANNEL as SIMULATOR
from knowledge.centers import Centers
from nlu.morphology import ablative, locative

if TYPE_CHECKING:
    from datetime import datetime

    from bot.operators.desk import Desk

# Channels whose hand-off is still the call center's: the IVR simulator has no Twilio queue.
CALL_CENTER_CHANNELS = frozenset({SIMULATOR})
# Channels whose hand-off is a call held in a Twilio queue until an operator takes it.
CALL_CHANNELS = frozenset({"voice"})


class HandoffPoint(Protocol):
    async def request(
        self, conversation_id: str, reason: str, summary: str, **context: str | None
    ) -> Outbound: ...


def center_hours_values(centers: Centers) -> dict[str, str]:
    hours = centers.defaults.hours
    return {
        "days": t("centers.hours_weekdays"),
        "open_from": ablative(hours.open.strftime("%H:%M")),
        "open": hours.open.strftime("%H:%M"),  # for a language without the suffix
        "close": hours.close.strftime("%H:%M"),
    }


class CallCenterHandoff:
    def __init__(self, centers: Centers) -> None:
        self.centers = centers

    async def request(
        self, conversation_id: str, reason: str, summary: str, **context: str | None
    ) -> Outbound:
        return Outbound(
            text=t("handoff.call_center", **center_hours_values(self.centers)),
            choices=[choice(Pick.MAIN, t("menu.back"))],
            handoff=Handoff(reason=reason, summary=summary),
            intent="human_handoff",
        )


def center_skill(center: str) -> str:
    """The operators' skill (queue) of one DOST center: "center:<id>"."""
    return f"center:{center}"


def when_back(moment: datetime) -> str:
    """ "23 noyabr 2026, bazar ertəsi, saat 09:00-da" """
    hour = moment.strftime("%H:%M")  # Russian says "в 09:00", Azerbaijani "09:00-da"
    return t("live.when", day=format_date(moment.date()), time=locative(hour), hour=hour)


class LiveHandoff:
    """Live operators through the desk (`bot.operators.desk`); `skill_of` names the queue of a
    service (its group)."""

    def __init__(
        self, desk: Desk, fallback: HandoffPoint, skill_of: Callable[[str | None], str]
    ) -> None:
        self.desk = desk
        self.fallback = fallback
        self.skill_of = skill_of

    async def _live(self, channel: str | None) -> bool:
        return channel not in CALL_CENTER_CHANNELS and await self.desk.configured()

    async def consent(
        self, conversation_id: str, reason: str, channel: str | None
    ) -> Outbound | None:
        """The question asked before a hand-off, or None when there is nobody to ask for (no
        operators, outside their hours, the phone line): then `request` says what to do."""
        if not await self._live(channel) or not self.desk.at_work():
            return None
        if await self.desk.is_open(conversation_id):
            return None
        return Outbound(
            text=t("live.consent"),
            choices=[
                choice(Pick.HANDOFF_YES, t("live.consent_yes"), reason),
                choice(Pick.HANDOFF_NO, t("live.consent_no")),
            ],
            intent="human_handoff",
        )

    async def request(
        self, conversation_id: str, reason: str, summary: str, **context: str | None
    ) -> Outbound:
        channel, service = context.get("channel"), context.get("service")
        if not await self._live(channel):
            return await self.fallback.request(conversation_id, reason, summary, **context)
        if not self.desk.at_work():
            return self.closed_hours()
        from bot.operators.desk import WAIT_KEY, waiting_choices, waiting_text

        skill = await self._skill(service, context.get("center"))
        call = channel in CALL_CHANNELS
        placement = await self.desk.request(
            conversation_id,
            channel=channel or "",
            reason=reason,
            skill=skill,
            service=service,
            summary=summary,
            kind=CALL if call else "chat",
        )
        if call:  # the phone line says where the caller stands, each wait loop
            return Outbound(
                text=t("live.call_queued"),
                handoff=Handoff(reason=reason, summary=summary, queue=skill),
                intent="human_handoff",
            )
        text = t("live.connecting") if placement.status != "queued" else waiting_text(placement)
        return Outbound(
            text=text,
            choices=waiting_choices() if placement.status == "queued" else [],
            handoff=Handoff(reason=reason, summary=summary),
            intent="human_handoff",
            update_key=WAIT_KEY,
        )

    async def _skill(self, service: str | None, center: str | None) -> str:
        """The queue: the center's when the conversation's center is known and some operator
        serves it by name, else the service's group."""
        if center:
            skill = center_skill(center)
            if skill in {s for a in await self.desk.accounts.all() for s in a.skills}:
                return skill
        return self.skill_of(service)

    def closed_hours(self) -> Outbound:
        back = self.desk.back_at()
        text = t("live.closed_hours", when=when_back(back)) if back else t("live.no_hours")
        return Outbound(
            text=text,
            choices=[
                choice(Pick.CALLBACK, t("live.callback_offer")),
                choice(Pick.MAIN, t("menu.back")),
            ],
            intent="human_handoff",
        )
