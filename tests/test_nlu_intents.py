"""nlu.intents: the training data (as data), the training set builder and the classifier."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from knowledge.store import default_passports
from nlu.intents import (
    CONFIDENCE_THRESHOLD,
    EXAMPLES_PATH,
    INTENTS,
    TEMPLATES_PATH,
    TEMPLATES_PER_NAME,
    TOPIC_INTENTS,
    IntentClassifier,
    build_training_set,
    load_examples,
    load_templates,
)
from nlu.language import detect_language, has_cyrillic
from nlu.normalize import fold, normalize

DEV_SET = Path(__file__).resolve().parent / "data" / "nlu_dev.tsv"

# Aliases citizens use, per service id (the knowledge base has its own curated list).
_ALIASES = {
    "02-04-10-00": ["özünüməşğulluq", "özünüməşğulluq proqramı"],
    "01-06-00-00": ["ÜDSY", "ünvanlı yardım", "ünvanlı sosial yardım"],
    "01-09-07-00": ["putyovka", "yollayış", "sanatoriya"],
    "05-04-04-00": ["ictimai işlər"],
    "02-04-07-00": ["peşə hazırlığı təqaüdü"],
    "dost-2-2": ["əməyin mühafizəsi sertifikatı"],
    "dost-7-6-2": ["prezident təqaüdü"],
}

# Phrasings written for these tests only: in neither the training data nor the dev set.
HELD_OUT = [
    ("ünvanlı sosial yardım almaq üçün hansı sənədləri aparmalıyam", "ask_documents"),
    ("putyovka üçün TSEK-dən arayış gətirməliyəm?", "ask_documents"),
    ("mən tələbəyəm, ictimai işlərə cəlb oluna bilərəm?", "ask_eligibility"),
    ("atam əlildir, ona sanatoriya düşür?", "ask_eligibility"),
    ("əməyin mühafizəsi sertifikatı ödənişlidir?", "ask_fee"),
    ("ünvanlı yardıma neçə günə baxılır", "ask_duration"),
    ("ünvanlı yardım üçün hansı mərkəzə getməliyəm", "ask_location"),
    ("şənbə günü DOST açıqdır?", "ask_hours"),
    ("ictimai işlərə cəlb olunmaq istəyirəm, nə etməliyəm", "ask_procedure"),
    ("putyovka üçün onlayn ərizə vermək olur?", "ask_online"),
    ("ünvanlı yardımdan niyə imtina edirlər", "ask_refusal"),
    ("özünüməşğulluq proqramı hansı qanuna əsaslanır", "ask_legal_basis"),
    ("ÜDSY haqqında ümumi məlumat istəyirəm", "service_info"),
    ("özünüməşğulluq üzrə növbə götürmək istəyirəm", "book_slot"),
    ("biznes planımın müdafiəsi hansı gün olacaq", "commission_date"),
    ("sabahkı növbəm lazım deyil, silin", "cancel_booking"),
    ("növbəmi cümə gününə keçirmək olar?", "reschedule_booking"),
    ("növbəm hansı mərkəzdədir", "my_booking"),
    ("müraciətimə hələ baxılmayıb?", "application_status"),
    ("məni insana qoşun", "human_handoff"),
    ("SMS bildirişlərini söndürün", "unsubscribe"),
    ("sabahınız xeyir, kömək lazım idi", "greet"),
    ("çox sağ olun, köməyiniz üçün", "thanks"),
    ("yaxşı, görüşənədək", "goodbye"),
    ("bəli, elə edin", "affirm"),
    ("yox, başqa sualım yoxdur", "deny"),
    ("DOST-da nə xidmətlər göstərilir", "list_services"),
    ("lobya şorbası necə bişirilir", "out_of_scope"),
    # wave 2: topics the passports hold
    ("putyovka verilərsə, sonda mənim əlimə nə keçəcək", "ask_result"),
    ("ünvanlı yardım ailəyə ayda neçə manat olur", "ask_amount"),
    ("qızım mənim əvəzimə ünvanlı yardıma müraciət edə bilərmi", "ask_representative"),
    ("ictimai işlərə göndərişi hansı dövlət qurumu verir", "ask_performer"),
    ("putyovka ilə bağlı qərarı mənə hansı yolla çatdıracaqlar", "ask_notification"),
    ("bu gün hava isti olacaq?", "out_of_scope"),
]

# Typed the way many people type: no Azerbaijani letters, "w" for ş, "4" for ç, caps with the
# wrong I (Python's str.upper), Cyrillic Azerbaijani.
HELD_OUT_TYPED = [
    ("prezident teqaudu ucun hansi senedleri getirim", "ask_documents"),
    ("ozunumewgulluge yazilmaq ucun addimlar nedir", "ask_procedure"),
    ("PEŞƏ HAZIRLIĞI TƏQAÜDÜ ÜÇÜN SƏNƏDLƏR NƏLƏRDİR".upper(), "ask_documents"),
    ("DOST MERKEZI NECEDEN NECEYE ISLEYIR", "ask_hours"),
    ("ozunumesgulluq proqrami pulludur", "ask_fee"),
    ("menim qebulum ne vaxtdir", "my_booking"),
    ("novbemi legv etmek isteyirem", "cancel_booking"),
    ("4ox sag olun", "thanks"),
    ("muracietin statusu ne oldu", "application_status"),
    ("Сәнәдләр һансылардыр", "ask_documents"),
    # "nəticə" (result) is not "neçə" (how many): not a duration, not a fee
    ("pese hazirligi teqaudunun neticesi nedir", "ask_result"),
    ("ozunumesgulluq proqraminin neticesinde ne alacam", "ask_result"),
    ("neticeni mene nece catdiracaqlar", "ask_notification"),
    ("teqaud ayda nece manat olur", "ask_amount"),
    ("NƏTİCƏDƏ NƏ VERİRLƏR", "ask_result"),
]


# Russian questions, in Cyrillic and in Latin letters: in neither the training data nor the dev set.
HELD_OUT_RU = [
    ("какие бумаги нужны для адресной помощи", "ask_documents"),
    ("kakie dokumenty nado dlya samozanyatosti", "ask_documents"),
    ("сколько стоит оформление путевки", "ask_fee"),
    ("skolko stoit sertifikat", "ask_fee"),
    ("где можно подать документы на профподготовку", "ask_location"),
    ("можно ли подать на самозанятость через интернет", "ask_online"),
    ("mozhno li onlayn podat zayavku", "ask_online"),
    ("хочу записаться в очередь в центр DOST", "book_slot"),
    ("zapisatsya na priem v dost", "book_slot"),
    ("кому положена адресная помощь", "ask_eligibility"),
    ("как долго рассматривают заявление на стипендию", "ask_duration"),
    ("почему мне отказали в адресной помощи", "ask_refusal"),
    ("по какому закону назначается стипендия", "ask_legal_basis"),
    ("отмените, пожалуйста, мою запись на завтра", "cancel_booking"),
    ("hochu pogovorit s operatorom", "human_handoff"),
    ("spasibo bolshoe za pomosh", "thanks"),
]


def passport_names() -> dict[str, list[str]]:
    """service id → official name (from the knowledge base) + a few known aliases + its
    Russian aliases (the knowledge base's Cyrillic ones)."""
    return {
        service_id: [
            passport.name,
            *_ALIASES.get(service_id, []),
            *[a for a in passport.aliases if has_cyrillic(a)],
        ]
        for service_id, passport in sorted(default_passports().items())
    }


def dev_sentences() -> list[tuple[str, str]]:
    rows = []
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, intent, *_ = line.split("\t")
            rows.append((text, intent))
    return rows


def strip_letters(text: str) -> str:
    return text.translate(str.maketrans("əƏıIşŞçÇğĞöÖüÜİ", "eEiISScCgGoOuUI"))


@pytest.fixture(scope="module")
def names() -> Mapping[str, list[str]]:
    return passport_names()


@pytest.fixture(scope="module")
def classifier(names: Mapping[str, list[str]]) -> IntentClassifier:
    return IntentClassifier().fit(build_training_set(names))


# --- the data -----------------------------------------------------------------------------------


def test_examples_file_is_rasa_nlu_yaml() -> None:
    data = yaml.safe_load(EXAMPLES_PATH.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    for item in data["nlu"]:
        assert set(item) == {"intent", "examples"}
        assert isinstance(item["examples"], str)
        lines = [line for line in item["examples"].splitlines() if line.strip()]
        assert all(line.startswith("- ") for line in lines), item["intent"]


def test_examples_cover_exactly_the_intents_with_enough_examples() -> None:
    examples = load_examples()
    assert set(examples) == set(INTENTS)
    assert len(INTENTS) == 31  # DESIGN.md's names, the wave-2 topics included
    for intent, texts in examples.items():
        assert len(texts) >= 40, intent
    for intent in (*TOPIC_INTENTS, "out_of_scope"):
        assert len(examples[intent]) >= 45, intent
    assert len(examples["out_of_scope"]) >= 150


def test_examples_have_no_duplicates_and_no_contradictions() -> None:
    examples = load_examples()
    texts = [normalize(t) for ts in examples.values() for t in ts]
    assert "" not in texts
    duplicates = [t for t, n in Counter(texts).items() if n > 1]
    assert duplicates == []
    intents_by_key: dict[str, set[str]] = {}
    for intent, ts in examples.items():
        for t in ts:
            intents_by_key.setdefault(fold(t), set()).add(intent)
    assert {k: v for k, v in intents_by_key.items() if len(v) > 1} == {}


def test_examples_are_not_taken_from_the_dev_set(names: Mapping[str, list[str]]) -> None:
    dev = {normalize(text) for text, _ in dev_sentences()}
    dev_folded = {fold(text) for text, _ in dev_sentences()}
    examples = load_examples()
    assert [t for ts in examples.values() for t in ts if normalize(t) in dev] == []
    assert [t for ts in examples.values() for t in ts if fold(t) in dev_folded] == []
    generated = build_training_set(names)
    assert [t for t, _ in generated if fold(t) in dev_folded] == []


def test_examples_include_the_ways_people_type() -> None:
    examples = load_examples()
    every = [t for ts in examples.values() for t in ts]
    ascii_only = [t for t in every if t.isascii() and re.search("[a-z]", t)]
    all_caps = [t for t in every if t.isupper() and len(t) > 3]
    cyrillic = [t for t in every if re.search("[а-яәөүһҹҝғ]", t.lower())]
    assert len(ascii_only) >= 150
    assert len(all_caps) >= 15
    assert len(cyrillic) >= 10
    # short follow-ups of the topic intents
    for text, intent in [
        ("bəs pulludur?", "ask_fee"),
        ("bəs sənədlər?", "ask_documents"),
        ("harada?", "ask_location"),
        ("nə qədər vaxt aparır?", "ask_duration"),
    ]:
        assert text in examples[intent]
    for text in ("hə", "bəli", "olar"):
        assert text in examples["affirm"]
    for text in ("yox", "xeyr", "lazım deyil"):
        assert text in examples["deny"]


@pytest.mark.parametrize(("language", "least"), [("az", 12), ("ru", 6)])
def test_templates_cover_the_topic_intents(language: str, least: int) -> None:
    templates = load_templates(language=language)
    assert set(templates) == set(TOPIC_INTENTS)
    for intent, items in templates.items():
        assert len(items) >= least, intent
        assert len(set(items)) == len(items), intent
        for template in items:
            assert template.count("{service}") == 1, template
            assert detect_language(template.replace("{service}", "")) in (language, None)
    raw = yaml.safe_load(TEMPLATES_PATH.read_text(encoding="utf-8"))
    assert set(raw) == {*TOPIC_INTENTS, "ru"}


def test_russian_templates_are_filled_with_the_russian_aliases_only(
    names: Mapping[str, list[str]],
) -> None:
    """Azerbaijani questions get the Azerbaijani names, Russian ones the Russian aliases."""
    pairs = build_training_set(
        names, examples={}, templates_ru={"ask_fee": ["{service}: сколько стоит?"]}
    )
    russian = [text for text, _ in pairs if text.endswith(": сколько стоит?")]
    assert len(russian) == TEMPLATES_PER_NAME
    assert all(has_cyrillic(text.split(":")[0]) for text in russian)
    azerbaijani = [text for text, _ in pairs if "сколько" not in text and "skolko" not in text]
    assert azerbaijani and not [text for text in azerbaijani if has_cyrillic(text)]


# --- the training set ---------------------------------------------------------------------------


def test_training_set_is_deterministic_bounded_and_augmented(
    names: Mapping[str, list[str]],
) -> None:
    first = build_training_set(names)
    assert first == build_training_set(names)
    assert {intent for _, intent in first} == set(INTENTS)
    assert len(first) == len(set(first))

    examples = load_examples()
    templates = load_templates()
    n_hand = sum(len(v) for v in examples.values())
    n_templates = sum(len(v) for v in templates.values())
    n_templates += sum(len(v) for v in load_templates(language="ru").values())
    assert len(first) <= 2 * (n_hand + 4 * n_templates)

    pairs = set(first)
    # hand examples, and their copies without Azerbaijani letters
    assert ("növbə götürmək istəyirəm", "book_slot") in pairs
    assert ("novbe goturmek isteyirem", "book_slot") in pairs
    assert (fold("Özünüməşğulluğa kimləri götürürlər"), "ask_eligibility") in pairs
    # template x names: every topic intent mentions services, diacritic-free too
    alias_keys = {fold(a) for aliases in names.values() for a in aliases}
    for intent in TOPIC_INTENTS:
        texts = [fold(t) for t, i in first if i == intent]
        assert any(any(k in t for k in alias_keys) for t in texts), intent
    assert not any("{service}" in t for t, _ in first)


def test_training_set_without_services_is_the_hand_examples() -> None:
    pairs = build_training_set({})
    hand = {(t, i) for i, ts in load_examples().items() for t in ts}
    assert hand <= set(pairs)
    assert {t for t, _ in pairs} <= {t for t, _ in hand} | {fold(t) for t, _ in hand}


# --- the classifier -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "intent"), HELD_OUT)
def test_held_out_phrasings(classifier: IntentClassifier, text: str, intent: str) -> None:
    assert classifier.predict(text)[0][0] == intent


@pytest.mark.parametrize(("text", "intent"), HELD_OUT)
def test_held_out_phrasings_without_azerbaijani_letters(
    classifier: IntentClassifier, text: str, intent: str
) -> None:
    assert classifier.predict(strip_letters(text))[0][0] == intent
    assert classifier.predict(text.upper())[0][0] == intent  # caps, with the wrong I


@pytest.mark.parametrize(("text", "intent"), HELD_OUT_TYPED)
def test_held_out_typed_phrasings(classifier: IntentClassifier, text: str, intent: str) -> None:
    assert classifier.predict(text)[0][0] == intent


@pytest.mark.parametrize(("text", "intent"), HELD_OUT_RU)
def test_held_out_russian_phrasings(classifier: IntentClassifier, text: str, intent: str) -> None:
    assert classifier.predict(text)[0][0] == intent
    assert detect_language(text) == "ru"


def test_prediction_is_a_full_ranking(classifier: IntentClassifier) -> None:
    ranking = classifier.predict("özünüməşğulluq proqramı üçün hansı sənədlər lazımdır")
    assert ranking[0][0] == "ask_documents"
    assert sorted(name for name, _ in ranking) == sorted(INTENTS)
    confidences = [c for _, c in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)
    assert confidences[0] >= CONFIDENCE_THRESHOLD
    assert 0.0 < CONFIDENCE_THRESHOLD < 1.0


def test_empty_and_odd_input_does_not_raise(classifier: IntentClassifier) -> None:
    for text in ("", "   ", "?!", "😀", "x" * 5000, "12:30"):
        ranking = classifier.predict(text)
        assert len(ranking) == len(INTENTS)
        assert sum(c for _, c in ranking) == pytest.approx(1.0)


def test_fast_path_matches_the_sklearn_pipeline(classifier: IntentClassifier) -> None:
    texts = [t for t, _ in HELD_OUT + HELD_OUT_TYPED + HELD_OUT_RU]
    probabilities = classifier.pipeline.predict_proba([fold(t) for t in texts])
    classes = list(classifier.pipeline.classes_)
    for text, row in zip(texts, probabilities, strict=True):
        fast = dict(classifier.predict(text))
        for k, name in enumerate(classes):
            assert fast[name] == pytest.approx(row[k], abs=1e-9)
    assert classifier.predict_batch(texts) == [classifier.predict(t)[0][0] for t in texts]


def test_save_and_load_give_identical_predictions(
    classifier: IntentClassifier, tmp_path: Path
) -> None:
    path = tmp_path / "intents.pkl"
    classifier.save(path)
    loaded = IntentClassifier.load(path)
    for text, _ in HELD_OUT + HELD_OUT_TYPED:
        assert loaded.predict(text) == classifier.predict(text)


def test_load_rejects_other_files(tmp_path: Path) -> None:
    path = tmp_path / "other.pkl"
    import pickle

    path.write_bytes(pickle.dumps({"something": "else"}))
    with pytest.raises(ValueError):
        IntentClassifier.load(path)


def test_training_is_deterministic(
    classifier: IntentClassifier, names: Mapping[str, list[str]]
) -> None:
    again = IntentClassifier().fit(build_training_set(names))
    for text, _ in HELD_OUT + HELD_OUT_TYPED:
        assert again.predict(text) == classifier.predict(text)


def test_unfitted_classifier_says_so() -> None:
    with pytest.raises(RuntimeError):
        IntentClassifier().predict("salam")
    with pytest.raises(ValueError):
        IntentClassifier().fit([])


def test_the_dev_set_is_fully_understood(nlu) -> None:
    """`dost nlu eval`'s figure for the shipped model: every row of the dev set (Azerbaijani
    and Russian, never trained on) gets its intent and its service, or none."""
    from nlu.evaluate import read_rows

    wrong = []
    for row in read_rows(DEV_SET):
        intent = nlu.classifier.predict(row.text)[0][0]
        service = nlu.services.identify(row.text)
        if (intent, service.id if service else None) != (row.intent, row.service):
            wrong.append((row.text, intent, service))
    assert wrong == []
