"""The one hand-off point. Until the operator console exists, "a person" is the 142 call
center; live operators plug in here by replacing `CallCenterHandoff`."""

from __future__ import annotations

from typing import Protocol

from bot.catalog import t
from bot.choices import Pick, choice
from bot.messages import Handoff, Outbound
from knowledge.centers import Centers
from nlu.morphology import ablative


class HandoffPoint(Protocol):
    async def request(self, conversation_id: str, reason: str, summary: str) -> Outbound: ...


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

    async def request(self, conversation_id: str, reason: str, summary: str) -> Outbound:
        return Outbound(
            text=t("handoff.call_center", **center_hours_values(self.centers)),
            choices=[choice(Pick.MAIN, t("menu.back"))],
            handoff=Handoff(reason=reason, summary=summary),
            intent="human_handoff",
        )
