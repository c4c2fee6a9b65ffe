"""An operator's replies by SMS and WhatsApp (Twilio's REST API, a local fake): the citizen
consents by the menu's number, waits silently, and gets the operator's words as messages."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.catalog import t
from dost.app import create_app
from tests.test_twilio_messaging import SENDER, Phone, number_of
from tests.test_twilio_voice import twilio_settings
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, running_fake

WHATSAPP_NUMBER = "+14155238886"


@pytest.fixture
def fake_api() -> Iterator[FakeTwilio]:
    with running_fake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
def client(redis_url: str, tmp_path: Path, nlu_cache: Path, nlu, fake_api: FakeTwilio):
    shutil.copytree(nlu_cache, tmp_path / "cache")
    settings = twilio_settings(redis_url, tmp_path, fake_api.url, DOST_OPERATOR_HOURS="always",
                               TWILIO_WHATSAPP_NUMBER=WHATSAPP_NUMBER)  # fmt: skip
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.mark.parametrize("address", [SENDER, f"whatsapp:{SENDER}"], ids=["sms", "whatsapp"])
def test_operator_replies_by_sms_and_whatsapp(
    client: TestClient, fake_api: FakeTwilio, address: str
) -> None:
    desk = client.app.state.desk
    client.portal.call(lambda: desk.accounts.add("ayla", "uzun-bir-parol-1", "operator"))
    phone = Phone(client, address=address)
    [asked] = phone.send("operatorla danışmaq istəyirəm")
    assert asked.startswith(t("live.consent"))
    [queued] = phone.send(number_of(asked, t("live.consent_yes")))
    assert queued.startswith(t("live.queued_unknown", ahead=0)[:30])
    conversation = f"{address.split(':')[0] if ':' in address else 'sms'}:{SENDER}"
    assert client.portal.call(desk.take, conversation, "ayla")[0] == "taken"
    assert phone.send("sənədlər barədə sualım var") == []  # the assistant is silent

    delivered = client.portal.call(desk.reply, conversation, "ayla", "Salam, buyurun.")
    assert delivered is True
    last = fake_api.messages[-1]
    assert last["Body"] == "Salam, buyurun." and last["To"] == address
    if address.startswith("whatsapp:"):
        assert last["From"] == f"whatsapp:{WHATSAPP_NUMBER}"
