"""Asking about one's notices afterwards: the proven owner gets the stored fact with its date and
the notice as the source; anyone else is asked to prove their number first, then answered."""

from __future__ import annotations

import re

from tests.notices.kit import CHAT, PHONE, BackOffice, commission, decision, monitoring
from tests.test_telegram_webhook import Person as TelegramPerson
from tests.test_twilio_messaging import Phone

SOURCE = "Mənbə: DOST-un 20 noyabr 2026, cümə tarixli bildirişi."


def said(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


def test_the_owner_gets_each_fact_with_its_date(back: BackOffice, emulator) -> None:
    back.citizen_on_telegram()
    back.send(commission())
    back.send(decision(decision="rejected", reason="Biznes planda xərclər əsaslandırılmayıb."))
    back.send(monitoring())
    person = TelegramPerson(back.client, emulator, CHAT)

    reply = said(person.say("komissiya nə vaxtdır?"))
    assert "Tarix: 27 noyabr 2026, cümə" in reply and "Saat: 10:00" in reply
    assert "Yer: Yasamal DOST mərkəzi, 3-cü otaq" in reply and SOURCE in reply

    reply = said(person.say("qərar nədir?"))
    assert "biznes planınızı təsdiqləməyib" in reply
    assert "Səbəb: Biznes planda xərclər əsaslandırılmayıb." in reply and SOURCE in reply

    reply = said(person.say("monitorinq nə vaxt olacaq?"))
    assert "Tarix: 25 noyabr 2026, çərşənbə" in reply and "Vaxt: 10:00–13:00 arası" in reply


def test_a_stranger_is_asked_to_prove_the_number_first(back: BackOffice, emulator) -> None:
    back.send(commission())  # the citizen is known by phone only: nobody has proven it here
    person = TelegramPerson(back.client, emulator, CHAT)
    [asked] = person.say("komissiya nə vaxtdır?")
    assert "şəxsi məlumatdır" in asked["text"] and "27 noyabr" not in asked["text"]
    keyboard = asked["_sent_markup"]["keyboard"]
    assert keyboard[0][0].get("request_contact") is True
    replies = said(person.share_contact(PHONE.removeprefix("+")))
    assert "Tarix: 27 noyabr 2026, cümə" in replies and SOURCE in replies


def test_someone_elses_contact_proves_nothing(back: BackOffice, emulator) -> None:
    back.send(commission())
    person = TelegramPerson(back.client, emulator, CHAT)
    person.say("komissiya nə vaxtdır?")
    replies = said(person.share_contact(PHONE.removeprefix("+"), user_id=CHAT + 1))
    assert "27 noyabr" not in replies


def test_the_web_chat_proves_by_a_code_then_answers(back: BackOffice, twilio) -> None:
    back.send(decision())

    def chat(text: str) -> str:
        response = back.client.post(
            "/api/v1/chat", json={"conversation_id": "webpage-notice-1", "text": text}
        )
        assert response.status_code == 200, response.text
        return "\n".join(r["text"] for r in response.json()["replies"])

    assert "şəxsi məlumatdır" in chat("qərar nədir?")
    assert "kod" in chat(PHONE)
    [sms] = [m["Body"] for m in twilio.messages if "təsdiq kodu" in m["Body"]]
    answer = chat(re.search(r"\b\d{6}\b", sms).group(0))
    assert "biznes planınızı təsdiqləyib" in answer


def test_by_sms_the_carrier_number_is_proof_enough(back: BackOffice) -> None:
    back.send(decision())
    [reply] = Phone(back.client, PHONE).send("komissiyanın qərarı nədir?")
    assert "biznes planınızı təsdiqləyib" in reply


def test_nothing_known_yet_is_said_plainly(back: BackOffice, emulator) -> None:
    back.citizen_on_telegram()
    person = TelegramPerson(back.client, emulator, CHAT)
    reply = said(person.say("monitorinq nə vaxt olacaq?"))
    assert "Monitorinq səfəri barədə bizə hələ məlumat daxil olmayıb" in reply
