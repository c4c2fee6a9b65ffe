"""The phone line through the ASGI app: signed Twilio webhooks in, TwiML out, parsed and checked
(every Gather has an action, every Play URL is audio this app serves, no Azerbaijani in Say).
Outbound SMS goes to a local fake of Twilio's REST API."""

from __future__ import annotations

import re
import shutil
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
import redis as sync_redis
from fastapi.testclient import TestClient

from bot.config import Settings
from channels.twilio import menu as keypad
from channels.twilio.texts import node, tx
from channels.twilio.voice_speech import speakable
from dost.app import create_app
from tests.twilio_fake import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    AZ_LETTERS,
    PUBLIC_BASE,
    FakeTwilio,
    running_fake,
    signed_headers,
)

CALLER = "+994501112233"
SMS_NUMBER = "+15005550006"
DOCUMENTS_QUESTION = "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"
BOOKING_REQUEST = "özünüməşğulluq üçün növbəyə yazılmaq istəyirəm"


@pytest.fixture
def fake_api() -> Iterator[FakeTwilio]:
    with running_fake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


def twilio_settings(redis_url: str, data_dir: Path, api_base: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "REDIS_URL": redis_url,
        "DOST_DATA_DIR": data_dir,
        "PUBLIC_BASE_URL": PUBLIC_BASE,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE": api_base,
        "TWILIO_SMS_NUMBER": SMS_NUMBER,
        "DOST_INPROCESS_WORKER": False,
        **extra,
    }
    return Settings(**values)


@pytest.fixture
def client(redis_url: str, data_dir: Path, fake_api: FakeTwilio, clock) -> Iterator[TestClient]:
    """The app on a frozen Friday morning: a booking finds free times whatever the hour."""
    with TestClient(create_app(twilio_settings(redis_url, data_dir, fake_api.url), clock)) as c:
        yield c


# --- what the line says -------------------------------------------------------------------------


def said(key: str, **values: object) -> str:
    """A channel text as the caller hears it (keys named as the line names them)."""
    return speakable(tx(key, **{**keypad.key_values(), **values}))


def menu_keys(texts: list[str]) -> dict[str, str]:
    """Option title → key, from the menu prompts among `texts` ("Sənədlər üçün 1, …")."""
    item = re.escape(tx("voice.menu_item", title="TITLE", digit="KEY"))
    item = item.replace("TITLE", "(.+?)").replace("KEY", r"(\d)")
    head, tail = tx("voice.menu", items="ITEMS").split("ITEMS")
    keys: dict[str, str] = {}
    for text in texts:
        if text.startswith(head) and text.endswith(tail):
            items = text[len(head) : len(text) - len(tail)]
            for title, digit in re.findall(rf"(?:^|, ){item}(?=, |$)", items):
                keys[title] = digit
    return keys


def spoken_code(spoken: str) -> str:
    """The booking code in what was said: "Növbə kodunuz: K kitab, 7, …" → "K7…"."""
    words = "|".join(node("voice.spelling").values())
    sign = rf"(?:[A-Z](?: (?:{words}))?|\d)"
    found = re.search(rf"{sign}(?:, {sign}){{5}}(?![\w])", spoken)
    assert found, spoken
    return "".join(part[0] for part in found.group(0).split(", "))


# --- TwiML, parsed and checked ------------------------------------------------------------------


@dataclass
class Twiml:
    xml: str
    texts: list[str] = field(default_factory=list)  # what each Play says, in order
    says: list[str] = field(default_factory=list)
    gather: ElementTree.Element | None = None
    dial: ElementTree.Element | None = None
    hangup: bool = False

    @property
    def spoken(self) -> str:
        return "\n".join(self.texts)

    def digit_for(self, title: str) -> str:
        """The key the prompt says to press for `title`."""
        keys = menu_keys(self.texts)
        assert title in keys, f"no key for {title!r} in:\n{self.spoken}"
        return keys[title]


def check_twiml(client: TestClient, xml: str) -> Twiml:
    root = ElementTree.fromstring(xml)
    assert root.tag == "Response"
    result = Twiml(xml)
    for gather in root.iter("Gather"):
        action = gather.get("action")
        assert action and action.startswith(f"{PUBLIC_BASE}/webhooks/twilio/voice/gather?seq=")
        assert gather.get("input") == "dtmf speech" and gather.get("language") == "az-AZ"
        assert gather.get("actionOnEmptyResult") == "true"
        hints = gather.get("hints", "").split(", ")
        assert 0 < len(hints) <= 100 and all(0 < len(h) <= 100 for h in hints)
        result.gather = gather
    for play in root.iter("Play"):
        url = play.text or ""
        assert url.startswith(f"{PUBLIC_BASE}/audio/"), url
        path = urlsplit(url).path
        audio = client.get(path)
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav", path
        assert audio.content[:4] == b"RIFF" and audio.content[8:12] == b"WAVE"
        assert int.from_bytes(audio.content[20:22], "little") == 7  # μ-law
        assert int.from_bytes(audio.content[24:28], "little") == 8000  # 8 kHz
        key = path.rsplit("/", 1)[-1].removesuffix(".wav")
        text_file = client.app.state.settings.data_dir / "cache" / "audio" / f"{key}.txt"
        result.texts.append(text_file.read_text(encoding="utf-8"))
    for say in root.iter("Say"):
        result.says.append(say.text or "")
    result.dial = root.find("Dial")
    result.hangup = root.find("Hangup") is not None
    return result


def assert_no_azerbaijani_say(twiml: Twiml) -> None:
    for said in twiml.says:
        assert not any(ch in said for ch in AZ_LETTERS), said


class Call:
    """One phone call, as Twilio would make it: signed webhooks with the Gather's seq."""

    def __init__(
        self,
        client: TestClient,
        sid: str = "CA" + "1" * 32,
        caller: str = CALLER,
        *,
        audio_expected: bool = True,
    ):
        self.client = client
        self.audio_expected = audio_expected
        self.sid = sid
        self.caller = caller
        self.last: Twiml | None = None

    def params(self, **extra: str) -> dict[str, str]:
        return {
            "AccountSid": ACCOUNT_SID,
            "CallSid": self.sid,
            "From": self.caller,
            "To": "+994120000142",
            "Direction": "inbound",
            "CallStatus": "in-progress",
            "ApiVersion": "2010-04-01",
            **extra,
        }

    def post(self, url: str, params: dict[str, str]) -> Twiml:
        response = self.client.post(
            urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else ""),
            data=params,
            headers=signed_headers(url, params),
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        self.last = check_twiml(self.client, response.text)
        if self.audio_expected:  # the normal path: <Say> never carries Azerbaijani
            assert_no_azerbaijani_say(self.last)
        return self.last

    def start(self) -> Twiml:
        return self.post(f"{PUBLIC_BASE}/webhooks/twilio/voice", self.params(CallStatus="ringing"))

    @property
    def action(self) -> str:
        assert self.last is not None and self.last.gather is not None, "no Gather to answer"
        return self.last.gather.get("action") or ""

    def press(self, digits: str) -> Twiml:
        return self.post(self.action, self.params(Digits=digits))

    def say(self, speech: str) -> Twiml:
        return self.post(self.action, self.params(SpeechResult=speech, Confidence="0.92"))

    def silence(self) -> Twiml:
        return self.post(self.action, self.params())

    def choose(self, title: str) -> Twiml:
        assert self.last is not None
        return self.press(self.last.digit_for(title))


def transcript_length(redis_url: str, conversation: str) -> int:
    return sync_redis.Redis.from_url(redis_url).llen(f"dost:transcript:{conversation}")


# --- the scripted call ------------------------------------------------------------------------


def test_scripted_call_documents_booking_and_a_person(
    client: TestClient, redis_url: str, fake_api: FakeTwilio
) -> None:
    call = Call(client)
    menu = call.start()
    assert menu.texts[0] == said("voice.welcome")  # speech first: "Sualınızı deyin…"
    assert menu_keys(menu.texts)["Məşğulluq"] == "1"  # options read out with their keys
    assert menu.texts[-1] == said("voice.keys")  # 0 person, * repeat, # main menu, 9 the end
    assert menu.gather.get("numDigits") == "1"
    assert "Özünüməşğulluq proqramı" in menu.gather.get("hints", "")

    # By keypad: Məşğulluq → Özünüməşğulluq proqramı → Tələb olunan sənədlər.
    call.choose("Məşğulluq")
    call.choose("Özünüməşğulluq proqramı")
    documents = call.choose("Tələb olunan sənədlər")
    assert "Şəxsiyyət vəsiqəsi" in documents.spoken
    assert "Mənbə" not in documents.spoken  # the source footer is for screens
    assert documents.says == []  # every prompt is audio

    # By speech: the same answer through the NLU.
    turns = transcript_length(redis_url, f"voice:{call.sid}")
    spoken = call.say(DOCUMENTS_QUESTION)
    assert "Şəxsiyyət vəsiqəsi" in spoken.spoken
    assert transcript_length(redis_url, f"voice:{call.sid}") == turns + 2  # one user, one bot

    # Booking by speech, then keys: center, day, time; the caller's number is already known.
    centers = call.say(BOOKING_REQUEST)
    assert menu_keys(centers.texts)["1 saylı Bakı DOST Mərkəzi"] == "1"
    days = call.choose("1 saylı Bakı DOST Mərkəzi")
    times = call.press("1")
    assert times is not days
    confirm = call.press("1")  # the caller's number is not asked for
    assert confirm.texts[0].endswith("Təsdiq edirsiniz?")
    booked = call.choose("Təsdiq")
    code = spoken_code(booked.spoken)  # spelt sign by sign, each letter with a word
    booking = client.portal.call(client.app.state.engine.bookings.get, code)
    assert booking is not None and booking.phone == CALLER and booking.channel == "voice"
    assert booked.texts[-1] == said("voice.go_on")  # after a booking: go on, or end

    # 0: a person — the engine's hand-off point is told, then the call is put through.
    transfer = call.press("0")
    assert transfer.dial is not None and transfer.dial.text == "142"
    assert transfer.dial.get("action").startswith(f"{PUBLIC_BASE}/webhooks/twilio/voice/dial?")
    assert tx("voice.connecting") in transfer.texts
    transcript = client.portal.call(client.app.state.engine.transcript, f"voice:{call.sid}")
    assert transcript[-1]["intent"] == "human_handoff"

    ended = call.post(transfer.dial.get("action"), call.params(DialCallStatus="completed"))
    assert ended.hangup and ended.texts[-1] == said("voice.goodbye")

    status = client.post(
        "/webhooks/twilio/voice/status",
        data=(p := call.params(CallStatus="completed", CallDuration="95")),
        headers=signed_headers(f"{PUBLIC_BASE}/webhooks/twilio/voice/status", p),
    )
    assert status.status_code == 204
    stored = sync_redis.Redis.from_url(redis_url, decode_responses=True).hgetall(
        f"dost:twilio:call:{call.sid}:status"
    )
    assert stored["status"] == "completed" and stored["duration"] == "95"
    assert fake_api.messages == []  # nothing was sent by SMS in this call


def test_a_retried_webhook_has_no_second_effect(client: TestClient, redis_url: str) -> None:
    call = Call(client)
    call.start()
    call.choose("Məşğulluq")
    action = call.action
    params = call.params(Digits=call.last.digit_for("Özünüməşğulluq proqramı"))
    first = call.post(action, params)
    turns = transcript_length(redis_url, f"voice:{call.sid}")
    again = call.post(action, params)  # Twilio retried: same URL, same parameters
    assert again.xml == first.xml
    assert transcript_length(redis_url, f"voice:{call.sid}") == turns
    # The incoming-call webhook retried: the same welcome, no second start.
    assert call.start().xml == call.start().xml


def test_a_stale_sequence_replays_the_prompt_without_a_turn(
    client: TestClient, redis_url: str
) -> None:
    call = Call(client)
    call.start()
    call.choose("Məşğulluq")
    current = call.last
    turns = transcript_length(redis_url, f"voice:{call.sid}")
    stale = call.post(f"{PUBLIC_BASE}/webhooks/twilio/voice/gather?seq=99", call.params(Digits="1"))
    assert stale.texts == current.texts
    assert transcript_length(redis_url, f"voice:{call.sid}") == turns


def test_star_repeats_hash_goes_to_the_main_menu(client: TestClient) -> None:
    call = Call(client)
    call.start()
    group = call.choose("Məşğulluq")
    repeated = call.press("*")
    assert repeated.texts == group.texts
    service = call.choose("Özünüməşğulluq proqramı")
    assert menu_keys(service.texts)["Tələb olunan sənədlər"] == "1"
    main = call.press("#")
    assert menu_keys(main.texts)["Məşğulluq"] == "1"


def test_silence_and_wrong_keys_reprompt_twice_then_offer_a_person_then_goodbye(
    client: TestClient,
) -> None:
    call = Call(client)
    menu = call.start()
    first = call.silence()
    assert first.texts[0] == said("voice.not_heard")
    assert first.texts[1:] == menu.texts
    wrong = call.press("8")  # no menu has an 8
    assert wrong.texts[0] == said("voice.invalid_key")
    last_chance = call.silence()
    assert last_chance.texts == [said("voice.not_heard"), said("voice.final_navigation")]
    assert last_chance.gather is not None
    goodbye = call.silence()
    assert goodbye.hangup and goodbye.gather is None
    assert goodbye.texts[-1] == said("voice.goodbye")


def test_zero_after_silences_puts_the_caller_through(client: TestClient) -> None:
    call = Call(client)
    call.start()
    for _ in range(3):
        call.silence()
    transfer = call.press("0")
    assert transfer.dial is not None and transfer.dial.text == "142"
    failed = call.post(transfer.dial.get("action"), call.params(DialCallStatus="no-answer"))
    assert failed.texts[0] == said("voice.dial_failed") and failed.gather is not None


def test_more_than_four_choices_are_paged_and_five_is_more(client: TestClient) -> None:
    call = Call(client)
    call.start()
    centers = call.say(BOOKING_REQUEST)  # the self-employment program: 11 centers
    more = tx("voice.menu_more", digit="").removesuffix(" üçün ").strip()
    first = menu_keys(centers.texts)
    assert first.pop(more) == "5" and 0 < len(first) <= 4
    assert sorted(first.values()) == [str(i) for i in range(1, len(first) + 1)]
    seen = dict.fromkeys(first)
    page = first
    for _ in range(11):  # 5 again and again: the engine's next pages, to the last one
        page = menu_keys(call.press("5").texts)
        assert centers.texts[0] not in call.last.texts  # not the question again
        offers_more = page.pop(more, None) == "5"
        assert sorted(page.values()) == [str(i) for i in range(1, len(page) + 1)]
        assert len(page) <= 4
        seen.update(dict.fromkeys(page))
        if not offers_more:
            break
    assert "Füzuli DOST məntəqəsi" in seen and len(seen) == 11  # every center, once each
    assert call.last.gather is not None and more not in menu_keys(call.last.texts)
    # A center of an earlier page is still taken, by its name.
    day = call.say("Füzuli DOST məntəqəsi")
    assert "Füzuli DOST məntəqəsi" in day.spoken


def test_long_content_is_read_briefly_and_sent_by_sms(
    client: TestClient, fake_api: FakeTwilio, redis_url: str
) -> None:
    call = Call(client)
    call.start()
    call.choose("Məşğulluq")
    call.choose("Özünüməşğulluq proqramı")
    while "Müraciət qaydası" not in menu_keys(call.last.texts):
        call.press("5")
    steps = call.choose("Müraciət qaydası")
    # The first of the 12 steps, as far as a prompt allows, and how many are left.
    assert steps.texts[0].endswith(said("voice.brief_items_left", count=11))
    assert menu_keys(steps.texts)[tx("voice.sms_offer_title")] == "1"  # the first option
    last = client.portal.call(client.app.state.engine.transcript, f"voice:{call.sid}")[-1]
    full, length = last["text"], last.get("chars", len(last["text"]))  # the transcript is capped
    assert length > len(steps.texts[0])  # read briefly

    sent = call.press("1")
    assert sent.texts[0] == said("voice.sms_sent")
    messages = fake_api.messages
    assert len(messages) >= -(-length // 1600)  # at most 1600 characters each
    for message in messages:
        assert message["To"] == CALLER and message["From"] == SMS_NUMBER
        assert len(message["Body"]) <= 1600
        assert message["StatusCallback"] == f"{PUBLIC_BASE}/webhooks/twilio/messaging/status"
        stored = sync_redis.Redis.from_url(redis_url, decode_responses=True).hgetall(
            f"dost:receipt:{message['Sid']}"
        )
        assert stored["status"] == "queued" and stored["direction"] == "outbound"
    body = " ".join(" ".join(m["Body"] for m in messages).split())
    assert body.startswith(" ".join(full.split())) and len(body) > 0.9 * length  # all of it
    assert tx("voice.sms_offer_title") not in menu_keys(sent.texts)  # sent once; offer gone
    assert steps.texts[0] not in sent.texts  # the content is not read again
    assert menu_keys(sent.texts)["Tələb olunan sənədlər"] == "1"  # the options move up
    again = call.press("*")
    assert steps.texts[0] in again.texts  # * repeats everything


def test_a_hidden_number_gets_the_menu_and_proves_a_typed_number_by_sms_code(
    client: TestClient, fake_api
) -> None:
    call = Call(client, sid="CA" + "2" * 32, caller="anonymous")
    menu = call.start()
    assert menu_keys(menu.texts)["Məşğulluq"] == "1"
    call.say(BOOKING_REQUEST)
    call.choose("1 saylı Bakı DOST Mərkəzi")
    call.press("1")
    ask_phone = call.press("1")
    assert ask_phone.texts[-1] == said("voice.phone_prompt")
    assert ask_phone.gather.get("finishOnKey") == "#" and ask_phone.gather.get("numDigits") is None
    code_sent = call.press("0501112233")
    assert code_sent.texts[-1] == said("voice.code_prompt")  # a typed number proves nothing
    [sms] = [m for m in fake_api.messages if m["To"] == "+994501112233"]
    code = re.search(r"\b\d{6}\b", sms["Body"]).group(0)
    confirm = call.press(f"{code}#")
    assert confirm.texts[-2].endswith("Təsdiq edirsiniz?")  # after "your number is proven"


# --- signatures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/twilio/voice",
        "/webhooks/twilio/voice/gather?seq=1",
        "/webhooks/twilio/voice/dial?seq=1",
        "/webhooks/twilio/voice/status",
        "/webhooks/twilio/messaging",
        "/webhooks/twilio/messaging/status",
    ],
)
def test_unsigned_or_wrongly_signed_requests_get_403(
    client: TestClient, redis_url: str, path: str
) -> None:
    params = {
        "CallSid": "CA" + "3" * 32,
        "MessageSid": "SM" + "3" * 32,
        "From": CALLER,
        "Body": "Salam",
        "AccountSid": ACCOUNT_SID,
    }
    url = PUBLIC_BASE + path
    other_host = url.replace("dost.example", "evil.example")
    attempts = {
        "unsigned": {},
        "garbage": {"X-Twilio-Signature": "not-a-signature"},
        "other token": signed_headers(url, params, token="y" * 32),
        "other URL": signed_headers(other_host, params),
        "http, not https": signed_headers(url.replace("https://", "http://"), params),
        "other parameters": signed_headers(url, {**params, "From": "+994509999999"}),
    }
    if "?" in path:
        attempts["other query"] = signed_headers(url.replace("seq=1", "seq=2"), params)
    before = sync_redis.Redis.from_url(redis_url).dbsize()
    for name, headers in attempts.items():
        response = client.post(path, data=params, headers=headers)
        assert response.status_code == 403, name
    assert sync_redis.Redis.from_url(redis_url).dbsize() == before  # nothing changed
    good = client.post(path, data=params, headers=signed_headers(url, params))
    assert good.status_code in (200, 204)


def test_signature_behind_a_proxy_without_public_base_url(
    redis_url: str, data_dir: Path, fake_api: FakeTwilio
) -> None:
    settings = twilio_settings(redis_url, data_dir, fake_api.url, PUBLIC_BASE_URL=None)
    params = {"CallSid": "CA" + "4" * 32, "From": CALLER, "AccountSid": ACCOUNT_SID}
    public = "https://ivr.dost.example/webhooks/twilio/voice"
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ivr.dost.example"}
    with TestClient(create_app(settings)) as c:
        good = c.post(
            "/webhooks/twilio/voice",
            data=params,
            headers={**proxy, **signed_headers(public, params)},
        )
        assert good.status_code == 200
        assert "https://ivr.dost.example/audio/" in good.text  # prompts on the public URL too
        bad = c.post("/webhooks/twilio/voice", data=params, headers=signed_headers(public, params))
        assert bad.status_code == 403  # the request's own URL is http://testserver


# --- audio ------------------------------------------------------------------------------------


def test_audio_route_serves_only_existing_prompts(client: TestClient, data_dir: Path) -> None:
    call = Call(client)
    menu = call.start()
    url = next(p.text for p in ElementTree.fromstring(menu.xml).iter("Play"))
    key = urlsplit(url).path.rsplit("/", 1)[-1].removesuffix(".wav")
    assert client.get(f"/audio/{key}.wav").status_code == 200
    for bad in (
        f"/audio/{key}.txt",
        f"/audio/{key}",
        "/audio/0123456789abcdef01234567.wav",
        "/audio/..%2f..%2fetc%2fpasswd",
        "/audio/../cache/audio/x.wav",
        f"/audio/{key.upper()}.wav",
    ):
        assert client.get(bad).status_code == 404, bad

    # A studio recording dropped in with the same key replaces the synthetic voice.
    recordings = data_dir / "recordings"
    recordings.mkdir()
    studio = recordings / f"{key}.wav"
    with wave.open(str(studio), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    assert client.get(f"/audio/{key}.wav").content == studio.read_bytes()


def test_say_is_a_logged_fallback_when_audio_cannot_be_made(
    redis_url: str, tmp_path: Path, nlu_cache: Path, nlu, fake_api: FakeTwilio, capfd
) -> None:
    data = tmp_path / "data"
    shutil.copytree(nlu_cache, data / "cache")
    settings = twilio_settings(
        redis_url, data, fake_api.url, DOST_ESPEAK_BINARY=str(tmp_path / "no-such-espeak-ng")
    )
    with TestClient(create_app(settings)) as c:
        twiml = Call(c, audio_expected=False).start()
    assert twiml.texts == [] and twiml.says
    assert tx("voice.welcome") in twiml.says  # the text still reaches the caller somehow
    root = ElementTree.fromstring(twiml.xml)
    assert all(s.get("language") == "tr-TR" for s in root.iter("Say"))
    assert twiml.gather is not None
    logged = "".join(capfd.readouterr())
    assert "falling back to <Say>" in logged


def test_audio_is_rendered_once_and_cached_by_text(client: TestClient, audio_cache: Path) -> None:
    from channels.twilio.audio import audio_key

    Call(client, sid="CA" + "5" * 32).start()
    key = audio_key(speakable(tx("voice.welcome")))
    wav = audio_cache / f"{key}.wav"
    assert wav.is_file() and (audio_cache / f"{key}.txt").read_text() == tx("voice.welcome")
    before = wav.stat().st_mtime_ns
    Call(client, sid="CA" + "6" * 32).start()
    assert wav.stat().st_mtime_ns == before


# --- without Twilio settings ------------------------------------------------------------------


def test_without_twilio_settings_the_webhooks_are_off(
    redis_url: str, data_dir: Path, capfd
) -> None:
    settings = Settings(REDIS_URL=redis_url, DOST_DATA_DIR=data_dir, DOST_INPROCESS_WORKER=False)
    with TestClient(create_app(settings)) as c:
        params = {"CallSid": "CA" + "7" * 32, "From": CALLER}
        for path in ("/webhooks/twilio/voice", "/webhooks/twilio/messaging"):
            assert c.post(path, data=params).status_code == 404
        step = c.post("/simulator/ivr/step", json={"action": "call"})  # still works
        assert step.status_code == 200, step.text
        assert any(p["text"] == tx("voice.welcome") for p in step.json()["plays"])
    logged = "".join(capfd.readouterr())
    assert logged.count("twilio channels off") == 1


def test_goodbye_ends_the_call_from_the_core(client: TestClient) -> None:
    call = Call(client, sid="CA" + "7" * 32, caller="+994501112299")
    call.start()
    bye = call.say("sağ olun, hələlik")
    assert bye.hangup and said("voice.goodbye") in bye.texts
    assert "yaz" not in bye.spoken  # a caller is never told to write
