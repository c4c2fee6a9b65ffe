"""Every prompt the phone line can say, made through the real audio path (espeak-ng, then sox to
8 kHz μ-law) and measured with sox: none is longer than 15 seconds and none tells a caller to
type; and every menu the line can reach keeps the keys' meanings (1–4 its options, 5 more).

The walk is a caller who tries everything: from the welcome, every page of every menu, every
group, service and topic (so every answer of every passport), both answers to every eligibility
question, a booking up to its code (the first center, day and time: the others say the same),
the booking list, cancelling and moving a booking, a hidden number that types its own, and
questions in words (thanks, goodbye, out of scope, not understood twice, hours, centers, two
services at once, ...). Each path is a fresh call from a fresh number, replayed key by key; a
screen already seen is not walked again. The channel's own texts are measured too, reached or
not. The longest prompts go to test-artifacts/phone-prompts.tsv."""

from __future__ import annotations

import shutil
import string
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest

from bot import catalog
from bot.choices import BOOKING_PICKS, ChoiceId, Pick
from bot.engine import Engine
from channels.twilio import menu
from channels.twilio.audio import AudioPrompts
from channels.twilio.simulator import SimulatedSms
from channels.twilio.texts import section, tx
from channels.twilio.voice import VoiceChannel
from channels.twilio.voice_calls import CallRecords
from channels.twilio.voice_keys import entries
from channels.twilio.voice_screen import Screen
from channels.twilio.voice_speech import PROMPT_SECONDS, speakable
from channels.twilio.voice_wording import (
    missing_wordings,
    review_notes,
    screen_words,
    stale,
    wordings,
)
from tests.test_twilio_voice import BOOKING_REQUEST, DOCUMENTS_QUESTION

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are installed by scripts/test.sh",
)

BASE = "https://dost.example"
HIDDEN = "anonymous"
# Said to the line from the welcome: every kind of reply that is not a menu's.
QUESTIONS = [
    "salam",
    "təşəkkür edirəm",
    "sağ olun, hələlik",
    "bəli",
    "xeyr",
    "hava necə olacaq sabah",
    "DOST mərkəzləri harada yerləşir",
    "iş saatları",
    "müraciətimin vəziyyəti",
    "mənə bildiriş göndərməyin",
    "mənim növbəm",
    "növbəyə yazılmaq istəyirəm",
    "sənədlər",
    "komissiya iclası nə vaxtdır",
    DOCUMENTS_QUESTION,
    "özünüməşğulluq və peşə hazırlığı təqaüdü üçün hansı sənədlər lazımdır",
    "ünvanlı sosial yardım pulludur",
    "yaşa görə əmək pensiyası üçün hansı sənədlər lazımdır",  # the official service pages
    "əlilliyin müəyyən edilməsi üçün hara müraciət etməliyəm",
    "işsiz kimi qeydiyyatdan necə keçə bilərəm",
    "uşaq doğulanda birdəfəlik müavinət verilir",
    "ana kapitalı nədir",  # a DOST matter no page covers: 142
    "siz heç nə bilmirsiniz, cavabınız mənə kömək etmədi",  # anger: an apology, a person
]
GIBBERISH = ["qwe rty zxc", "asd fgh jkl"]  # not understood twice: the offer of a person
BOOKED = [("say", BOOKING_REQUEST), ("key", "1"), ("key", "1"), ("key", "1"), ("key", "1")]
AFTER_BOOKING = [
    "mənim növbəm",
    "növbəmi ləğv etmək istəyirəm",
    "növbəmi başqa vaxta keçirmək istəyirəm",
    BOOKING_REQUEST,  # one booking a service: the one there is
]

Action = tuple[str, str]  # ("key", "1") or ("say", "sənədlər")


@dataclass
class Step:
    texts: list[str]
    screen: Screen | None
    hangup: bool = False
    dial: bool = False


@dataclass
class Walk:
    voice: VoiceChannel
    engine: Engine
    prompts: dict[str, str] = field(default_factory=dict)  # what is said → its audio key
    screens: dict[tuple, Screen] = field(default_factory=dict)  # every screen reached
    steps: int = 0
    calls: int = 0

    async def run(self, path: list[Action], caller: str | None = None) -> Step:
        """A fresh call from a fresh number, then `path`: the last step."""
        self.calls += 1
        sid = f"CA{self.calls:032d}"
        caller = caller or f"+99450{self.calls:07d}"
        params = {"CallSid": sid, "From": caller, "To": "+994120000142"}
        step = await self._record(sid, await self.voice.incoming(self.engine.redis, self.engine,
                                                                 params, BASE))  # fmt: skip
        for kind, value in path:
            if step.screen is None:
                break
            params_now = {**params, ("Digits" if kind == "key" else "SpeechResult"): value}
            twiml = await self.voice.gather(self.engine.redis, self.engine, params_now,
                                            step.screen.seq, BASE)  # fmt: skip
            step = await self._record(sid, twiml)
        return step

    async def _record(self, sid: str, twiml: str) -> Step:
        self.steps += 1
        root = ElementTree.fromstring(twiml)
        texts = []
        for play in root.iter("Play"):
            key = urlsplit(play.text or "").path.rsplit("/", 1)[-1].removesuffix(".wav")
            text = self.voice.audio.text_of(key)
            assert text is not None, key
            self.prompts[text] = key
            texts.append(text)
        assert not list(root.iter("Say")), "every prompt is audio"
        screen = await CallRecords(self.engine.redis, sid).screen()
        if screen is not None:
            self.screens.setdefault(signature(screen), screen)
        return Step(texts, screen, root.find("Hangup") is not None, root.find("Dial") is not None)

    async def explore(self, root: list[Action], caller: str | None = None, depth: int = 12) -> None:
        """Every screen reachable from `root`, depth first, each walked once."""
        todo = [root]
        walked: set[tuple] = set()
        while todo:
            path = todo.pop()
            step = await self.run(path, caller)
            if step.screen is None or signature(step.screen) in walked:
                continue
            walked.add(signature(step.screen))
            pages = menu.page_count(step.screen.choices, sms_offer=sms_offer(step.screen))
            for page in range(pages):
                turned = [("key", menu.MORE_KEY)] * page
                if page:  # each page's menu is said once
                    await self.run(path + turned, caller)
                if len(path) >= depth:
                    continue
                for entry in entries(step.screen.model_copy(update={"page": page})):
                    if worth_walking(step.screen, entry):
                        todo.append(path + turned + [("key", entry.digit)])


def signature(screen: Screen) -> tuple:
    return (tuple(screen.texts), tuple(c.id for c in screen.choices), screen.mode,
            screen.full_text is not None)  # fmt: skip


def sms_offer(screen: Screen) -> bool:
    return bool(screen.full_text) and screen.can_sms


def worth_walking(screen: Screen, entry: menu.Entry) -> bool:
    """Every option but a person (a transfer) and "more" (pages are walked as pages); of a
    booking's centers, days and times only the first (the others say the same); after an
    answer, not the other topics and services it offers (their menus offer them too)."""
    if entry.value == menu.NEXT_PAGE:
        return False
    picked = ChoiceId.parse(entry.value)
    if picked is None:
        return True  # "the full text by SMS"
    if picked.pick is Pick.PERSON:
        return False
    if screen.tail == "go_on" and picked.pick in (Pick.TOPIC, Pick.SERVICE, Pick.GROUP):
        return False
    if picked.pick in BOOKING_PICKS and picked.pick in (Pick.CENTER, Pick.DAY, Pick.TIME):
        first = next(c.id for c in screen.choices if ChoiceId.parse(c.id).pick is picked.pick)
        return entry.value == first
    return True


def channel_texts() -> Iterator[str]:
    """Every prompt of the channel itself, its placeholders filled as the line fills them."""
    values = {**menu.key_values(), "count": 12, "digit": 5, "items": "Sənədlər üçün 1",
              "title": "Tələb olunan sənədlər", "ahead": 12, "minutes": 25, "tail": "33",
              "service": "Özünüməşğulluq proqramına cəlb olunmaq üçün müraciətin qəbulu",
              "asked": "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır və müraciəti "
                       "harada verə bilərəm, müraciətin nəticəsi nə vaxt bəlli olur"}  # fmt: skip
    for key in section("voice"):
        if key not in ("spelt_letter", "menu_item", "menu_more"):  # parts of other prompts
            yield tx(f"voice.{key}", **values)


@pytest.fixture
async def walk(redis_url: str, nlu, clock, data_dir: Path) -> Iterator[Walk]:
    from bot.redis_conn import connect
    from knowledge.centers import default_centers
    from knowledge.store import default_passports

    outbox: list[tuple[str, str]] = []

    async def send_sms(phone: str, text: str) -> bool:
        outbox.append((phone, text))
        return True

    client = connect(redis_url)
    engine = Engine(client, nlu, default_passports(), default_centers(), ttl_seconds=600,
                    clock=clock, send_sms=send_sms)  # fmt: skip
    voice = VoiceChannel(AudioPrompts(data_dir), messenger=SimulatedSms())  # type: ignore[arg-type]
    yield Walk(voice, engine)
    await client.aclose()


def seconds(path: Path) -> float:
    """The duration sox reads from the audio file."""
    out = subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True)
    return float(out.stdout)


@pytest.mark.slow
async def test_every_prompt_is_at_most_15_seconds_and_never_says_type(
    walk: Walk, artifacts_dir: Path
) -> None:
    await walk.explore([])
    for question in QUESTIONS:
        await walk.explore([("say", question)], depth=2)
    await walk.run([("say", GIBBERISH[0]), ("say", GIBBERISH[1])])
    for question in AFTER_BOOKING:
        await walk.explore([*BOOKED, ("say", question)], depth=len(BOOKED) + 3)
    hidden = [("say", BOOKING_REQUEST), ("key", "1"), ("key", "1"), ("key", "1")]
    await walk.run([*hidden, ("key", "0501112233"), ("key", "000000")], caller=HIDDEN)
    await walk.run([*hidden, ("key", "12")], caller=HIDDEN)  # not a number
    for text in channel_texts():  # reached or not (a failed SMS, a failed transfer)
        key = await walk.voice.audio.ensure(speakable(text))
        assert key is not None
        walk.prompts[speakable(text)] = key

    measured = sorted(
        ((seconds(walk.voice.audio.path(key)), text) for text, key in walk.prompts.items()),
        reverse=True,
    )
    report = artifacts_dir / "phone-prompts.tsv"
    report.write_text("".join(f"{s:.2f}\t{t}\n" for s, t in measured), encoding="utf-8")
    print(f"{len(measured)} prompts in {walk.steps} steps of {walk.calls} calls; "
          f"the longest {measured[0][0]:.2f} s: {measured[0][1]}")  # fmt: skip

    assert walk.calls > 150 and len(measured) > 300  # the walk reached the whole line
    said = "\n".join(walk.prompts)
    for expected in ("Növbə kodunuz", "Aktiv növbələriniz", "ləğv edildi", "Uyğunluğunuzu"):
        assert expected in said, expected
    too_long = [(s, t) for s, t in measured if s > PROMPT_SECONDS]
    assert too_long == [], "\n".join(f"{s:.2f} s: {t}" for s, t in too_long)
    typed = [t for t in walk.prompts if screen_words().search(t)]
    assert typed == [], "\n".join(typed)

    # Every menu reached keeps the keys' meanings: 1-4 its options, 5 only for more (our
    # next page, or the engine's own), never 0, *, # or 9; the engine's "main menu", "a person"
    # and "more" are never read out as options.
    for screen in walk.screens.values():
        pages = menu.page_count(screen.choices, sms_offer(screen))
        more_after = menu.engine_more(screen.choices) is not None
        for page in range(pages):
            keys = entries(screen.model_copy(update={"page": page}))
            options = [e.digit for e in keys if e.digit != menu.MORE_KEY]
            assert options == list(menu.OPTION_KEYS)[: len(options)], (screen.texts, keys)
            assert any(e.digit == menu.MORE_KEY for e in keys) == (pages > 1 or more_after)
            navigation = menu.NAVIGATION_CHOICES | {str(ChoiceId(p)) for p in menu.MORE_PICKS}
            assert not any(e.value in navigation for e in keys if e.digit != menu.MORE_KEY)


def test_every_core_text_for_a_screen_has_a_current_phone_wording() -> None:
    """A core text that says "yazın" (or names a chat's buttons) has a phone wording, written
    for the core text as it is now (its fingerprint), with no placeholder the core text lacks."""
    assert not stale() and not missing_wordings(), "review:\n" + review_notes()
    for key, wording in wordings().items():
        core = catalog.node(key)
        names = {n for _, n, _, _ in string.Formatter().parse(wording["say"]) if n}
        assert names <= {n for _, n, _, _ in string.Formatter().parse(core) if n}, key
        assert not screen_words().search(wording["say"]), key


async def test_the_phone_hears_its_own_wording_and_a_chat_the_core_text(walk: Walk) -> None:
    from bot.messages import Inbound

    chat = await walk.engine.handle(Inbound(conversation_id="web:1", channel="web", text="bəli"))
    assert chat[0].text == catalog.t("affirm_no_context")
    step = await walk.run([("say", "bəli")])
    assert speakable(tx("voice.say_instead.affirm_no_context.say")) in step.texts
    assert not any(screen_words().search(t) for t in step.texts)


@pytest.mark.parametrize(
    "path",
    [
        [],  # the welcome
        [("key", "1")],  # a group
        [("key", "1"), ("key", "3")],  # a service
        [("key", "1"), ("key", "3"), ("key", "1")],  # an answer
        [("say", BOOKING_REQUEST)],  # a booking's centers
        [("say", BOOKING_REQUEST), ("key", "1"), ("key", "1"), ("key", "1")],  # yes or no
    ],
    ids=["welcome", "group", "service", "answer", "centers", "confirm"],
)
async def test_the_keys_mean_the_same_in_every_kind_of_menu(walk: Walk, path) -> None:
    here = await walk.run(path)
    assert here.screen is not None and here.screen.mode == "menu"
    repeated = await walk.run([*path, ("key", menu.REPEAT_KEY)])
    assert repeated.texts == here.texts
    person = await walk.run([*path, ("key", menu.PERSON_KEY)])
    assert person.dial and speakable(tx("voice.connecting")) in person.texts
    main = await walk.run([*path, ("key", menu.MAIN_KEY)])
    assert catalog.t("menu.main") not in main.texts  # the phone says its own
    assert speakable(tx("voice.say_instead.menu.main.say")) in main.texts
    end = await walk.run([*path, ("key", menu.END_KEY)])
    assert end.hangup and end.texts[-1] == speakable(tx("voice.goodbye"))
    for free in ("6", "7", "8"):
        wrong = await walk.run([*path, ("key", free)])
        assert wrong.texts[0] == speakable(tx("voice.invalid_key"))
    more = await walk.run([*path, ("key", menu.MORE_KEY)])
    pages = menu.page_count(here.screen.choices, sms_offer(here.screen))
    if pages > 1:  # our next page
        assert more.screen.page == 1 and more.texts != here.texts
    elif menu.engine_more(here.screen.choices) is not None:  # the engine's next page
        assert more.screen.choices != here.screen.choices
    else:
        assert more.texts[0] == speakable(tx("voice.invalid_key"))
