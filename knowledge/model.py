"""The passport model: every field of every layout, each with a state and its origin."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FieldState(StrEnum):
    KNOWN = "known"
    UNKNOWN = "unknown"  # the source lost the selection (e.g. every checkbox option listed)
    # The source showed only part of the field (a page read in part: its first item, a list cut
    # off). The value is what was shown, never the whole; set from the curated `partial` marks.
    PARTIAL = "partial"
    NOT_PUBLISHED = "not_published"  # the source shows the field empty


class FieldKind(StrEnum):
    TEXT = "text"  # one free-text value
    LIST = "list"  # several free-text items (numbering stripped)
    CHOICE = "choice"  # options of a form; `single` when only one may be ticked
    NUMBER = "number"  # a number whose unit lives in another field
    STEPS = "steps"  # ordered instructions; numbering as published, order as published


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str | None = None  # as published (it may repeat or skip); None for a heading
    text: str


class PassportField(BaseModel):
    number: str  # as in the source layout
    key: str  # canonical name the engine uses (documents, fee, ...)
    title: str
    kind: FieldKind
    state: FieldState
    value: str | int | list[str] | list[Step] | None = None
    options: list[str] = Field(default_factory=list)  # canonical option ids of CHOICE values
    unit: str | None = None  # for NUMBER fields: only when the unit field is known
    source: str  # "file:line" of the value, or a curated item's URL
    note: str | None = None  # why a field is unknown, in English, for maintainers

    @property
    def is_known(self) -> bool:
        return self.state is FieldState.KNOWN

    @property
    def is_shown(self) -> bool:
        """The source shows a value: all of it (known) or a part (partial)."""
        return self.state in (FieldState.KNOWN, FieldState.PARTIAL)


class CuratedItem(BaseModel):
    """A fact added by hand next to the imported ones, always with where it came from."""

    text: str
    source: str


class PartialMark(BaseModel):
    """A field the source showed only in part (SOURCES.md, "fields only partly shown").

    The importer cannot see what a page did not show, so the mark is curated; `dost knowledge
    import` applies it to the imported field (state `partial`) on every re-import.
    """

    field: str  # the field's number as in the source layout
    shown: str  # what the source shows of it, in English, for maintainers
    source: str  # where it is said that the field was shown only in part


class PlainStep(BaseModel):
    """One step of a passport's steps field (kind `steps`) told to the person as a DOST
    operator would: second person, the source's typos and headings left out, every fact kept.

    `from_steps` names the published steps it restates, in published order, by their number as
    printed; a number printed more than once (the source repeats 4 and 5) is written with its
    occurrence: "4#1" for the first step numbered 4, "4#2" for the second. The published field
    stays as imported; `dost knowledge check` sees that every numbered step is restated and that
    the numbers and time limits of each restated step are in its plain text.
    """

    text: str  # Azerbaijani, polite (siz)
    from_steps: list[str]
    source: str


def step_refs(steps: list[Step]) -> dict[str, Step]:
    """The published numbered steps by the reference a plain step uses (PlainStep.from_steps):
    the number as printed, or "N#k" for the k-th of the steps printed with a repeated number N.
    Headings have no reference: they are never restated."""
    counts = Counter(step.number for step in steps if step.number is not None)
    refs, seen = {}, Counter[str]()
    for step in steps:
        if step.number is None:
            continue
        seen[step.number] += 1
        ref = step.number if counts[step.number] == 1 else f"{step.number}#{seen[step.number]}"
        refs[ref] = step
    return refs


class EligibilityRule(BaseModel):
    """One yes/no question of the eligibility check and what a "yes" means.

    `qualifies` rules sharing a `group` are alternatives: one "yes" in the group is enough,
    and every group needs one. A "yes" to a `disqualifies` rule ends the check negatively;
    a "yes" to a `priority` rule is reported as a priority, never as a condition.
    """

    id: str
    question: str  # Azerbaijani, polite (siz), answerable with bəli / xeyr
    effect: Literal["qualifies", "disqualifies", "priority"]
    group: str | None = None
    explanation: str  # Azerbaijani: the rule in words, shown with the verdict
    source: str


class Curated(BaseModel):
    """Hand-curated additions. The importer never overwrites this section."""

    aliases: list[CuratedItem] = Field(default_factory=list)
    short_name: CuratedItem | None = None
    group: CuratedItem | None = None  # main-menu group (a classification id) with its source
    # Who the service is for, in the words of its name (field 1), where the name says it:
    # "İmtiyazlı şəxslər" of "İmtiyazlı şəxslərin sanatoriya-kurort putyovkaları ilə təmin
    # edilməsi". The text is a part of the name as printed (`dost knowledge check`).
    target_group: CuratedItem | None = None
    eligibility: list[EligibilityRule] = Field(default_factory=list)
    eligibility_note: CuratedItem | None = None
    partial: list[PartialMark] = Field(default_factory=list)
    # The steps field in plain words, in the order told (answers use it in place of the field).
    steps_plain: list[PlainStep] = Field(default_factory=list)
    source_url: str | None = None


class SourceInfo(BaseModel):
    file: str
    layout: str
    url: str | None = None


class Passport(BaseModel):
    id: str
    name: str
    source: SourceInfo
    fields: dict[str, PassportField]
    curated: Curated = Field(default_factory=Curated)

    def field(self, key: str) -> PassportField | None:
        """The field with canonical `key`, whatever its number in this layout."""
        for f in self.fields.values():
            if f.key == key:
                return f
        return None

    @property
    def aliases(self) -> list[str]:
        return [a.text for a in self.curated.aliases]

    @property
    def display_name(self) -> str:
        return self.curated.short_name.text if self.curated.short_name else self.name
