"""The booking dialogue as a DOST operator would hold it: names in the right case, the number
asked in words that fit and by means the channel has, a taken time answered with the nearest
free ones, and a few ways to go on after a booking or a cancellation."""

from __future__ import annotations

import re
import string
from datetime import datetime

import pytest

from bot.cases import Word
from bot.catalog import node, t
from bot.choices import ChoiceId, Pick
from bot.clock import BAKU, FrozenClock
from bot.identity import number_request
from bot.messages import Contact, Inbound
from bot.people import Proof
from bot.stories import StorySms
from knowledge.centers import default_centers
from knowledge.store import default_passports

SERVICE = "02-04-10-00"  # self-employment: 15-minute slots from 09:00, two desks
THURSDAY = datetime(2026, 11, 19, 10, 0, tzinfo=BAKU)  # "sabah" is Friday 20 November
FRIDAY_10 = datetime(2026, 11, 20, 10, 0, tzinfo=BAKU)
PHONE = "+994501112233"

# --- case forms ---------------------------------------------------------------------------

# Every center's name as "gəlmək" (dative) and "qəbul" (locative) want it.
CENTER_CASES = {
    "1 saylı Bakı DOST Mərkəzi": ("1 saylı Bakı DOST Mərkəzinə", "1 saylı Bakı DOST Mərkəzində"),
    "2 saylı Bakı DOST Mərkəzi": ("2 saylı Bakı DOST Mərkəzinə", "2 saylı Bakı DOST Mərkəzində"),
    "3 saylı Bakı DOST Mərkəzi": ("3 saylı Bakı DOST Mərkəzinə", "3 saylı Bakı DOST Mərkəzində"),
    "5 saylı Bakı DOST Mərkəzi": ("5 saylı Bakı DOST Mərkəzinə", "5 saylı Bakı DOST Mərkəzində"),
    "Abşeron DOST Mərkəzi": ("Abşeron DOST Mərkəzinə", "Abşeron DOST Mərkəzində"),
    "Qarabağ Regional DOST Mərkəzi": (
        "Qarabağ Regional DOST Mərkəzinə",
        "Qarabağ Regional DOST Mərkəzində",
    ),
    "Qarabağ Regional DOST Mərkəzinin Şuşa filialı": (
        "Qarabağ Regional DOST Mərkəzinin Şuşa filialına",
        "Qarabağ Regional DOST Mərkəzinin Şuşa filialında",
    ),
    "Tərtər DOST filialı": ("Tərtər DOST filialına", "Tərtər DOST filialında"),
    '"Smart DOST" xidmət məntəqəsi': (
        '"Smart DOST" xidmət məntəqəsinə',
        '"Smart DOST" xidmət məntəqəsində',
    ),
    "Kəlbəcər DOST məntəqəsi": ("Kəlbəcər DOST məntəqəsinə", "Kəlbəcər DOST məntəqəsində"),
    "Füzuli DOST məntəqəsi": ("Füzuli DOST məntəqəsinə", "Füzuli DOST məntəqəsində"),
}


def test_every_center_name_takes_the_dative_and_the_locative() -> None:
    assert {c.name for c in default_centers().centers} == set(CENTER_CASES)
    for name, (dative, locative) in CENTER_CASES.items():
        assert f"{Word(name):dat}" == dative
        assert f"{Word(name):loc}" == locative
        assert f"{Word(name)}" == name  # no case asked: the name as it is


@pytest.mark.parametrize(
    ("word", "case", "said"),
    [
        ("DOST", "dat", "DOST-a"),  # an acronym read as a word
        ("ÜDSY", "dat", "ÜDSY-yə"),  # read letter by letter: ...sə-yə
        ("5", "dat", "5-ə"),  # beş
        ("142", "loc", "142-də"),  # yüz qırx iki
        ("10:00", "loc", "10:00-da"),  # on
        ("11:00", "loc", "11:00-də"),  # on bir, not "sıfır"
        ("16:00", "dat", "16:00-ya"),  # on altı
        ("09:30", "abl", "09:30-dan"),  # otuz
        ("09:45", "gen", "09:45-in"),  # qırx beş
        ("Şuşa filialı", "acc", "Şuşa filialını"),
    ],
)
def test_numbers_and_acronyms_take_suffixes_as_they_are_read(word, case, said) -> None:
    assert format(Word(word), case) == said


def test_an_unknown_case_is_an_error_not_a_silent_name() -> None:
    with pytest.raises(ValueError, match="unknown case 'dative'"):
        f"{Word('Xəzər'):dative}"


# --- the booking and verify texts -------------------------------------------------------------

SAMPLE = {
    "center": Word("Tərtər DOST filialı"),
    "time": Word("11:00"),
    "day": "26 noyabr 2026, cümə axşamı",
    "service": "Özünüməşğulluq proqramı",
    "code": "K3M7PX",
    "phone": "050 111 22 33",
    "why": "Növbəni rəsmiləşdirmək üçün",
}


def _texts(section: str, value=None, key: str = ""):
    value = node(section) if value is None else value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(section, v, f"{key}.{k}" if key else k)
    else:
        yield f"{section}.{key}", str(value)


BOOKING_TEXTS = [*_texts("booking"), *_texts("verify")]


@pytest.mark.parametrize(("key", "text"), BOOKING_TEXTS, ids=[k for k, _ in BOOKING_TEXTS])
def test_booking_texts_speak_as_an_operator(key: str, text: str) -> None:
    values = {name: SAMPLE.get(name, "x") for _, name, _, _ in string.Formatter().parse(text)
              if name}  # fmt: skip
    filled = text.format(**values)  # every case a placeholder names is a known one
    assert "{" not in filled
    # To a citizen a "pasport" is their ID: the service's passport is named as such.
    assert not re.search(r"(?<![Xx]idmət )pasport", text), text
    # The call center by its name, never a bare number ("142-yə zəng edin").
    assert not re.search(r"142(?! Çağrı Mərkəzi)", text), text
    for internal in ("seçim itib", "vahidi itib", "bənd", "sahə", "field"):
        assert internal not in text
    assert not re.search(r"\b(sən|sənin|səni|sənə)\b", text)  # siz, never sən


def test_the_day_is_asked_in_the_dative_and_the_reminder_in_the_locative() -> None:
    asked = t("booking.ask_day", center=Word("1 saylı Bakı DOST Mərkəzi"))
    assert asked.startswith("1 saylı Bakı DOST Mərkəzinə hansı gün gəlmək istəyirsiniz?")
    reminder = t("booking.reminder", center=Word("Tərtər DOST filialı"), time=Word("11:00"),
                 day="26 noyabr 2026, cümə axşamı", code="K3M7PX")  # fmt: skip
    assert "26 noyabr 2026, cümə axşamı, saat 11:00-də Tərtər DOST filialında növbəniz var" in (
        reminder
    )


# --- asking for the number -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "why"),
    [
        ("book", "Növbəni rəsmiləşdirmək üçün"),
        ("lookup", "Növbənizi tapmaq üçün"),
        ("cancel", "Növbənizi tapmaq üçün"),
        ("reschedule", "Növbənizi tapmaq üçün"),
    ],
)
def test_the_number_is_asked_in_words_that_fit_and_by_means_the_channel_has(purpose, why) -> None:
    web = number_request("web", purpose)
    assert web.text.startswith(f"{why} telefon nömrənizi daxil edin")
    assert not web.request_contact and web.expects == "phone" and "paylaş" not in web.text
    telegram = number_request("telegram", purpose)
    assert telegram.text.startswith(f"{why} aşağıdakı düymə ilə nömrənizi paylaşın")
    assert telegram.request_contact and telegram.expects == "phone"
    for channel in ("terminal", "voice", "sms", "whatsapp", None):  # no contact button there
        assert not number_request(channel, purpose).request_contact


@pytest.fixture
def on_thursday(engine):
    sms = StorySms()
    return engine.with_clock(FrozenClock(THURSDAY), send_sms=sms), sms


async def say(engine, conversation: str, channel: str, text: str):
    inbound = Inbound(conversation_id=conversation, channel=channel, text=text,
                      client_address="203.0.113.7")  # fmt: skip
    return await engine.handle(inbound)


@pytest.mark.parametrize("channel", ["web", "telegram"])
async def test_only_telegram_is_offered_the_contact_button(on_thursday, channel: str) -> None:
    engine, sms = on_thursday
    conversation = f"{channel}:asks"
    [asked] = await say(
        engine,
        conversation,
        channel,
        "sabah Yasamal mərkəzinə saat 10-a yazılmaq istəyirəm özünüməşğulluq üçün",
    )
    assert asked.request_contact is (channel == "telegram")
    assert ("paylaş" in asked.text) is (channel == "telegram")
    assert asked.expects == "phone"
    # On both, a typed number is proven by a code sent to it, then the booking goes on.
    [sent] = await say(engine, conversation, channel, "050 111 22 33")
    assert "kod göndərdik" in sent.text and sms.sent[-1][0] == PHONE
    replies = await say(engine, conversation, channel, sms.last_code())
    assert "Təsdiq edirsiniz" in replies[-1].text


# --- a taken time ----------------------------------------------------------------------------


async def proven(engine, conversation: str) -> None:
    contact = Contact(phone=PHONE, proof=Proof.TELEGRAM_CONTACT)
    await engine.handle(Inbound(conversation_id=conversation, channel="test", contact=contact))


async def fill(engine, start: datetime) -> None:
    """Both desks of a slot taken by other people."""
    slot = engine.bookings.calendar.slot_at("baki-1", SERVICE, start)
    for n in range(slot.capacity):
        await engine.bookings.book(slot, phone=f"+99455000000{n}", request_id=f"other-{n}")


async def test_a_taken_time_offers_the_nearest_free_ones_that_day(on_thursday) -> None:
    engine, _ = on_thursday
    await fill(engine, FRIDAY_10)
    await proven(engine, "test:taken")
    [reply] = await say(
        engine,
        "test:taken",
        "test",
        "sabah Yasamal mərkəzinə saat 10-a yazılmaq istəyirəm özünüməşğulluq üçün",
    )
    assert reply.text.startswith("Təəssüf ki, saat 10:00 artıq tutulub.")
    assert "hansı gün" not in reply.text and "hansı DOST mərkəzinə" not in reply.text
    titles = [c.title for c in reply.choices]
    assert titles == ["09:30", "09:45", "10:15", "10:30", t("booking.more_times")]
    more = reply.choices[-1]
    assert ChoiceId.parse(more.id) == ChoiceId(Pick.DAY, "2026-11-20")
    [day] = await engine.handle(Inbound(conversation_id="test:taken", channel="test",
                                        choice=more.id))  # fmt: skip
    assert "20 noyabr 2026, cümə üçün boş vaxtlar" in day.text
    assert [c.title for c in day.choices][:2] == ["09:00", "09:15"]
    [confirm] = await engine.handle(Inbound(conversation_id="test:taken", channel="test",
                                            choice=day.choices[1].id))  # fmt: skip
    assert "Saat: 09:15" in confirm.text and "Təsdiq edirsiniz" in confirm.text


async def test_a_time_outside_the_schedule_offers_the_nearest_free_ones(on_thursday) -> None:
    engine, _ = on_thursday
    await proven(engine, "test:late")
    [reply] = await say(
        engine,
        "test:late",
        "test",
        "sabah Yasamal mərkəzinə saat 20:00-a özünüməşğulluq üçün növbə",
    )
    assert reply.text.startswith("Saat 20:00 üçün qəbul yoxdur.")
    assert [c.title for c in reply.choices][:4] == ["17:00", "17:15", "17:30", "17:45"]


# --- going on ---------------------------------------------------------------------------------


def test_the_offers_to_go_on_are_few_and_answerable(engine) -> None:
    booking = engine.dialogue.booking
    for service in default_passports():
        for after in ("book", "cancel"):
            choices = booking._go_on_choices(after, service)
            assert 2 <= len(choices) <= 4
            picks = [ChoiceId.parse(c.id) for c in choices]
            assert picks[-1] == ChoiceId(Pick.MAIN)
            topics = [p.argument for p in picks if p.pick is Pick.TOPIC]
            flow = engine.flows[service]
            assert all(topic in flow.menu for topic in topics), (service, topics)


async def test_late_in_the_day_today_is_not_offered_once_its_times_are_past(engine) -> None:
    """At 17:50 on a Friday the day's last times are gone: the days start with Monday, never
    a day that then says it has no free time."""
    late = engine.with_clock(FrozenClock(datetime(2026, 11, 20, 17, 50, tzinfo=BAKU)))
    [centers] = await say(late, "test:late-day", "test", "özünüməşğulluq üçün növbəyə yazılmaq")
    [days] = await late.handle(Inbound(conversation_id="test:late-day", channel="test",
                                       choice=centers.choices[0].id))  # fmt: skip
    first = ChoiceId.parse(days.choices[0].id)
    assert first == ChoiceId(Pick.DAY, "2026-11-23")  # Monday, not Friday the 20th
    [times] = await late.handle(Inbound(conversation_id="test:late-day", channel="test",
                                        choice=days.choices[0].id))  # fmt: skip
    assert times.choices and "boş vaxt qalmayıb" not in times.text
