"""The notices' words: every SMS fits two parts with the longest values an event may carry
(Azerbaijani letters make an SMS UCS-2: 70 characters alone, 67 a part when split), and every
channel gets its own wording."""

from __future__ import annotations

import datetime as dt
import math
import string

import pytest

from bot.catalog import node, t
from bot.notices.ack import is_ack_word
from bot.notices.events import (
    PLACE_MAX,
    STATUS_MAX,
    ApplicationStatus,
    CommissionDecision,
    CommissionScheduled,
    MonitoringVisit,
)
from bot.notices.texts import SMS_LIMIT, compose, wording

# The GSM-7 basic character set (the extension table's characters, counted double, not needed).
GSM7 = set(
    string.ascii_letters + string.digits
    + " @£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà"
)  # fmt: skip


def sms_parts(text: str) -> int:
    """How many SMS a text takes: GSM-7 (160, 153 a part) or UCS-2 (70, 67 a part)."""
    if set(text) <= GSM7:
        return 1 if len(text) <= 160 else math.ceil(len(text) / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def test_parts_are_counted_as_carriers_count_them() -> None:
    assert sms_parts("a" * 160) == 1 and sms_parts("a" * 161) == 2
    assert sms_parts("ə" * 70) == 1 and sms_parts("ə" * 71) == 2 and sms_parts("ə" * 134) == 2
    assert sms_parts("ə" * 135) == 3


LONGEST = {
    "day": "30.12.2026",
    "time": "23:59",
    "place": "Ş" * PLACE_MAX,
    "status": "ə" * STATUS_MAX,
    "window": t("notice.sms.window", start="23:00", end="23:59"),
}


@pytest.mark.parametrize("key", sorted(k for k in node("notice.sms") if k != "window"))
def test_every_sms_template_fits_two_parts_filled_with_the_longest_values(key: str) -> None:
    text = t(f"notice.sms.{key}", **LONGEST)
    assert len(text) <= SMS_LIMIT, (key, len(text))
    assert sms_parts(text) <= 2


SERVICE = "Özünüməşğulluq proqramı"
CITIZEN = {"phone": "+994501112233"}
LONGEST_EVENTS = [
    CommissionScheduled(type="commission_scheduled", citizen=CITIZEN, service="s",
                        date=dt.date(2026, 12, 30), time=dt.time(23, 59), place="Ş" * PLACE_MAX),
    CommissionDecision(type="commission_decision", citizen=CITIZEN, service="s",
                       decision="rejected", reason="ə" * 500),
    MonitoringVisit(type="monitoring_visit", citizen=CITIZEN, service="s",
                    date=dt.date(2026, 12, 30), time_from=dt.time(23), time_to=dt.time(23, 59)),
    ApplicationStatus(type="application_status", citizen=CITIZEN, service="s",
                      status="ə" * STATUS_MAX),
]  # fmt: skip


CASES = [(event, False) for event in LONGEST_EVENTS] + [(LONGEST_EVENTS[0], True)]


@pytest.mark.parametrize(("event", "reminder"), CASES, ids=lambda c: getattr(c, "type", str(c)))
def test_each_notice_is_worded_per_channel(event, reminder: bool) -> None:
    mandatory = isinstance(event, (CommissionScheduled, CommissionDecision)) and not reminder
    text = compose(wording(event, SERVICE, reminder=reminder), "ntf_1", mandatory=mandatory)
    sms = text.for_channel("sms").text
    assert len(sms) <= SMS_LIMIT and sms_parts(sms) <= 2
    screen = text.for_channel("telegram")
    assert f"«{SERVICE}»" in screen.text
    assert [c.title for c in screen.choices] == (["Aldım"] if mandatory else [])
    assert ("Aldım" in sms) == mandatory
    whatsapp = text.for_channel("whatsapp")
    assert whatsapp.template and whatsapp.template_values and not whatsapp.choices
    assert text.for_channel("voice").text.startswith("Salam. Bu, DOST-dan zəngdir.")


def test_aldim_is_recognised_however_it_is_typed() -> None:
    for said in ("Aldım", "aldim", "ALDIM!", "aldım.", "Bildirişi aldım", "получил"):
        assert is_ack_word(said), said
    for other in ("aldım, amma başa düşmədim", "almadım", "qərar nədir"):
        assert not is_ack_word(other), other
