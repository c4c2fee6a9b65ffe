"""The Twilio channel's pure pieces: keypad pages, brief reading, text for the ear, SMS
numbering and splitting, the signed URL behind a proxy, the audio renderer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from starlette.requests import Request
from twilio.twiml.voice_response import VoiceResponse

from bot.messages import Choice, Outbound, SourceRef
from channels.twilio import menu
from channels.twilio.audio import AudioPrompts, audio_key, wav_seconds
from channels.twilio.security import Signatures, public_origin, public_url
from channels.twilio.texts import tx
from channels.twilio.voice import speech_hints
from channels.twilio.voice_speech import (
    PROMPT_SECONDS,
    Brief,
    brief,
    fit,
    fits,
    speakable,
    spoken_seconds,
)


def choices(n: int, *extra: str) -> list[Choice]:
    return [Choice(id=f"c{i}", title=f"T{i}") for i in range(1, n + 1)] + [
        Choice(id=e, title=e) for e in extra
    ]


def test_up_to_four_choices_are_keys_one_to_four_without_main_and_person() -> None:
    entries = menu.keypad(choices(4, "main", "human", "t:human"))
    assert [(e.digit, e.value) for e in entries] == [(str(i), f"c{i}") for i in range(1, 5)]


def test_more_than_four_choices_page_by_four_and_five_is_more() -> None:
    many = choices(11)
    first = menu.keypad(many, page=0)
    assert [(e.digit, e.value) for e in first] == [
        *[(str(i), f"c{i}") for i in range(1, 5)],
        (menu.MORE_KEY, menu.NEXT_PAGE),
    ]
    third = menu.keypad(many, page=2)
    assert [(e.digit, e.value) for e in third] == [
        ("1", "c9"),
        ("2", "c10"),
        ("3", "c11"),
        ("5", menu.NEXT_PAGE),
    ]
    assert menu.keypad(many, page=3) == first  # after the last page it starts over
    assert menu.page_count(many, sms_offer=False) == 3


def test_long_titles_make_fewer_options_a_page_and_every_menu_fits_one_prompt() -> None:
    long = [Choice(id=f"c{i}", title="Sağlamlıq imkanları məhdud uşaqların " * 2) for i in range(4)]
    pages = menu.pages(long)
    assert len(pages) > 1 and all(len(page) < 4 for page in pages)
    for page in range(len(pages)):
        assert fits(menu.menu_prompt(menu.keypad(long, page=page)), PROMPT_SECONDS)


def test_the_sms_offer_is_the_first_option() -> None:
    entries = menu.keypad(choices(3), sms_offer=True)
    assert [(e.digit, e.value) for e in entries][:2] == [("1", menu.SMS_OFFER), ("2", "c1")]
    item = tx("voice.menu_item", title=tx("voice.sms_offer_title"), digit="1")
    assert menu.menu_prompt(entries).startswith(item)


def test_the_keys_are_the_same_everywhere() -> None:
    """1-4 options, 5 more, 0 a person, * repeat, # the main menu, 9 the end; 6-8 are free."""
    options = dict.fromkeys("1234", "option")
    more = {"5": "more", "0": "person", "*": "repeat", "#": "main", "9": "end"}
    assert {**options, **more} == menu.KEYS
    for n in range(0, 14):
        for sms in (False, True):
            pages = menu.page_count(choices(n), sms)
            for page in range(pages):
                keys = [e.digit for e in menu.keypad(choices(n), page=page, sms_offer=sms)]
                shown = [k for k in keys if k != menu.MORE_KEY]
                assert shown == list("1234")[: len(shown)]  # options always from 1
                assert (menu.MORE_KEY in keys) == (pages > 1) and keys[-1:] != ["0"]


def test_a_brief_reading_keeps_whole_items_says_what_is_left_and_keeps_the_question() -> None:
    text = "Sənədlər:\n" + "\n".join(f"• Arayış nömrə {i} və onun surəti" for i in range(1, 9))
    said = brief(text, seconds=8)
    assert said.cut and said.text.startswith("Sənədlər:\n• Arayış nömrə 1 və onun surəti")
    kept = said.text.count("• ")
    assert 0 < kept < 8 and said.text.endswith(tx("voice.brief_items_left", count=8 - kept))
    assert brief("Qısa cavab.") == Brief("Qısa cavab.", cut=False)
    question = "Bu uzun bir izahdır, çox uzun. " * 6 + "Təsdiq edirsiniz?"
    assert brief(question, seconds=6).text.endswith("\nTəsdiq edirsiniz?")
    heading_only = "«X» xidməti üzrə:\n\nBəli, bunu etmək olar: " + "uzun izah, " * 20 + "son."
    cut = brief(heading_only, seconds=7).text.splitlines()  # not the heading alone: the
    assert cut[1].startswith("Bəli, bunu etmək olar") and cut[1].endswith(" …")  # verdict too
    assert cut[2] == tx("voice.brief_more")


async def test_a_text_is_fitted_on_its_own_audio() -> None:
    """What decides is the audio's length: here a voice a quarter slower than estimated."""

    async def seconds_of(text: str) -> float:
        return spoken_seconds(text) * 1.25

    assert await fit("Qısa cavab.", seconds_of) == Brief("Qısa cavab.", cut=False)
    text = " ".join(f"Bu, cavabın {i}-ci cümləsidir." for i in range(1, 13))
    said = await fit(text, seconds_of)
    assert said.cut and said.text.startswith("Bu, cavabın 1-ci cümləsidir.")
    assert 9 < await seconds_of(speakable(said.text)) <= PROMPT_SECONDS  # most of a prompt
    assert said.text.endswith(tx("voice.brief_more"))

    # A question is asked whole: when it alone is longer than a prompt, it is said in parts.
    question = "Bunlardan biri sizə aiddirmi: " + ", ".join(["uzun bir şərt"] * 14) + "?"
    asked = await fit(question, seconds_of)
    assert not asked.cut and " ".join(asked.prompts) == question and len(asked.prompts) > 1
    for part in asked.prompts:
        assert await seconds_of(speakable(part)) <= PROMPT_SECONDS


def test_the_source_line_is_left_out_for_the_ear() -> None:
    from bot.sources import source_footer
    from channels.twilio.voice_screen import Screen, from_engine

    sources = [SourceRef(passport="02-04-10-00", field="21", title="Sənədlər")]
    out = Outbound(text="Cavab.", source_line=source_footer(sources), sources=sources)
    reply = from_engine([out], Screen(seq=1))
    assert reply.screen.texts == ["Cavab."] and reply.screen.tail == "go_on"  # an answer
    assert reply.whole == out.shown_text  # if it is read briefly, SMS sends it whole
    assert menu.sms_text([out], []).endswith(source_footer(sources))  # SMS is a screen


def test_speakable_text() -> None:
    assert speakable("Sənədlər:\n• Şəxsiyyət vəsiqəsi\n• «Arayış»") == (
        "Sənədlər: Şəxsiyyət vəsiqəsi. Arayış."
    )
    assert speakable("Növbə kodu: T99A4V") == "Növbə kodu: T torpaq, 9, 9, A alma, 4, V vətən."
    assert speakable("Kod DOST12 deyil.") == "Kod DOST12 deyil."  # not of the code's alphabet
    assert speakable("⬅ Əsas menyu") == "Əsas menyu."
    assert audio_key("a") == audio_key("a") != audio_key("b") and len(audio_key("a")) == 24


def test_sms_numbered_lines_and_splitting() -> None:
    text = menu.sms_text([Outbound(text="Seçin:")], choices(2))
    assert text.splitlines()[:5] == ["Seçin:", "", "1. T1", "2. T2", tx("messaging.person_line")]
    parts = menu.split_message(("abc " * 300 + "\n\n") * 3)
    assert all(len(p) <= 1600 for p in parts) and len(parts) == 3


def test_hints_are_comma_free_unique_and_bounded() -> None:
    class P:
        display_name = "Ünvanlı dövlət sosial yardımı (ÜDSY)"
        aliases = ("ÜDSY", "üdsy", "a, b", "x" * 150)

    hints = speech_hints([P()] * 3, ["növbə"])
    assert hints[0] == "növbə" and "a b" in hints
    assert len([h for h in hints if h.casefold() == "üdsy"]) == 1
    assert all("," not in h and len(h) <= 100 for h in hints)
    assert len(speech_hints([P()], [str(i) for i in range(500)])) == 100


def _request(headers: dict[str, str], path: str = "/webhooks/twilio/voice", query: str = ""):
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "server": ("10.0.0.5", 8000),
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    return Request(scope)


def test_the_signed_url_is_the_public_one() -> None:
    request = _request({"host": "10.0.0.5:8000"}, "/webhooks/twilio/voice/gather", "seq=3")
    assert public_url(request, "https://dost.example") == (
        "https://dost.example/webhooks/twilio/voice/gather?seq=3"
    )
    assert public_url(request, None) == "http://10.0.0.5:8000/webhooks/twilio/voice/gather?seq=3"
    proxied = _request(
        {"host": "10.0.0.5:8000", "x-forwarded-proto": "https", "x-forwarded-host": "ivr.example"}
    )
    assert public_origin(proxied, None) == "https://ivr.example"
    # PUBLIC_BASE_URL wins over the forwarded headers (they are only for when it is unset).
    assert public_origin(proxied, "https://dost.example/") == "https://dost.example"
    # A public URL with a path prefix that the proxy passes through is not counted twice.
    prefixed = _request({"host": "x"}, "/dost/webhooks/twilio/voice")
    assert public_url(prefixed, "https://gov.example/dost") == (
        "https://gov.example/dost/webhooks/twilio/voice"
    )


def test_signatures_round_trip() -> None:
    signatures = Signatures("t" * 32)
    params = {"CallSid": "CA1", "Digits": "1"}
    url = "https://dost.example/webhooks/twilio/voice/gather?seq=1"
    signature = signatures.sign(url, params)
    assert signatures.valid(url, params, signature)
    assert signatures.valid(url.replace("dost.example", "dost.example:443"), params, signature)
    assert not signatures.valid(url, {**params, "Digits": "2"}, signature)
    assert not signatures.valid(url, params, "")


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are installed by scripts/test.sh",
)
async def test_renderer_makes_8khz_mulaw_wav_and_a_recording_wins(tmp_path: Path) -> None:
    prompts = AudioPrompts(tmp_path)
    key = await prompts.ensure("Salam, DOST mərkəzinə xoş gəlmisiniz.")
    assert key is not None
    wav = prompts.path(key)
    data = wav.read_bytes()
    assert data[:4] == b"RIFF" and int.from_bytes(data[20:22], "little") == 7
    assert int.from_bytes(data[22:24], "little") == 1  # mono
    assert int.from_bytes(data[24:28], "little") == 8000
    soxi = subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True, check=True)
    seconds = wav_seconds(data[:512], len(data))
    assert seconds == pytest.approx(float(soxi.stdout)) and seconds > 1
    assert await prompts.seconds("Salam, DOST mərkəzinə xoş gəlmisiniz.") == seconds
    assert prompts.text_of(key) == "Salam, DOST mərkəzinə xoş gəlmisiniz."
    studio = tmp_path / "recordings" / f"{key}.wav"
    studio.parent.mkdir()
    studio.write_bytes(b"RIFF-studio")
    assert prompts.path(key) == studio
    assert prompts.path("../../etc/passwd") is None and prompts.text_of("..") is None


async def test_renderer_failure_is_none(tmp_path: Path) -> None:
    prompts = AudioPrompts(tmp_path, espeak=str(tmp_path / "missing"))
    assert await prompts.ensure("Salam") is None
    prompts = AudioPrompts(tmp_path, sox="false")  # sox fails: no half-made file is kept
    assert await prompts.ensure("Salam") is None
    assert not list((tmp_path / "cache" / "audio").glob("*.wav"))


def test_twiml_builders_render_gather_attributes() -> None:
    """The attribute names Twilio expects come out of twilio's own builders."""
    from twilio.twiml.voice_response import Gather

    response = VoiceResponse()
    response.append(
        Gather(
            input="dtmf speech",
            action="/a",
            action_on_empty_result=True,
            speech_timeout="auto",
            num_digits=1,
            language="az-AZ",
        )
    )
    xml = str(response)
    for attribute in (
        'actionOnEmptyResult="true"',
        'speechTimeout="auto"',
        'numDigits="1"',
        'language="az-AZ"',
    ):
        assert attribute in xml


def test_the_engines_own_more_is_five_after_the_phones_pages() -> None:
    more = Choice(id="more", title="Digər seçimlər")
    few = menu.keypad([*choices(3), more])
    assert [(e.digit, e.value) for e in few] == [
        ("1", "c1"),
        ("2", "c2"),
        ("3", "c3"),
        ("5", "more"),
    ]
    many = [*choices(6), more, Choice(id="bm", title="Digər vaxtlar")]
    first, last = menu.keypad(many, page=0), menu.keypad(many, page=1)
    assert [(e.digit, e.value) for e in first][-1] == ("5", menu.NEXT_PAGE)
    assert [(e.digit, e.value) for e in last] == [("1", "c5"), ("2", "c6"), ("5", "more")]
    said = menu.menu_prompt(last)  # the phone's own words for 5, not the engine's button
    assert tx("voice.menu_more", digit="5") in said and "Digər seçimlər üçün" not in said
