"""The official service pages, the second kind of knowledge: loading and `dost knowledge check`,
how a subject or an uncovered DOST matter is recognised, and answers cited as the page."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from bot.catalog import has, t
from bot.choices import ChoiceId, Pick
from bot.dialogue import PAGE_SIZE, Turn
from bot.flows.compiler import compile_flows, topics
from bot.page_answers import source_line, subject_replies, supplement_replies
from bot.page_dialogue import PageDialogue
from bot.state import ConversationState
from dost.cli import main
from knowledge.check import check_knowledge
from knowledge.page_check import check_pages
from knowledge.pages import (
    MAX_CHOICES,
    PAGE_SOURCES_DIR,
    PAGES_DIR,
    PART_TOPICS,
    SUBJECTS_FILE,
    PagePart,
    default_page_knowledge,
    load_page_knowledge,
)
from knowledge.store import default_passports
from nlu.services import matcher_from_passports
from nlu.subjects import matcher_from_pages

KNOWLEDGE = default_page_knowledge()


# --- the pages and their check -------------------------------------------------------------


def test_every_page_names_its_url_date_language_and_stored_copy() -> None:
    knowledge = load_page_knowledge()
    assert len(knowledge.pages) >= 20
    for page in knowledge.pages.values():
        assert page.url.startswith(("https://", "http://")), page.id
        assert page.page_date is not None or page.date_note, page.id
        copy = (PAGE_SOURCES_DIR / page.source_file).read_text(encoding="utf-8")
        assert copy.startswith(f"# source: {page.url}\n"), page.id
        assert page.source_file.endswith(f"-{page.language}.txt"), page.id
    # The areas the issue names are covered by pages: pensions, disability assessment,
    # benefits, targeted assistance rules, sanatorium vouchers, registering as unemployed.
    assert {"pensions", "disability_assessment", "social_benefits", "targeted_assistance",
            "sanatorium", "employment_registration"} <= set(knowledge.subjects)  # fmt: skip


def test_the_packaged_pages_pass_the_check() -> None:
    assert check_knowledge() == []
    assert main(["knowledge", "check"]) == 0


def test_page_parts_are_the_topics_a_service_answers() -> None:
    answerable = {i for i, topic in topics().items() if topic.action is None}
    assert set(PART_TOPICS) == answerable - {"commission"}  # a commission is a passport's step
    assert all(has(f"topic.{topic}") and has(f"phrase.topic.{topic}") for topic in PART_TOPICS)


@pytest.fixture
def kb(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A copy of the pages, the subjects file and the stored copies to break."""
    pages, sources = tmp_path / "pages", tmp_path / "sources"
    shutil.copytree(PAGES_DIR, pages)
    shutil.copytree(PAGE_SOURCES_DIR, sources)
    subjects = tmp_path / "subjects.yaml"
    shutil.copy(SUBJECTS_FILE, subjects)
    return pages, subjects, sources


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems(kb: tuple[Path, Path, Path]) -> list[str]:
    pages, subjects, sources = kb
    passports = default_passports()
    aliases = {pid: [p.name, p.display_name, *p.aliases] for pid, p in passports.items()}
    return check_pages(passports, pages, subjects, sources, passport_aliases=aliases)


PAGE = "dost-labour-pensions-about-en"


def _drop_date(d: dict) -> None:
    d.pop("date_note")


def _other_url(d: dict) -> None:
    d["url"] = "https://dost.gov.az/en/page/another"


def _no_copy(d: dict) -> None:
    d["source_file"] = "svc-missing-en.txt"


def _wrong_language(d: dict) -> None:
    d["language"] = "az"


def _unknown_part(d: dict) -> None:
    d["parts"]["weather"] = {"text": "Sabah günəşli olacaq."}


def _empty_part(d: dict) -> None:
    d["parts"]["amount"]["text"] = " "


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_drop_date, "no page_date and no date_note"),
        (_other_url, "is not the stored copy's `# source:`"),
        (_no_copy, "source file 'svc-missing-en.txt' is not in sources/"),
        (_wrong_language, "language 'az' is not that of"),
        (_unknown_part, "part 'weather' is not a topic"),
        (_empty_part, "part 'amount' is empty"),
    ],
)
def test_the_check_names_a_page_without_what_it_needs(kb, change, expected: str) -> None:
    edit(kb[0] / f"{PAGE}.yaml", change)
    found = [p for p in problems(kb) if p.startswith(f"pages/{PAGE}.yaml: ")]
    assert any(expected in p for p in found), found


def test_a_page_must_say_its_date_or_that_it_has_none(kb) -> None:
    edit(kb[0] / f"{PAGE}.yaml", lambda d: d.pop("page_date"))
    assert any("cannot be read" in p and "page_date" in p for p in problems(kb))
    edit(kb[0] / f"{PAGE}.yaml", lambda d: d.update(page_date="2024-03-01", date_note=None))
    assert problems(kb) == []  # a date the page shows needs no note


def test_the_check_names_broken_subjects_and_names_owned_twice(kb) -> None:
    subjects = kb[1]

    def breakages(d: dict) -> None:
        d["subjects"]["pensions"]["pages"].append("no-such-page")
        d["subjects"]["pension_recalculation"]["pages"] = ["dost-labour-pensions-about-en"]
        d["uncovered"]["elderly_care"]["near"].append("no-such-subject")
        d["uncovered"]["pension_age"]["words"].append("minimum pensiya")  # a subject's alias
        d["subjects"]["adoption"]["aliases"].append("özünüməşğulluq")  # a passport's alias
        d["subjects"]["sanatorium"]["passport"] = "09-99-99-00"

    edit(subjects, breakages)
    found = problems(kb)
    for expected in (
        "subject pensions: no page 'no-such-page'",
        "page 'dost-pension-services-kt22-en' answers for no subject",
        "uncovered elderly_care: near 'no-such-subject' is neither a subject nor a passport",
        "uncovered elderly_care: more than 3 nearest topics",
        "the name 'minimum pensiya' belongs to several: subject pensions, uncovered pension_age",
        "the name 'özünüməşğulluq' belongs to several: passport 02-04-10-00, subject adoption",
        "subject sanatorium: no passport '09-99-99-00'",
    ):
        assert any(expected in p for p in found), (expected, found)


def test_knowledge_check_reports_page_problems_too(kb) -> None:
    pages, subjects, _ = kb
    (pages / f"{PAGE}.yaml").write_text("id: [", encoding="utf-8")
    found = check_knowledge(pages_dir=pages, subjects_file=subjects)
    assert any(p.startswith(f"pages/{PAGE}.yaml: cannot be read") for p in found)


# --- what a message names ------------------------------------------------------------------

SUBJECTS = matcher_from_pages(KNOWLEDGE)
PASSPORTS = matcher_from_passports(default_passports())


def named(text: str) -> tuple[str, bool] | None:
    found = SUBJECTS.identify(text, PASSPORTS)
    return (found.id, found.covered) if found else None


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("pensiya necə təyin olunur", "pensions"),
        ("pensiya nece teyin olunur", "pensions"),
        ("PENSİYA NECƏ TƏYİN OLUNUR", "pensions"),
        ("minimum pensiya nə qədərdir", "pensions"),
        ("əlillik dərəcəsi necə müəyyən edilir", "disability_degrees"),
        ("elillik derecesi nece mueyyen edilir", "disability_degrees"),
        ("əlillik necə təyin olunur", "disability_assessment"),
        ("sosial müavinət almaq üçün hara müraciət etməli", "social_benefits"),
        ("işsiz kimi qeydiyyat", "employment_registration"),
        ("issiz kimi qeydiyyata nece dusmek olar", "employment_registration"),
        ("övladlığa uşaq götürmək üçün nə lazımdır", "adoption"),
        # More specific than a passport's name inside it ("sosial xidmət müəssisəsi").
        (
            "psixonevroloji sosial xidmət müəssisəsinə necə qəbul olunmaq olar",
            "disability_institutions",
        ),
    ],
)
def test_a_covered_subject_is_recognised(text: str, subject: str) -> None:
    assert named(text) == (subject, True)


@pytest.mark.parametrize(
    ("text", "matter"),
    [
        ("əlilliyə görə müavinət nə qədərdir", "disability_benefit"),
        ("elliliye gore muavinet ne qederdir", "disability_benefit"),
        ("ahıl qulluğu", "elderly_care"),
        ("ahil qullugu", "elderly_care"),
        ("kommunal güzəştlər", "utility_discounts"),
        ("kommunal guzestler", "utility_discounts"),
        ("Qarabağ qazisinə müavinət", "veterans_benefit"),
        ("qarabag qazisine muavinet", "veterans_benefit"),
        ("hamiləliyə və doğuşa görə müavinət", "maternity_benefit"),
        ("pensiya yaşı neçədir", "pension_age"),
    ],
)
def test_a_dost_matter_not_covered_is_recognised_as_a_dost_matter(text: str, matter: str) -> None:
    assert named(text) == (matter, False)


@pytest.mark.parametrize(
    "text",
    [
        "ünvanlı sosial yardım almaq üçün nə lazımdır",  # the ÜDSY passport, its page follows
        "ÜDSY alan pensiyaçı ola bilər?",  # an acronym names the service as well as "pensiya"
        "sanatoriya putyovkası",
        "özünüməşğulluq proqramı üçün sənədlər",
        "əlilliyi olan uşaq müəssisəyə qəbul",
    ],
)
def test_a_passport_keeps_the_questions_it_names(text: str) -> None:
    assert named(text) is None


@pytest.mark.parametrize(
    "text", ["hava necə olacaq sabah", "futbol oyunu kim qazandı", "salam", "sağ olun"]
)
def test_unrelated_questions_name_no_dost_matter(text: str) -> None:
    assert named(text) is None


# --- answers from the pages ----------------------------------------------------------------


def test_a_page_is_cited_with_its_address_and_date_or_that_it_shows_none() -> None:
    page = KNOWLEDGE.pages[PAGE]
    line = source_line(page)
    assert page.url in line and page.publisher in line and t("page.undated") in line
    dated = page.model_copy(update={"page_date": dt.date(2024, 3, 1)})
    assert "1 mart 2024" in source_line(dated) and t("page.undated") not in source_line(dated)


def test_an_english_page_is_said_to_be_translated_an_azerbaijani_one_is_not() -> None:
    [english] = subject_replies(KNOWLEDGE, "pensions", "amount")
    assert "280 manat" in english.text and t("page.translated") in english.text
    assert [s.page for s in english.sources] == ["dost-labour-pensions-about-en"]
    [original] = subject_replies(KNOWLEDGE, "disability_assessment", "duration")
    assert "15 iş günü" in original.text and t("page.translated") not in original.text
    assert "dtsera.gov.az" in original.source_line


def test_a_part_cut_off_or_superseded_is_said_so_with_142() -> None:
    [cut] = subject_replies(KNOWLEDGE, "sanatorium", "documents")
    assert t("page.part_cut") in cut.text and "142" in cut.text
    [old] = subject_replies(KNOWLEDGE, "unemployment_insurance", "info")
    assert t("page.outdated") in old.text and "142" in old.text


def test_a_topic_no_page_speaks_to_gets_the_summary_and_142() -> None:
    [reply] = subject_replies(KNOWLEDGE, "shelter", "fee")
    assert t("page.not_on_page", topic="xidmət haqqı") in reply.text
    assert KNOWLEDGE.pages["dost-shelter-kt36-en"].parts["info"].text in reply.text
    assert t("page.call_center") in reply.text


def test_a_topic_two_pages_speak_to_is_answered_by_each() -> None:
    replies = subject_replies(KNOWLEDGE, "social_benefits", "eligibility")
    assert [r.sources[0].page for r in replies] == [
        "dost-monthly-benefits-kt23-az", "dost-monthly-benefits-kt23-en",
    ]  # fmt: skip
    assert t("page.also") in replies[1].text


def test_a_passports_service_page_adds_what_the_passport_lacks() -> None:
    [reply] = supplement_replies(KNOWLEDGE, "01-06-00-00", "documents")
    assert "ailə tərkibi haqqında arayış" in reply.text
    assert reply.sources[0].passport == "" and reply.sources[0].field == "page"
    assert supplement_replies(KNOWLEDGE, "02-04-10-00", "documents") == []  # no page of it


def test_every_subject_and_topic_answers_from_a_cited_page_with_four_buttons_at_most() -> None:
    assert MAX_CHOICES + 1 == PAGE_SIZE  # with "Əsas menyu", one page of a menu: never cut
    flows = compile_flows(default_passports())
    dialogue = PageDialogue(KNOWLEDGE, flows)
    for subject_id in KNOWLEDGE.subjects:
        for topic in PART_TOPICS:
            turn, state = Turn(), ConversationState(service="01-06-00-00")
            dialogue.answer(state, subject_id, topic, turn)
            where = f"{subject_id}/{topic}"
            assert state.subject == subject_id and state.service is None, where
            for reply in turn.replies:
                [source] = reply.sources
                assert source.field == "page" and not source.passport, where
                assert KNOWLEDGE.pages[source.page].url in reply.source_line, where
            choices = turn.replies[-1].choices
            assert len(choices) <= MAX_CHOICES + 1 and choices[-1].id == "main", where


def test_an_uncovered_matter_offers_142_and_its_nearest_covered_topics() -> None:
    flows = compile_flows(default_passports())
    dialogue = PageDialogue(KNOWLEDGE, flows)
    for item_id, item in KNOWLEDGE.uncovered.items():
        turn = Turn(intent="out_of_scope")
        dialogue.uncovered(ConversationState(), item_id, turn)
        [reply] = turn.replies
        assert "142" in reply.text and item.title in reply.text, item_id
        assert reply.intent == "service_info"  # a DOST question, never out of scope
        picks = [ChoiceId.parse(c.id) for c in reply.choices]
        assert len(picks) == len(item.near) + 1 <= MAX_CHOICES + 1, item_id
        assert {p.pick for p in picks[:-1]} <= {Pick.PAGE, Pick.SERVICE}, item_id
        assert picks[-1].pick is Pick.MAIN


def test_a_part_is_curated_text_not_a_copy_of_the_english() -> None:
    """An English page's parts are Azerbaijani: none reads like the stored English copy."""
    english = [p for p in KNOWLEDGE.pages.values() if p.language == "en"]
    assert english
    for page in english:
        for topic, part in page.parts.items():
            assert isinstance(part, PagePart)
            words = set(part.text.lower().split())
            assert not words & {"the", "and", "of", "is"}, (page.id, topic)


def test_dost_knowledge_show_prints_a_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["knowledge", "show", PAGE, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["url"] == "https://dost.gov.az/en/page/emek-pensiyalari-haqqinda"
    assert shown["page_date"] is None and shown["language"] == "en"
    assert "280 manat" in shown["parts"]["amount"]["text"]
    assert main(["knowledge", "show", "no-such-page"]) == 1
    assert "nor a service page" in capsys.readouterr().err
