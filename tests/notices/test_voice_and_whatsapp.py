"""Notices by phone call (Twilio's REST API faked over HTTP; the call's webhooks signed as Twilio
signs them) and on WhatsApp inside and outside its 24-hour window."""

from __future__ import annotations

import json
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest

from bot.catalog import t
from bot.config import Settings
from bot.people import People, Proof
from tests.notices.kit import PHONE, BackOffice, decision, results
from tests.test_twilio_messaging import Phone
from tests.twilio_fake import ACCOUNT_SID, PUBLIC_BASE, signed_headers

VOICE_FROM = "+994120000142"
WHATSAPP_FROM = "+14155238886"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={
        "twilio_voice_number": VOICE_FROM,
        "twilio_whatsapp_number": WHATSAPP_FROM,
        "notice_channels": "commission_decision=whatsapp,voice,sms",
        "whatsapp_templates": "decision_approved=HX0000000000000000000000000000abcd",
    })  # fmt: skip


class NoticeCall:
    """The call Twilio makes for a notice: its webhooks, signed."""

    def __init__(self, back: BackOffice, placed: dict[str, str]) -> None:
        self.back, self.placed = back, placed
        self.url = placed["Url"]
        self.token = self.url.split("n=", 1)[1]

    def post(self, path: str = "", **extra: str) -> tuple[list[str], ElementTree.Element]:
        url = f"{PUBLIC_BASE}/webhooks/twilio/voice/notice{path}?n={self.token}"
        params = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": self.placed["Sid"],
            "To": PHONE,
            "From": VOICE_FROM,
            "CallStatus": "in-progress",
            **extra,
        }
        path = urlsplit(url).path + "?" + urlsplit(url).query
        response = self.back.client.post(path, data=params, headers=signed_headers(url, params))
        assert response.status_code in (200, 204), response.text
        if response.status_code == 204:
            return [], ElementTree.Element("Response")
        root = ElementTree.fromstring(response.text)
        audio = self.back.settings.data_dir / "cache" / "audio"
        spoken = [
            (audio / f"{urlsplit(p.text or '').path.rsplit('/', 1)[-1][:-4]}.txt").read_text()
            for p in root.iter("Play")
        ]
        return spoken, root


def voice_only(back: BackOffice) -> None:
    """The citizen is known by a number staff gave: no WhatsApp, so a call comes first."""
    people = People(back.redis)
    back.client.portal.call(people.prove, PHONE, Proof.STAFF, "sms", PHONE)


def placed_call(back: BackOffice, twilio) -> NoticeCall:
    [placed] = twilio.calls
    assert placed["To"] == PHONE and placed["From"] == VOICE_FROM
    assert placed["Url"].startswith(f"{PUBLIC_BASE}/webhooks/twilio/voice/notice?n=")
    return NoticeCall(back, placed)


def test_a_call_plays_the_notice_and_key_1_acknowledges_it(back: BackOffice, twilio) -> None:
    voice_only(back)
    [notice] = back.send(decision())
    back.run()
    call = placed_call(back, twilio)
    spoken, root = call.post()
    assert "komissiya biznes planınızı təsdiqləyib" in spoken[0]
    assert (
        spoken[1] == "Eşitdiyinizi təsdiqləmək üçün bir, təkrar dinləmək üçün iki düyməsini basın."
    )
    [gather] = root.iter("Gather")
    assert gather.get("numDigits") == "1" and "/notice/key?n=" in gather.get("action", "")
    assert root.find("Redirect").text.endswith(f"/notice/end?n={call.token}")
    again, _ = call.post("/key", Digits="2")  # "təkrar"
    assert again == spoken
    thanks, root = call.post("/key", Digits="1")  # "eşitdim"
    assert thanks == [t("notice.voice.thanks")] and root.find("Hangup") is not None
    call.post("/status", CallStatus="completed", CallDuration="40")
    status = back.status(notice)
    assert status["status"] == "read" and results(status) == [("voice", "delivered")]
    back.run()
    assert twilio.messages == []


def test_listening_to_the_end_counts_too(back: BackOffice, twilio) -> None:
    voice_only(back)
    [notice] = back.send(decision())
    back.run()
    call = placed_call(back, twilio)
    call.post()
    call.post("/end")
    assert back.status(notice)["status"] == "read"


def test_an_unanswered_call_goes_on_to_sms(back: BackOffice, twilio) -> None:
    voice_only(back)
    [notice] = back.send(decision())
    back.run()
    call = placed_call(back, twilio)
    call.post("/status", CallStatus="no-answer")
    back.run()
    status = back.status(notice)
    assert results(status) == [("voice", "delivered"), ("voice", "unheard"), ("sms", "delivered")]
    assert status["status"] == "delivered"
    assert [m["To"] for m in twilio.messages] == [PHONE]


# --- WhatsApp ---------------------------------------------------------------------------------


def on_whatsapp(back: BackOffice) -> None:
    people = People(back.redis)
    back.client.portal.call(people.prove, PHONE, Proof.CARRIER, "whatsapp", f"whatsapp:{PHONE}")


def test_outside_the_24_hour_window_whatsapp_gets_the_approved_template(
    back: BackOffice, twilio
) -> None:
    on_whatsapp(back)
    [notice] = back.send(decision())
    back.run()
    [sent] = twilio.messages
    assert sent["To"] == f"whatsapp:{PHONE}" and sent["From"] == f"whatsapp:{WHATSAPP_FROM}"
    assert sent["ContentSid"] == "HX0000000000000000000000000000abcd" and "Body" not in sent
    assert json.loads(sent["ContentVariables"]) == {"1": "Özünüməşğulluq proqramı"}
    assert results(back.status(notice)) == [("whatsapp", "delivered")]


def test_inside_the_window_whatsapp_gets_the_text(back: BackOffice, twilio) -> None:
    on_whatsapp(back)
    Phone(back.client, f"whatsapp:{PHONE}").send("Salam")
    twilio.messages.clear()
    back.send(decision())
    back.run()
    [sent] = twilio.messages
    assert "təsdiqləyib" in sent["Body"] and "«Aldım» yazın" in sent["Body"]
    assert "ContentSid" not in sent


def test_without_an_approved_template_whatsapp_gives_way(back: BackOffice, twilio) -> None:
    on_whatsapp(back)
    [notice] = back.send(decision(decision="rejected"))  # no template for decision_rejected
    back.run()
    status = back.status(notice)
    assert results(status)[0] == ("whatsapp", "permanent")
    assert "no approved template 'decision_rejected'" in status["attempts"][0]["error"]
    assert results(status)[1] == ("voice", "delivered")  # the next channel
