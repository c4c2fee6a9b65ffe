"""SMS and WhatsApp through the ASGI app: signed messaging webhooks in, TwiML <Message> out with
numbered choices; STOP/START; retries; outbound messages to a local fake of Twilio's REST API."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
import redis as sync_redis
from fastapi.testclient import TestClient

from bot.delivery import Outcome, Route
from bot.messages import Outbound
from bot.people import People
from bot.receipts import Receipts
from channels.twilio.messaging import Messenger, TwilioSender, status_callback_url
from channels.twilio.texts import tx
from dost.app import create_app
from tests.test_twilio_voice import twilio_settings
from tests.twilio_fake import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE,
    FakeTwilio,
    running_fake,
    signed_headers,
)

SENDER = "+994552223344"
URL = f"{PUBLIC_BASE}/webhooks/twilio/messaging"


@pytest.fixture
def fake_api() -> Iterator[FakeTwilio]:
    with running_fake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
def client(redis_url: str, tmp_path: Path, nlu_cache: Path, nlu, fake_api: FakeTwilio, clock):
    """The app on a frozen Friday morning: a booking finds free times whatever the hour."""
    shutil.copytree(nlu_cache, tmp_path / "cache")
    settings = twilio_settings(
        redis_url, tmp_path, fake_api.url, TWILIO_WHATSAPP_NUMBER="+14155238886"
    )
    with TestClient(create_app(settings, clock)) as c:
        yield c


class Phone:
    """A person texting the service; each message gets a new MessageSid, as on Twilio."""

    def __init__(self, client: TestClient, address: str = SENDER) -> None:
        self.client = client
        self.address = address
        self.count = 0
        self.last_params: dict[str, str] = {}

    def send(self, body: str, sid: str | None = None) -> list[str]:
        self.count += 1
        sid = sid or f"SM{self.count:032x}"
        params = {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": sid,
            "SmsSid": sid,
            "From": self.address,
            "To": "+15005550006",
            "Body": body,
            "NumMedia": "0",
            "ApiVersion": "2010-04-01",
        }
        self.last_params = params
        return self.post(params)

    def post(self, params: dict[str, str]) -> list[str]:
        response = self.client.post(
            "/webhooks/twilio/messaging", data=params, headers=signed_headers(URL, params)
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        root = ElementTree.fromstring(response.text)
        assert root.tag == "Response"
        return [m.text or "" for m in root.iter("Message")]


def number_of(reply: str, title: str) -> str:
    match = re.search(rf"^(\d+)\. {re.escape(title)}$", reply, re.M)
    assert match, f"no {title!r} in:\n{reply}"
    return match.group(1)


def test_sms_conversation_documents_booking_and_a_person(client: TestClient) -> None:
    phone = Phone(client)
    [menu] = phone.send("Salam")
    assert "1. Məşğulluq" in menu and tx("messaging.person_line") in menu
    assert menu.endswith(tx("messaging.reply_hint"))

    [group] = phone.send(number_of(menu, "Məşğulluq"))
    [service] = phone.send(number_of(group, "Özünüməşğulluq proqramı"))
    [documents] = phone.send(number_of(service, "Tələb olunan sənədlər"))
    assert "Şəxsiyyət vəsiqəsi" in documents

    [typed] = phone.send("ozunumesgulluq proqrami ucun hansi senedler lazimdir")
    assert "Şəxsiyyət vəsiqəsi" in typed

    [centers] = phone.send("özünüməşğulluq üçün növbəyə yazılmaq istəyirəm")
    [days] = phone.send(number_of(centers, "1 saylı Bakı DOST Mərkəzi"))
    [times] = phone.send("1")
    [confirm] = phone.send("1")
    assert "Telefon: 055 222 33 44" in confirm  # the sender's number, not asked for
    [booked] = phone.send(number_of(confirm, "Təsdiq edirəm"))
    code = re.search(r"Növbə kodu: (\w{6})", booked).group(1)
    booking = client.portal.call(client.app.state.engine.bookings.get, code)
    assert booking.phone == SENDER and booking.channel == "sms"
    assert days and times

    [person] = phone.send("0")
    assert "142" in person
    transcript = client.portal.call(client.app.state.engine.transcript, f"sms:{SENDER}")
    assert transcript[-1]["intent"] == "human_handoff"


def test_a_number_not_in_the_menu_repeats_the_menu(client: TestClient, redis_url: str) -> None:
    phone = Phone(client)
    [_menu] = phone.send("Salam")
    turns = sync_redis.Redis.from_url(redis_url).llen(f"dost:transcript:sms:{SENDER}")
    [again] = phone.send("42")
    assert again.startswith(tx("messaging.invalid_number"))
    assert "1. Məşğulluq" in again
    assert sync_redis.Redis.from_url(redis_url).llen(f"dost:transcript:sms:{SENDER}") == turns


def test_stop_and_start(client: TestClient, fake_api: FakeTwilio, redis_url: str) -> None:
    phone = Phone(client)
    phone.send("Salam")
    assert phone.send("STOP") == [tx("messaging.stopped")]
    assert phone.send("Salam") == []  # opted out: nothing but START is answered
    assert phone.send("1") == []

    # The opt-out is the registry's: delivery leaves the address out of the person's routes.
    people = People(client.app.state.redis)
    assert client.portal.call(people.is_opted_out, "sms", SENDER)
    assert not client.portal.call(people.is_opted_out, "whatsapp", f"whatsapp:{SENDER}")
    assert client.portal.call(people.usable, [Route("sms", SENDER)]) == []

    assert phone.send("start") == [tx("messaging.started")]
    [menu] = phone.send("Salam")
    assert "Məşğulluq" in menu

    assert phone.send("Dayandır") == [tx("messaging.stopped")]  # Azerbaijani, any case
    assert phone.send("BAŞLA") == [tx("messaging.started")]


def test_a_retried_message_has_no_second_effect(client: TestClient, redis_url: str) -> None:
    phone = Phone(client)
    first = phone.send("Salam")
    again = phone.post(phone.last_params)  # Twilio retried the same MessageSid
    assert again == first
    transcript = sync_redis.Redis.from_url(redis_url).lrange(f"dost:transcript:sms:{SENDER}", 0, -1)
    assert sum(b'"role": "user"' in entry for entry in transcript) == 2  # the contact, one Salam


def test_whatsapp_uses_its_own_conversation(client: TestClient) -> None:
    whatsapp = Phone(client, address=f"whatsapp:{SENDER}")
    [menu] = whatsapp.send("Salam")
    assert "1. Məşğulluq" in menu
    transcript = client.portal.call(client.app.state.engine.transcript, f"whatsapp:{SENDER}")
    assert transcript and all(e.get("channel") in ("whatsapp", None) for e in transcript)
    assert client.portal.call(client.app.state.engine.transcript, f"sms:{SENDER}") == []


def test_outbound_messages_and_status_callbacks(
    client: TestClient, fake_api: FakeTwilio, redis_url: str
) -> None:
    messenger = Messenger(
        ACCOUNT_SID,
        AUTH_TOKEN,
        api_base=fake_api.url,
        sms_from="+15005550006",
        whatsapp_from="+14155238886",
        status_callback=status_callback_url(PUBLIC_BASE),
    )
    [sms_sid] = client.portal.call(messenger.send, SENDER, "Növbəniz sabahdır.")
    [wa_sid] = client.portal.call(messenger.send, f"whatsapp:{SENDER}", "Salam!")
    sms, wa = fake_api.messages
    assert (sms["To"], sms["From"], sms["Body"]) == (SENDER, "+15005550006", "Növbəniz sabahdır.")
    assert (wa["To"], wa["From"]) == (f"whatsapp:{SENDER}", "whatsapp:+14155238886")
    assert sms["StatusCallback"] == f"{PUBLIC_BASE}/webhooks/twilio/messaging/status"
    assert fake_api.rejected == 0

    status_url = f"{PUBLIC_BASE}/webhooks/twilio/messaging/status"
    for status in ("sent", "delivered"):
        params = {"AccountSid": ACCOUNT_SID, "MessageSid": sms_sid, "MessageStatus": status}
        response = client.post(
            "/webhooks/twilio/messaging/status",
            data=params,
            headers=signed_headers(status_url, params),
        )
        assert response.status_code == 204
    failed = {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": wa_sid,
        "MessageStatus": "undelivered",
        "ErrorCode": "63016",
    }
    client.post(
        "/webhooks/twilio/messaging/status", data=failed, headers=signed_headers(status_url, failed)
    )
    receipts = Receipts(client.app.state.redis)
    assert client.portal.call(receipts.get, sms_sid)["status"] == "delivered"
    stored = client.portal.call(receipts.get, wa_sid)
    assert stored["status"] == "undelivered" and stored["error_code"] == "63016"


def test_the_twilio_sender_reports_results(client: TestClient, fake_api: FakeTwilio) -> None:
    messenger = Messenger(ACCOUNT_SID, AUTH_TOKEN, api_base=fake_api.url, sms_from="+15005550006",
                          whatsapp_from="+14155238886")  # fmt: skip
    receipts = Receipts(client.app.state.redis)
    sms = TwilioSender(messenger, "sms", receipts)
    result = client.portal.call(sms.send, SENDER, Outbound(text="Xatırlatma"))
    assert result.outcome is Outcome.DELIVERED and len(result.provider_ids) == 1
    assert client.portal.call(receipts.get, result.provider_ids[0])["channel"] == "sms"
    whatsapp = TwilioSender(messenger, "whatsapp", receipts)
    client.portal.call(whatsapp.send, f"whatsapp:{SENDER}", Outbound(text="Salam"))
    assert fake_api.messages[-1]["To"] == f"whatsapp:{SENDER}"

    fake_api.fail_next(500)
    result = client.portal.call(sms.send, SENDER, Outbound(text="x"))
    assert result.outcome is Outcome.TRANSIENT
    fake_api.fail_next(400, code=21211)  # not a valid number: the address is gone
    result = client.portal.call(sms.send, SENDER, Outbound(text="x"))
    assert result.outcome is Outcome.PERMANENT and result.address_gone and "21211" in result.error


def test_wrong_credentials_are_refused_by_the_fake(fake_api: FakeTwilio, redis_url: str) -> None:
    """The fake checks auth like Twilio: a client with another token is refused (401)."""
    import asyncio

    from twilio.base.exceptions import TwilioRestException

    async def attempt() -> None:
        bad = Messenger(ACCOUNT_SID, "z" * 32, api_base=fake_api.url, sms_from="+15005550006")
        with pytest.raises(TwilioRestException):
            await bad.send(SENDER, "x")

    asyncio.run(attempt())
    assert fake_api.rejected == 1 and fake_api.messages == []
