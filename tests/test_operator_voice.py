"""How the assistant speaks: short menus with "more", one short source line, lists that read
as sentences, an apology and a person for anger, and the catalog's grammar checklist."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot import catalog
from bot.answers import compose
from bot.catalog import in_sentence, t
from bot.choices import ChoiceId, Pick
from bot.dialogue import PAGE_SIZE
from bot.engine import Engine
from bot.flows.compiler import topics
from bot.messages import Inbound, Outbound
from bot.sources import source_footer
from knowledge.store import default_passports
from nlu.mood import is_angry

PASSPORTS = default_passports()
MORE = str(ChoiceId(Pick.MORE))


def said(conversation: str, text: str | None = None, choice: str | None = None) -> Inbound:
    return Inbound(conversation_id=conversation, channel="test", text=text, choice=choice)


def _menu_ok(replies: list[Outbound]) -> None:
    for out in replies:
        shown = [c.id for c in out.choices]
        assert len(shown) <= PAGE_SIZE + 1, shown
        if len(shown) == PAGE_SIZE + 1:
            assert shown[-1] == MORE, shown


async def test_every_menu_shows_at_most_four_choices_and_more(engine: Engine) -> None:
    """The main menu, each group, each service and an answer of each topic: never more than
    four choices and "more"; "more" walks the rest, and every page's buttons stay valid."""
    conversation = "pages"
    replies = await engine.handle(said(conversation, "salam"))
    _menu_ok(replies)
    seen: list[str] = [c.id for c in replies[-1].choices if c.id != MORE]
    while any(c.id == MORE for c in replies[-1].choices):
        first_page = [c.id for c in replies[-1].choices if c.id != MORE]
        replies = await engine.handle(said(conversation, choice=MORE))
        _menu_ok(replies)
        seen += [c.id for c in replies[-1].choices if c.id != MORE]
        assert not set(first_page) & {c.id for c in replies[-1].choices}
    groups = [s for s in seen if s.startswith("g:")]
    assert len(groups) == len(set(groups)) == len(engine.dialogue.menu.groups)  # each, once
    # A button of the first page is still valid after "more" (it is still on the screen).
    replies = await engine.handle(said(conversation, choice=groups[0]))
    assert t("stale_choice") not in replies[0].text
    _menu_ok(replies)


async def _whole_menu(engine: Engine, conversation: str, replies: list[Outbound]) -> list[str]:
    """Every choice of the last menu, page after page."""
    ids = [c.id for c in replies[-1].choices if c.id != MORE]
    while any(c.id == MORE for c in replies[-1].choices):
        replies = await engine.handle(said(conversation, choice=MORE))
        _menu_ok(replies)
        ids += [c.id for c in replies[-1].choices if c.id != MORE]
    return ids


@pytest.mark.parametrize("passport_id", sorted(PASSPORTS))
async def test_each_service_menu_and_answer_is_short(engine: Engine, passport_id: str) -> None:
    conversation = f"menu-{passport_id}"
    name = PASSPORTS[passport_id].display_name
    replies = await engine.handle(said(conversation, name))
    assert replies[-1].service == passport_id
    _menu_ok(replies)
    topic_ids = [c for c in await _whole_menu(engine, conversation, replies) if c.startswith("t:")]
    answerable = [c for c in topic_ids if topics()[c[2:]].action is None]
    assert answerable
    for choice_id in answerable:
        await engine.handle(said(conversation, name))  # the service's menu again
        await _whole_menu(engine, conversation, replies)  # every page: all its buttons valid
        answer = await engine.handle(said(conversation, choice=choice_id))
        assert t("stale_choice") not in answer[0].text
        _menu_ok(answer)


@pytest.fixture
def answers() -> Iterator[tuple[str, str]]:
    return (
        (pid, tid) for pid in sorted(PASSPORTS) for tid, tp in topics().items() if tp.action is None
    )


def test_one_short_source_line_without_numbers(answers: Iterator[tuple[str, str]]) -> None:
    """Every passport × topic: the source line is one line naming the service's passport in
    words; the field numbers stay in the structured sources (for staff and the API)."""
    for passport_id, topic_id in answers:
        answer = compose(PASSPORTS[passport_id], topic_id)
        if not answer.sources:
            continue
        line = source_footer(answer.sources)
        assert "\n" not in line and "bənd" not in line, line
        name = PASSPORTS[passport_id].display_name
        assert line.startswith(f"Mənbə: «{name}» xidmətinin pasportu ("), line
        assert all(s.field for s in answer.sources)


def test_a_page_and_a_passport_in_one_line() -> None:
    passport = PASSPORTS["02-04-10-00"]
    answer = compose(passport, "eligibility")  # the users field, and the curated rules' page
    line = source_footer(answer.sources)
    assert line.count("Mənbə") == 1 and "https://" in line and "xidmətinin pasportu" in line


def test_options_inside_a_sentence_are_lower_case() -> None:
    assert in_sentence("Şəxsən") == "şəxsən"
    assert in_sentence("İnternet vasitəsilə") == "internet vasitəsilə"  # İ → i, not i̇
    assert in_sentence("DOST mərkəzi") == "DOST mərkəzi"  # an abbreviation keeps its case
    assert in_sentence("A kateqoriyalı DOST Mərkəzi") == "A kateqoriyalı DOST Mərkəzi"
    text = compose(PASSPORTS["02-04-07-00"], "procedure").text
    assert "edə bilərsiniz: şəxsən." in text


@pytest.mark.parametrize(
    ("text", "angry"),
    [
        ("axmaq bot", True),
        ("heç nə başa düşmürsən!", True),
        ("bu nə rəzalətdir", True),
        ("zəhləmi tökdün", True),
        ("bezdim səndən", True),
        ("özünüməşğulluq üçün sənədlər", False),
        ("sağ olun, çox kömək etdiniz", False),
        ("gicəllənmə olanda əlillik verilir?", False),
    ],
)
def test_anger_is_recognised(text: str, angry: bool) -> None:
    assert is_angry(text) is angry


async def test_anger_gets_an_apology_and_a_person_and_the_question_an_answer(
    engine: Engine,
) -> None:
    [apology] = await engine.handle(said("angry-1", "axmaq bot"))
    assert apology.text == t("anger")
    assert [c.id for c in apology.choices] == [str(ChoiceId(Pick.PERSON))]
    replies = await engine.handle(said("angry-2", "rəzalətdir, özünüməşğulluq üçün sənədlər?"))
    assert replies[0].text == t("anger")
    assert replies[-1].intent == "ask_documents" and "Şəxsiyyət vəsiqəsi" in replies[-1].text
    handed = await engine.handle(said("angry-1", choice=str(ChoiceId(Pick.PERSON))))
    assert "142" in handed[-1].text


async def test_an_answer_that_cannot_say_offers_a_person_first(engine: Engine) -> None:
    [fee] = await engine.handle(said("fee", "özünüməşğulluq proqramı pulludur?"))
    assert "dəqiq məlumat yoxdur" in fee.text
    assert fee.choices[0].id == str(ChoiceId(Pick.TOPIC, "human"))


# --- the grammar checklist of the catalog's header --------------------------------------------


def _texts(node: object, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield key, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _texts(v, f"{key}.{k}" if key else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _texts(v, f"{key}[{i}]")


ASSISTANT_TEXTS = [(k, v) for k, v in _texts(catalog._catalog()) if not k.startswith("ru.")]
INTERNAL_WORDS = re.compile(r"\bbənd\b|seçim itib|vahidi itib|formadakı|ön ofis", re.I)
BARE_PASSPORT = re.compile(r"(?<!xidmət )(?<!xidmətin )(?<!xidmətinin )\bpasport", re.I)
ASKS_TO_WRITE = re.compile(r"\byaz(?:ın|ınız|araq|ın\b|\b)", re.I)  # not "növbəyə yazılmaq"


@pytest.mark.parametrize(("key", "text"), ASSISTANT_TEXTS, ids=[k for k, _ in ASSISTANT_TEXTS])
def test_the_checklist_points_a_machine_can_check(key: str, text: str) -> None:
    assert not BARE_PASSPORT.search(text), f"{key}: a bare «pasport» is an identity document"
    assert not INTERNAL_WORDS.search(text), f"{key}: an internal word"
    if key.startswith("twilio.voice."):
        assert not ASKS_TO_WRITE.search(text), f"{key}: a caller cannot write"
