"""The passport knowledge base: importers, states, curated data, centers and the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml

from dost.cli import main
from knowledge.build import import_passport
from knowledge.centers import default_centers
from knowledge.check import check_knowledge, check_labels
from knowledge.errors import PassportImportError
from knowledge.forms import OPTIONS_FILE, Option, OptionSet, option_sets
from knowledge.model import FieldState
from knowledge.store import PASSPORTS_DIR, default_passports, load_passport

PASSPORTS = Path(__file__).resolve().parents[1] / "knowledge" / "sources" / "passports"
# Fields of the original passport that list every option of the form (DESIGN.md: 3, 4, 12, 14,
# 16, 19, 20, 26; the issue "Answers a DOST operator would sign": 10, 11, 22, 25 too, no source
# giving their selection).
LOST_TICKS = {"3", "4", "10", "11", "12", "14", "16", "19", "20", "22", "25", "26"}


def source(name: str) -> Path:
    return PASSPORTS / name


def test_every_source_passport_imports() -> None:
    ids = {import_passport(p).id for p in PASSPORTS.glob("*.txt")}
    assert ids == {
        "01-06-00-00", "01-09-07-00", "01-09-08-00", "02-04-07-00",
        "02-04-10-00", "05-04-04-00", "dost-2-2", "dost-7-6-2", "dost-8-1-0",
    }  # fmt: skip


def test_original_passport_marks_lost_ticks_unknown() -> None:
    passport = import_passport(source("02-04-10-00.txt"))
    unknown = {n for n, f in passport.fields.items() if f.state is FieldState.UNKNOWN}
    assert unknown == LOST_TICKS
    assert passport.field("fee").note == "a one-tick field lists 2 options: the tick was lost"
    for number in ("10", "22"):  # checkbox groups listing all their options
        assert passport.fields[number].note == (
            "lists the form's complete option set: the ticks were lost"
        )
    for number in ("11", "25"):  # the form's printed lists of back offices and subsystems
        field = passport.fields[number]
        assert field.note == "lists the form's complete list: the ticks were lost"
        assert field.value[0] in ("01 - DSMF", "“Sənəd dövriyyəsi” AS (ESDAS)")
    assert passport.fields["21"].is_known and passport.fields["24"].is_known


def test_a_part_of_a_complete_list_is_known(tmp_path: Path) -> None:
    lines = list(ORIGINAL_LINES)
    for text in ("02 - DMX", "Surəti", "Qeyri-əhali: Ailə təsərrüfatları", "“Sovqat” AS"):
        del lines[lines.index(text)]  # one option less: a selection, not the form
    passport = import_passport(write(tmp_path, "selection.txt", lines))
    for number in ("10", "11", "22", "25"):
        assert passport.fields[number].is_known, number
    assert passport.fields["10"].options == [
        "citizen", "foreigner_or_stateless_resident", "entrepreneur", "legal_entity",
    ]  # fmt: skip


def test_documents_and_steps_of_the_original_passport() -> None:
    passport = import_passport(source("02-04-10-00.txt"))
    documents = passport.fields["21"]
    assert documents.is_known
    assert documents.value[0].startswith("Şəxsiyyət vəsiqəsi")
    steps = passport.fields["23"].value
    # Order as published, numbering as published: 4 and 5 repeat, 8 is skipped, nothing lost.
    assert [s.number for s in steps] == [
        "1", "2", "3", "4", "5", None, "4", "5", "6", "7", "9", "10", "11",
    ]  # fmt: skip
    assert steps[5].text == "Təlim, qiymətləndirmə kabinet"
    assert steps[-1].text.startswith("Sosial agent tərəfindən monitorinqin nəticələri")


def test_durations_carry_a_unit_only_when_it_is_known() -> None:
    original = import_passport(source("02-04-10-00.txt"))
    assert original.fields["13"].value == 1 and original.fields["13"].unit is None
    assert original.fields["15"].value == 15 and original.fields["15"].unit is None
    assert original.fields["18"].value == 15 and original.fields["18"].unit == "dəqiqə"
    stipend = import_passport(source("02-04-07-00.txt"))
    assert (stipend.fields["13"].value, stipend.fields["13"].unit) == (10, "gün")
    assert (stipend.fields["15"].value, stipend.fields["15"].unit) == (20, "dəqiqə")
    assert stipend.field("fee").options == ["free"] and stipend.field("fee").is_known
    voucher = import_passport(source("01-09-07-00.txt"))
    assert voucher.fields["12"].is_known and voucher.fields["12"].options == ["day"]
    assert voucher.fields["13"].state is FieldState.NOT_PUBLISHED


def test_wording_variants_map_to_one_option() -> None:
    original = import_passport(source("02-04-10-00.txt"))
    udsy = import_passport(source("01-06-00-00.txt"))
    assert "call_center" in udsy.field("response_forms").options  # "vasitəsilə" spelling
    assert "call_center" in original.field("response_forms").options  # "vasitəsi ilə" spelling
    # A legal representative is not any representative: two options, not one.
    assert "representative" in original.field("application_forms").options
    assert "legal_representative" in udsy.field("response_forms").options
    assert "representative" not in udsy.field("response_forms").options


def test_labels_keep_every_qualifier_of_the_source() -> None:
    assert check_labels(option_sets()) == []
    stipend = import_passport(source("02-04-07-00.txt"))
    labels = [option_sets()["user"].label(o) for o in stipend.field("users").options]
    assert labels == [
        "Azərbaycan Respublikasının vətəndaşları",
        "Daimi yaşamaq hüququ olan əcnəbilər",
        "Daimi yaşamaq hüququ olan vətəndaşlığı olmayan şəxslər",
    ]
    assert option_sets()["contact_form"].label("legal_representative") == (
        "Qanuni nümayəndə vasitəsilə"
    )


def test_check_fails_on_a_label_that_changes_the_meaning(tmp_path: Path) -> None:
    doctored = OPTIONS_FILE.read_text(encoding="utf-8")
    doctored = doctored.replace(
        'label: "Daimi yaşamaq hüququ olan əcnəbilər"', 'label: "Azərbaycanda yaşayan əcnəbilər"'
    )
    doctored = doctored.replace(  # a legal representative read as any representative
        'legal_representative: {label: "Qanuni nümayəndə vasitəsilə"}',
        'legal_representative: {label: "Nümayəndə vasitəsilə", '
        'variants: ["Qanuni nümayəndə vasitəsilə"]}',
    )
    options = tmp_path / "options.yaml"
    options.write_text(doctored, encoding="utf-8")
    problems = check_knowledge(options_file=options)
    assert (
        "options.yaml: user.foreigner_permanent_resident: label 'Azərbaycanda yaşayan əcnəbilər' "
        "drops 'daimi', 'yaşamaq', 'hüququ', 'olan' of its variant "
        "'Əhali: Əcnəbilər (daimi yaşamaq hüququ olan)' "
        "(keep every qualifier of the source in the label)"
    ) in problems
    assert any(
        p.startswith("options.yaml: contact_form.legal_representative: label "
                     "'Nümayəndə vasitəsilə' drops 'Qanuni' of its variant")
        for p in problems
    )  # fmt: skip
    assert check_knowledge(options_file=OPTIONS_FILE) == []


def test_label_check_ignores_headings_quotes_and_endings_only() -> None:
    def problems(label: str, *variants: str) -> list[str]:
        option_set = OptionSet(
            name="x", options={"o": Option(label=label, variants=list(variants))}
        )
        return check_labels({"x": option_set})

    assert problems("Hüquqi şəxslər", "Qeyri-əhali: Hüquqi şəxslər") == []
    assert problems("DOST mərkəzi", '"DOST" mərkəzi', "«DOST» mərkəzi") == []
    assert problems("Elektron sistemlər", "Elektron sistemləri") == []
    assert problems("Nümayəndə vasitəsilə", "Nümayəndə vasitəsi ilə") == []
    assert problems("Etibarnamə və ya qəyyum", "Etibarnamə qəyyum") != []  # "ya" means "or"
    assert problems("Əcnəbilər", "əcnəbilər (daimi)") != []
    assert problems("Qanuni nümayəndə", "Nümayəndə") != []  # merged wordings of two meanings


def test_newer_and_short_layouts() -> None:
    newer = import_passport(source("dost-2-2.txt"))
    assert newer.id == "dost-2-2" and newer.source.layout == "new"
    assert newer.field("content").is_known
    assert newer.field("participating_body").state is FieldState.NOT_PUBLISHED
    assert newer.field("delivery_forms").options == [
        "in_person_or_representative",
        "post",
        "electronic",
    ]
    short = import_passport(source("dost-7-6-2.txt"))
    assert short.id == "dost-7-6-2" and short.source.layout == "short"
    assert short.field("result").value.endswith("imtina edilir")
    assert short.field("proactive_assignment").state is FieldState.NOT_PUBLISHED
    assert short.field("on_application_assignment").state is FieldState.NOT_PUBLISHED


def test_dost_8_1_0_is_imported() -> None:
    imported = import_passport(source("dost-8-1-0.txt"))
    assert imported.id == "dost-8-1-0" and imported.source.layout == "new"
    assert imported.name == "Dövlət icbari şəxsi sığorta ödənişlərinin təyin edilməsi"
    states = {n: f.state.value for n, f in imported.fields.items()}
    assert states == {
        "1": "known", "2": "not_published", "3": "not_published", "4": "known",
        "5": "not_published", "6": "known", "7": "not_published", "8": "not_published",
    }  # fmt: skip
    assert len(imported.field("performing_body").value) == 3
    assert imported.field("legal_basis").value[4].startswith("Dövlət icbari şəxsi sığortası")
    shipped = default_passports()["dost-8-1-0"]
    assert shipped.fields["6"].state is FieldState.PARTIAL  # the copy ends after item 5
    assert shipped.fields["6"].value == imported.fields["6"].value
    assert {n for n, f in shipped.fields.items() if f.state != imported.fields[n].state} == {"6"}
    assert shipped.curated.source_url == "https://dost.gov.az/services-passport/8-1-0"
    assert all(
        a.source.endswith("https://dost.gov.az/services-passport/8-1-0")
        for a in [*shipped.curated.aliases, shipped.curated.short_name]
    )
    assert shipped.curated.group is None  # field 3 is empty: no classification to go by


def test_empty_fields_are_not_published_never_none() -> None:
    udsy = import_passport(source("01-06-00-00.txt"))
    for number in map(str, range(11, 28)):
        assert udsy.fields[number].state is FieldState.NOT_PUBLISHED
        assert udsy.fields[number].value is None


# --- malformed input ----------------------------------------------------------------------

ORIGINAL_LINES = (PASSPORTS / "02-04-10-00.txt").read_text(encoding="utf-8").splitlines()


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def line_of(text: str) -> int:
    return ORIGINAL_LINES.index(text) + 1


def test_missing_name_is_an_error(tmp_path: Path) -> None:
    lines = list(ORIGINAL_LINES)
    name_at = line_of("1. Xidmətin adı *") + 1  # the blank line, then the name
    del lines[name_at : name_at + 2]
    with pytest.raises(PassportImportError) as err:
        import_passport(write(tmp_path, "noname.txt", lines))
    assert str(err.value) == (
        f"noname.txt:{line_of('1. Xidmətin adı *')}: no service name (field 1 is missing or empty)"
    )


def test_unknown_field_number_is_an_error(tmp_path: Path) -> None:
    lines = [*ORIGINAL_LINES, "", "28. Xidmətin əlavə qeydləri", "", "bir şey"]
    with pytest.raises(PassportImportError) as err:
        import_passport(write(tmp_path, "extra.txt", lines))
    assert str(err.value) == (
        f"extra.txt:{len(ORIGINAL_LINES) + 2}: unknown field number 28: "
        "the old layout has fields 1–27"
    )


def test_duplicated_field_number_is_an_error(tmp_path: Path) -> None:
    lines = [*ORIGINAL_LINES, "", "19. Xidmət haqqı *", "", "Ödənişsiz"]
    with pytest.raises(PassportImportError) as err:
        import_passport(write(tmp_path, "twice.txt", lines))
    assert str(err.value) == (
        f"twice.txt:{len(ORIGINAL_LINES) + 2}: field 19 appears twice "
        f"(first at line {line_of('19. Xidmət haqqı * yalnız 1-ni seçə bilər.')})"
    )


def test_misnumbered_field_is_an_error(tmp_path: Path) -> None:
    lines = list(ORIGINAL_LINES)
    lines[line_of("27. Xidmət üzrə məsul şəxsin vəzifəsi *") - 1] = "27. Xidmət haqqı"
    with pytest.raises(PassportImportError, match=r"field 27 carries the title of field 19"):
        import_passport(write(tmp_path, "misnumbered.txt", lines))


def test_non_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes(b"DOST xidm\xfct pasportu\n1. Xidm\xfctin ad\xfd\n")  # Windows-1254
    with pytest.raises(PassportImportError) as err:
        import_passport(path)
    assert str(err.value) == "latin.txt:1: not UTF-8 text (byte 0xfc); save it as UTF-8"


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(PassportImportError) as err:
        import_passport(path)
    assert str(err.value) == "empty.txt: the file is empty"


def test_text_that_is_no_passport_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PassportImportError, match=r"notes\.txt: not a DOST passport"):
        import_passport(write(tmp_path, "notes.txt", ["Salam", "bu pasport deyil"]))


def test_one_bad_file_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("", encoding="utf-8")
    out = tmp_path / "kb"
    code = main(["knowledge", "import", str(source("02-04-10-00.txt")), str(bad),
                 "--out", str(out)])  # fmt: skip
    assert code == 1
    assert "error: empty.txt: the file is empty" in capsys.readouterr().err
    assert not out.exists() or not list(out.iterdir())


def test_reimport_keeps_curated_fields(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(PASSPORTS_DIR, kb)
    before = load_passport(kb / "02-04-10-00.yaml").curated
    assert before.eligibility and before.aliases
    assert main(["knowledge", "import", str(source("02-04-10-00.txt")), "--out", str(kb)]) == 0
    assert load_passport(kb / "02-04-10-00.yaml").curated == before


# --- .docx passports ------------------------------------------------------------------------

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _checkbox_paragraph(document: docx.Document, label: str, checked: bool) -> None:
    """A paragraph holding a real Word checkbox content control, then the label."""
    paragraph = document.add_paragraph()
    sdt = parse_xml(
        f'<w:sdt xmlns:w="{W}" xmlns:w14="{W14}"><w:sdtPr><w14:checkbox>'
        f'<w14:checked w14:val="{int(checked)}"/></w14:checkbox></w:sdtPr>'
        f"<w:sdtContent><w:r><w:t>{'☒' if checked else '☐'}</w:t></w:r></w:sdtContent></w:sdt>"
    )
    paragraph._p.append(sdt)
    paragraph.add_run(f" {label}")


def _docx_passport(tmp_path: Path, fee: list[tuple[str, bool]], *, controls: bool,
                   name: str = "fee.docx") -> Path:  # fmt: skip
    document = docx.Document()
    document.add_paragraph("DOST xidmət pasportu")
    document.add_paragraph("1. Xidmətin adı *")
    document.add_paragraph("Sınaq xidməti")
    document.add_paragraph("2. Xidmətin ID-si")
    document.add_paragraph("09-09-09-09")
    document.add_paragraph("19. Xidmət haqqı * yalnız 1-ni seçə bilər.")
    for label, ticked in fee:
        if controls:
            _checkbox_paragraph(document, label, ticked)
        else:
            document.add_paragraph(f"{'☒' if ticked else '☐'} {label}")
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "21. Xidmət üzrə tələb olunan sənədlər *"
    document.add_paragraph("1. Şəxsiyyət vəsiqəsi")
    path = tmp_path / name
    document.save(str(path))
    return path


@pytest.mark.parametrize("controls", [False, True], ids=["tick-characters", "content-controls"])
def test_docx_ticks_give_the_selection(tmp_path: Path, controls: bool) -> None:
    path = _docx_passport(tmp_path, [("Ödənişli", False), ("Ödənişsiz", True)], controls=controls)
    passport = import_passport(path)
    assert passport.id == "09-09-09-09"
    fee = passport.field("fee")
    assert fee.is_known and fee.value == ["Ödənişsiz"] and fee.options == ["free"]
    assert passport.field("documents").value == ["Şəxsiyyət vəsiqəsi"]  # header in a table cell


def test_docx_with_two_ticks_in_a_one_tick_field_is_unknown(tmp_path: Path) -> None:
    path = _docx_passport(tmp_path, [("Ödənişli", True), ("Ödənişsiz", True)], controls=True)
    assert import_passport(path).field("fee").state is FieldState.UNKNOWN


def test_docx_with_nothing_ticked_is_not_published(tmp_path: Path) -> None:
    path = _docx_passport(tmp_path, [("Ödənişli", False), ("Ödənişsiz", False)], controls=False)
    assert import_passport(path).field("fee").state is FieldState.NOT_PUBLISHED


def test_broken_docx_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(PassportImportError, match=r"^broken\.docx: not a readable \.docx file"):
        import_passport(path)


# --- the knowledge base as shipped -----------------------------------------------------------


def test_shipped_knowledge_base_checks_clean() -> None:
    assert check_knowledge() == []


def test_check_reports_every_problem(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(PASSPORTS_DIR, kb)
    broken = (kb / "05-04-04-00.yaml").read_text(encoding="utf-8")
    broken = broken.replace("- Şəxsən\n", "- Şəxsən gəlməklə\n", 1)
    (kb / "05-04-04-00.yaml").write_text(broken, encoding="utf-8")
    (kb / "dost-2-2.yaml").rename(kb / "renamed.yaml")
    (kb / "bad.yaml").write_text("id: [unclosed", encoding="utf-8")
    problems = check_knowledge(passports_dir=kb)
    assert any(p.startswith("bad.yaml: cannot be read") for p in problems)
    assert "renamed.yaml: id 'dost-2-2' does not match the file name" in problems
    assert any("05-04-04-00.yaml: field 6" in p and "Şəxsən gəlməklə" in p for p in problems)


def test_curated_items_carry_sources() -> None:
    passports = default_passports()
    self_employment = passports["02-04-10-00"]
    assert {"özünüməşğulluq", "biznes plan"} <= set(self_employment.aliases)
    assert [r.id for r in self_employment.curated.eligibility][:2] == [
        "registered_unemployed", "land_share_jobseeker",
    ]  # fmt: skip
    assert all(r.source.startswith("https://") for r in self_employment.curated.eligibility)
    assert "ÜDSY" in passports["01-06-00-00"].aliases
    assert {"putyovka", "yollayış"} <= set(passports["01-09-07-00"].aliases)
    for passport in passports.values():
        assert passport.aliases and all(a.source for a in passport.curated.aliases)


def test_centers() -> None:
    centers = default_centers()
    first = centers.get("baki-1")
    assert first.address == "Qutqaşınlı küçəsi 86"
    assert centers.hours(first).weekdays == ["mon", "tue", "wed", "thu", "fri"]
    assert centers.desks(first, "02-04-10-00") == 2
    assert centers.desks(centers.get("terter"), "02-04-10-00") == 1
    assert centers.get("baki-5").address is None  # no source gives it
    assert all(c.sources for c in centers.centers)
    assert centers.call_center.number == "142"


def test_show_json_shape(capsys: pytest.CaptureFixture) -> None:
    assert main(["knowledge", "show", "02-04-10-00", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == "02-04-10-00"
    assert set(shown["fields"]) == {str(n) for n in range(1, 28)}
    states = {n for n, f in shown["fields"].items() if f["state"] == "unknown"}
    assert states == LOST_TICKS
    assert shown["fields"]["21"]["state"] == "known"
    assert shown["fields"]["21"]["value"][0].startswith("Şəxsiyyət vəsiqəsi")
    assert shown["fields"]["23"]["value"][5] == "Təlim, qiymətləndirmə kabinet"
    assert set(shown["fields"]["1"]) == {"title", "state", "value"}


# --- fields the source showed only in part ---------------------------------------------------

# SOURCES.md, "fields only partly shown": passport → field numbers.
PARTLY_SHOWN = {
    "01-06-00-00": {"10"},
    "02-04-07-00": {"20"},
    "01-09-07-00": {"12"},
    "01-09-08-00": {"12"},
    "dost-2-2": {"8"},
    "dost-8-1-0": {"6"},
}


def test_partly_shown_fields_are_partial_after_import(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(PASSPORTS_DIR, kb)
    files = [str(source(f"{pid}.txt")) for pid in PARTLY_SHOWN]
    assert main(["knowledge", "import", *files, "--out", str(kb)]) == 0
    for pid, numbers in PARTLY_SHOWN.items():
        passport = load_passport(kb / f"{pid}.yaml")
        partial = {n for n, f in passport.fields.items() if f.state is FieldState.PARTIAL}
        assert partial == numbers, pid
        assert {m.field for m in passport.curated.partial} == numbers
        assert all("SOURCES.md" in m.source for m in passport.curated.partial)
    udsy = load_passport(kb / "01-06-00-00.yaml").fields["10"]
    assert udsy.value == ["Əhali: Azərbaycan Respublikasının vətəndaşları"]
    assert udsy.note.startswith("only partly shown in the source")
    assert check_knowledge(passports_dir=kb) == []


def test_the_importer_alone_cannot_see_what_a_page_did_not_show() -> None:
    # The marks are curated: a bare import reads the shown part as the field's value.
    assert import_passport(source("01-06-00-00.txt")).fields["10"].is_known


def test_shipped_partial_fields(capsys: pytest.CaptureFixture) -> None:
    for pid, numbers in PARTLY_SHOWN.items():
        passport = default_passports()[pid]
        assert {n for n, f in passport.fields.items() if f.state == "partial"} == numbers
        assert all(passport.fields[n].is_shown and not passport.fields[n].is_known
                   for n in numbers)  # fmt: skip
    assert main(["knowledge", "show", "01-06-00-00", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["fields"]
    assert shown["10"] == {
        "title": "Xidmət istifadəçiləri",
        "state": "partial",
        "value": ["Əhali: Azərbaycan Respublikasının vətəndaşları"],
    }
    assert main(["knowledge", "show", "02-04-07-00"]) == 0
    assert "20. Xidmətin göstərilmə yeri  [partial]" in capsys.readouterr().out


def test_check_reports_partial_states_without_marks(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(PASSPORTS_DIR, kb)
    text = (kb / "05-04-04-00.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    state: known\n    value:\n    - 'Əhali: Azərbaycan",
        "    state: partial\n    value:\n    - 'Əhali: Azərbaycan",
        1,
    )
    (kb / "05-04-04-00.yaml").write_text(text, encoding="utf-8")
    text = (kb / "02-04-07-00.yaml").read_text(encoding="utf-8")
    text = text.replace("  - field: '20'", "  - field: '21'", 1)  # 21 is empty in the source
    (kb / "02-04-07-00.yaml").write_text(text, encoding="utf-8")
    problems = check_knowledge(passports_dir=kb)
    assert "05-04-04-00.yaml: field 10 (users) is partial without a curated partial mark" in (
        problems
    )
    assert (
        "02-04-07-00.yaml: curated partial mark of field 21: the field is not_published; "
        "only a field with a value can be partly shown"
    ) in problems
    assert "02-04-07-00.yaml: field 20 (place) is partial without a curated partial mark" in (
        problems
    )


def test_show_unknown_id(capsys: pytest.CaptureFixture) -> None:
    assert main(["knowledge", "show", "99-99-99-99"]) == 1
    assert "no passport with id '99-99-99-99'" in capsys.readouterr().err


def test_target_group_is_words_of_the_name(tmp_path: Path) -> None:
    """A curated target group quotes the name as printed; a paraphrase is a problem."""
    passports = default_passports()
    group = passports["dost-7-6-2"].curated.target_group
    assert group is not None and group.text.endswith("əlilliyi müəyyən edilmiş şəxslər")
    assert passports["01-09-07-00"].curated.target_group.text == "İmtiyazlı şəxslər"
    kb = tmp_path / "kb"
    shutil.copytree(PASSPORTS_DIR, kb)
    path = kb / "01-09-07-00.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "text: İmtiyazlı şəxslər", "text: Güzəştli şəxslər"), encoding="utf-8")  # fmt: skip
    assert (
        "01-09-07-00.yaml: curated target group 'Güzəştli şəxslər' is not in the name as "
        "printed" in check_knowledge(passports_dir=kb)
    )
    before = load_passport(kb / "02-04-07-00.yaml").curated
    assert main(["knowledge", "import", str(source("02-04-07-00.txt")), "--out", str(kb)]) == 0
    assert load_passport(kb / "02-04-07-00.yaml").curated.target_group == before.target_group
