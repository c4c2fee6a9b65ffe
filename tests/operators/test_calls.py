"""A caller asks for a person while live operators are on duty: consent, a Twilio queue with a
wait URL that says the place and the wait, a callback key, the console's incoming-call card,
the operator's take putting the call through (REST to a local fake of Twilio) with a whisper,
and abandoned calls counted by `dost report`. Every webhook is signed as Twilio signs it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from bot.catalog import t
from bot.operators.callbacks import Callbacks
from bot.report import build_report
from channels.twilio import menu as keypad
from channels.twilio.texts import tx
from channels.twilio.voice_speech import speakable
from dost.app import create_app
from tests.test_twilio_voice import CALLER, Call, twilio_settings
from tests.twilio_fake import PUBLIC_BASE, FakeTwilio, running_fake, signed_headers

QUEUE = f"{PUBLIC_BASE}/webhooks/twilio/voice/queue"


@pytest.fixture
def fake_api() -> Iterator[FakeTwilio]:
    from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN

    with running_fake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


def app_client(redis_url: str, data_dir: Path, fake_api: FakeTwilio, clock, hours: str):
    settings = twilio_settings(redis_url, data_dir, fake_api.url, DOST_OPERATOR_HOURS=hours)
    return TestClient(create_app(settings, clock))


@pytest.fixture
def client(redis_url: str, data_dir: Path, fake_api: FakeTwilio, clock) -> Iterator[TestClient]:
    with app_client(redis_url, data_dir, fake_api, clock, "always") as c:
        yield c


def add_operator(client: TestClient, name: str, phone: str | None = None) -> None:
    desk = client.app.state.desk
    client.portal.call(lambda: desk.accounts.add(name, "uzun-bir-parol-1", "operator", phone=phone))


def said_texts(client: TestClient, xml: str) -> list[str]:
    """What each <Play> of the TwiML says (its audio's text file)."""
    root = ElementTree.fromstring(xml)
    cache = client.app.state.settings.data_dir / "cache" / "audio"
    texts = []
    for play in root.iter("Play"):
        key = urlsplit(play.text or "").path.rsplit("/", 1)[-1].removesuffix(".wav")
        texts.append((cache / f"{key}.txt").read_text(encoding="utf-8"))
    assert not list(root.iter("Say"))  # Azerbaijani is audio, never <Say>
    return texts


def post(client: TestClient, url: str, params: dict[str, str]) -> ElementTree.Element:
    parts = urlsplit(url)
    response = client.post(
        parts.path + (f"?{parts.query}" if parts.query else ""),
        data=params,
        headers=signed_headers(url, params),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ElementTree.fromstring(response.text)


def queued_call(
    client: TestClient, sid: str, caller: str = CALLER
) -> tuple[Call, ElementTree.Element]:
    """A call that asked for a person with 0 and consented with the consent's key."""
    call = Call(client, sid=sid, caller=caller)
    call.start()
    consent = call.press("0")
    assert speakable(tx("voice.say_instead.live.consent.say")) in consent.texts
    assert consent.dial is None  # asked first, not put through
    assert consent.texts[-1] != speakable(tx("voice.go_on", **keypad.key_values()))  # a question
    queued = call.press(consent.digit_for(t("live.consent_yes")))
    return call, ElementTree.fromstring(queued.xml)


def test_a_caller_waits_hears_the_place_and_is_put_through_with_a_whisper(
    client: TestClient, fake_api: FakeTwilio
) -> None:
    add_operator(client, "ayla", phone="+994501234567")
    desk = client.app.state.desk
    sid = "CA" + "a" * 32
    conversation = f"voice:{sid}"
    call, root = queued_call(client, sid)

    enqueue = root.find("Enqueue")
    assert enqueue is not None and enqueue.text == "dost-general"
    assert enqueue.get("waitUrl") == f"{QUEUE}/wait" and enqueue.get("action") == f"{QUEUE}/result"
    assert root.find("Dial") is None
    assert said_texts(client, ElementTree.tostring(root, encoding="unicode")) == [
        speakable(tx("voice.queue_joined"))
    ]

    # The console's incoming-call card: a call, the masked number, the keys pressed.
    item = client.portal.call(desk.item, conversation)
    assert item.kind == "call" and item.channel == "voice"
    assert item.call["caller"] == "***33" and item.call["ivr"].startswith("0 → ")
    assert CALLER not in str(item.as_json())

    # Each wait loop: the place and the estimated wait, then the callback key, then a pause.
    queue_sid = "QU" + "1" * 32
    wait = post(client, f"{QUEUE}/wait", call.params(QueueSid=queue_sid, QueuePosition="1"))
    gather = wait.find("Gather")
    assert gather is not None and gather.get("action") == f"{QUEUE}/key"
    texts = said_texts(client, ElementTree.tostring(wait, encoding="unicode"))
    assert texts[0] == speakable(tx("voice.queue_first_unknown"))  # nobody on the console yet
    assert texts[-1] == speakable(tx("voice.queue_callback_offer", digit="1"))
    assert wait.find("Pause") is not None

    # The operator takes it: the call is redirected to the connect webhook (Twilio REST).
    assert client.portal.call(desk.take, conversation, "ayla") == ("taken", None)
    [update] = fake_api.updates
    assert update["path"].endswith(f"/Calls/{sid}.json")
    assert update["Url"] == f"{QUEUE}/connect?operator=ayla" and update["Method"] == "POST"

    connect = post(client, update["Url"], call.params())
    number = connect.find("Dial/Number")
    assert number is not None and number.text == "+994501234567"
    whisper_url = number.get("url")
    assert whisper_url == f"{QUEUE}/whisper?conversation={conversation}"

    # The whisper, on the operator's leg, reads the context before the caller is bridged.
    whisper = post(client, whisper_url, call.params(CallSid="CA" + "b" * 32, ParentCallSid=sid))
    heard = said_texts(client, ElementTree.tostring(whisper, encoding="unicode"))
    assert heard[0] == speakable(tx("voice.whisper_intro"))
    assert any("33" in h for h in heard)
    record = client.portal.call(desk.handoff, conversation)
    assert record["first_reply_at"] and record["connected"] == "1"

    bridged = post(client, f"{QUEUE}/bridged", call.params(DialCallStatus="completed"))
    assert bridged.find("Hangup") is not None
    assert client.portal.call(desk.handoff, conversation)["status"] == "closed"  # seat free
    assert client.portal.call(desk.queue.held, "ayla") == []


def test_an_operator_without_a_phone_gets_the_caller_dequeued_to_the_browser(
    client: TestClient, fake_api: FakeTwilio
) -> None:
    add_operator(client, "bahar")
    desk = client.app.state.desk
    sid = "CA" + "c" * 32
    call, _ = queued_call(client, sid)
    post(client, f"{QUEUE}/wait", call.params(QueueSid="QU" + "2" * 32))
    client.portal.call(desk.take, f"voice:{sid}", "bahar")
    [update] = fake_api.updates
    assert update["path"].endswith(f"/Queues/{'QU' + '2' * 32}/Members/{sid}.json")
    connect = post(client, update["Url"], call.params())
    client_leg = connect.find("Dial/Client")
    assert client_leg is not None and client_leg.text == "bahar" and client_leg.get("url")


def test_the_callback_key_keeps_the_place_and_leaves_the_line(client: TestClient) -> None:
    add_operator(client, "ayla")
    desk = client.app.state.desk
    sid = "CA" + "d" * 32
    conversation = f"voice:{sid}"
    call, _ = queued_call(client, sid)
    left = post(client, f"{QUEUE}/key", call.params(Digits="1"))
    assert left.find("Leave") is not None
    result = post(client, f"{QUEUE}/result", call.params(QueueResult="leave", QueueTime="40"))
    assert said_texts(client, ElementTree.tostring(result, encoding="unicode"))[0] == speakable(
        tx("voice.queue_callback_done")
    )
    assert result.find("Hangup") is not None
    record = client.portal.call(desk.handoff, conversation)
    assert record["status"] == "queued" and record["callback"]  # the place is kept
    assert record["queue_result"] == "leave" and record["queue_time"] == "40"
    tasks = client.portal.call(Callbacks(desk.redis, desk.clock).all)
    assert [(c.conversation, c.phone) for c in tasks] == [(conversation, CALLER)]


def test_a_caller_who_hangs_up_while_waiting_is_counted_as_abandoned(client: TestClient) -> None:
    add_operator(client, "ayla")
    desk = client.app.state.desk
    waited, gave_up = "CA" + "e" * 32, "CA" + "f" * 32
    queued_call(client, waited)
    call, _ = queued_call(client, gave_up, caller="+994501112244")
    post(client, f"{QUEUE}/result", call.params(QueueResult="hangup", QueueTime="75"))
    record = client.portal.call(desk.handoff, f"voice:{gave_up}")
    assert record["status"] == "abandoned" and record["queue_time"] == "75"
    report = client.portal.call(build_report, desk)
    assert report["queue_abandonment"] == 0.5  # one of the two calls' hand-offs


def test_outside_hours_the_caller_hears_when_operators_are_back_and_a_callback(
    redis_url: str, data_dir: Path, fake_api: FakeTwilio, clock
) -> None:
    with app_client(redis_url, data_dir, fake_api, clock, "Sun 10:00-11:00") as client:
        add_operator(client, "ayla")
        call = Call(client, sid="CA" + "9" * 32)
        call.start()
        closed = call.press("0")
        assert closed.dial is None and closed.gather is not None
        assert "yenidən işə başlayacaq" in closed.spoken
        # A callback by keys: this number, as soon as possible.
        number = call.choose(t("live.callback_offer"))
        assert speakable(tx("voice.say_instead.live.callback_ask_phone_known.say",
                            phone=CALLER)) in number.texts  # fmt: skip
        when = call.choose(t("live.callback_this_number"))
        done = call.choose(t("live.callback_asap"))
        assert done.gather is not None and "Zəng sifarişiniz qəbul edildi" in done.spoken
        desk = client.app.state.desk
        [task] = client.portal.call(desk.callbacks.all)
        assert task.phone == CALLER and task.conversation == f"voice:{call.sid}"
        assert when.dial is None and done.dial is None


def test_queue_webhooks_refuse_unsigned_requests(client: TestClient) -> None:
    for path in ("wait", "key", "result", "connect", "whisper", "bridged"):
        response = client.post(f"/webhooks/twilio/voice/queue/{path}", data={"CallSid": "CA1"})
        assert response.status_code == 403, path
