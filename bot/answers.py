"""Grounded answers: each topic composed from passport fields through the catalog, each answer
carrying the fields it used. Nothing is said that the passport does not say, and a field the
source showed only in part (state `partial`) is said to be shown in part, never as the whole
list: no "only these", no "not" drawn from what is missing."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.catalog import bullets, has, inline, t
from bot.flows.compiler import topics
from bot.messages import SourceRef
from knowledge.forms import option_sets
from knowledge.model import FieldState, Passport, PassportField, Step


@dataclass
class Answer:
    lines: list[str] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    known: bool = False  # at least one fact came from the passport
    partial: bool = False  # some of it came from a field the source showed only in part

    def add(self, text: str, *fields: PassportField, passport: Passport) -> None:
        self.lines.append(text)
        for f in fields:
            ref = SourceRef(passport=passport.id, field=f.number, title=f.title)
            if ref not in self.sources:
                self.sources.append(ref)
            self.partial |= f.state is FieldState.PARTIAL
        self.known = True

    def add_curated(self, text: str, url: str, passport: Passport) -> None:
        self.lines.append(text)
        ref = SourceRef(passport=passport.id, field="curated", title="", url=url)
        if ref not in self.sources:
            self.sources.append(ref)
        self.known = True

    @property
    def text(self) -> str:
        return "\n\n".join(self.lines)


def _known(passport: Passport, key: str) -> PassportField | None:
    """The field when the source shows all of it: for answers that state a single fact or
    draw a conclusion from what a list lacks."""
    f = passport.field(key)
    return f if f is not None and f.is_known else None


def _shown(passport: Passport, key: str) -> PassportField | None:
    """The field when the source shows all or part of it: for answers that list what it shows
    (through `_listed`, which says when that is only a part)."""
    f = passport.field(key)
    return f if f is not None and f.is_shown else None


def _listed(f: PassportField, text_key: str, items: str) -> str:
    """`text_key` with the field's items, or, for a field shown in part, the text that says
    the passport shows only part of the list."""
    if f.state is not FieldState.PARTIAL:
        return t(text_key, items=items)
    if has(f"partial.{f.key}"):
        return t(f"partial.{f.key}", items=items)
    return t("partial.other", title=f.title, items=items)


def _labels(f: PassportField, option_set: str | None = None) -> list[str]:
    """Canonical labels for CHOICE fields (so wording variants read the same), else values."""
    if option_set and f.options:
        labels = option_sets()[option_set]
        return [labels.label(o) for o in f.options]
    return [str(v) for v in f.value] if isinstance(f.value, list) else [str(f.value)]


def compose(passport: Passport, topic_id: str) -> Answer:
    """The answer to `topic_id` for this passport; `known` is False when it had to say unknown."""
    answer = Answer()
    _COMPOSERS[topic_id](passport, answer)
    if answer.known and answer.partial:
        answer.lines.append(t("partial.rest"))
    if not answer.known:
        answer.lines = [_unknown_text(passport, topic_id), t("unknown.offer")]
        answer.sources = [
            SourceRef(passport=passport.id, field=f.number, title=f.title)
            for key in topics()[topic_id].fields
            if (f := passport.field(key)) is not None
        ]
    return answer


def _unknown_text(passport: Passport, topic_id: str) -> str:
    states = {f.state for k in topics()[topic_id].fields if (f := passport.field(k)) is not None}
    if FieldState.UNKNOWN in states:
        key = "unknown.selection_lost"
    elif FieldState.PARTIAL in states:
        key = "unknown.partial"
    else:
        key = "unknown.not_published"
    return t(key, topic=t(f"topic.{topic_id}"))


def _info(p: Passport, a: Answer) -> None:
    name = p.field("name")
    if name is not None and name.is_known:
        a.add(t("answer.info_name", name=name.value), name, passport=p)
    for key, text_key in (("content", "answer.info_content"), ("result", "answer.info_result")):
        if f := _known(p, key):
            a.add(t(text_key, **{key: f.value}), f, passport=p)
        elif f := _shown(p, key):
            a.add(t("partial.other", title=f.title, items=f.value), f, passport=p)


def _documents(p: Passport, a: Answer) -> None:
    if f := _shown(p, "documents"):
        a.add(_listed(f, "answer.documents", bullets(_labels(f))), f, passport=p)
        if form := _shown(p, "document_form"):
            a.add(_listed(form, "answer.document_form", inline(_labels(form, "document_form"))),
                  form, passport=p)  # fmt: skip


def _eligibility(p: Passport, a: Answer) -> None:
    users = p.field("users")
    if users is not None and users.is_shown:
        a.add(_listed(users, "answer.users", bullets(_labels(users, "user"))), users, passport=p)
    elif rules := [r for r in p.curated.eligibility if r.effect != "priority"]:
        # The passport does not say who may apply; the curated rules do, with their source.
        if users is not None and users.state is FieldState.UNKNOWN:
            a.add(t("answer.users_selection_lost"), users, passport=p)
        items = bullets(dict.fromkeys(r.explanation for r in rules))
        url = rules[0].source.split(" ; ")[0].strip()
        a.add_curated(t("answer.eligibility_rules", items=items), url, passport=p)
    if p.curated.eligibility or a.known:
        a.lines.append(t("answer.eligibility_offer"))


def _fee(p: Passport, a: Answer) -> None:
    f = _known(p, "fee")
    if f is not None and f.options in (["free"], ["paid"]):
        a.add(t(f"answer.fee_{f.options[0]}"), f, passport=p)


def _duration(p: Passport, a: Answer) -> None:
    for key, text_key in (
        ("total_duration", "answer.duration_total"),
        ("front_office_duration", "answer.duration_front"),
        ("back_office_duration", "answer.duration_back"),
    ):
        f = _known(p, key)
        if f is not None and f.unit and isinstance(f.value, int):
            a.add(t(text_key, value=f.value, unit=f.unit), f, passport=p)
    total, unit = p.field("total_duration"), _shown(p, "total_duration_unit")
    if total is not None and total.is_known and not total.unit:
        a.add(t("answer.duration_unit_lost", value=total.value), total, passport=p)
    elif unit is not None and (total is None or not total.is_known) and len(unit.options) == 1:
        partial = unit.state is FieldState.PARTIAL
        text_key = "partial.total_duration_unit" if partial else "answer.duration_unit_only"
        a.add(t(text_key, unit=_labels(unit, "time_unit")[0]), unit, passport=p)
    if f := _known(p, "operator_minutes"):
        a.add(t("answer.duration_operator", value=f.value), f, passport=p)


def _location(p: Passport, a: Answer) -> None:
    if f := _shown(p, "place"):
        a.add(_listed(f, "answer.place", inline(_labels(f, "unit"))), f, passport=p)
    if f := _shown(p, "performing_unit"):
        a.add(_listed(f, "answer.performing_unit", inline(_labels(f, "unit"))), f, passport=p)
    if f := _shown(p, "performing_body"):
        a.add(_listed(f, "answer.performing_body", bullets(_labels(f))), f, passport=p)


def _steps_text(steps: list[Step]) -> str:
    """Steps renumbered 1, 2, 3… in published order (the source repeats numbers); headings
    stay unnumbered."""
    lines, n = [], 0
    for step in steps:
        if step.number is None:
            lines.append(step.text)
        else:
            n += 1
            lines.append(f"{n}. {step.text}")
    return "\n".join(lines)


def _procedure(p: Passport, a: Answer) -> None:
    if (f := _shown(p, "steps")) and isinstance(f.value, list):
        a.add(_listed(f, "answer.steps", _steps_text(f.value)), f, passport=p)
    if f := _shown(p, "application_forms"):
        a.add(_listed(f, "answer.application_forms", inline(_labels(f, "contact_form"))), f,
              passport=p)  # fmt: skip
    if f := _shown(p, "delivery_forms"):
        a.add(_listed(f, "answer.delivery_forms", inline(_labels(f, "delivery_form"))), f,
              passport=p)  # fmt: skip


def _online(p: Passport, a: Answer) -> None:
    """Yes when the passport lists an electronic form; no only when it lists them all."""
    if f := _shown(p, "application_forms"):
        if "self_service" in f.options:
            a.add(t("answer.online_yes"), f, passport=p)
        elif f.is_known:
            a.add(t("answer.online_no", items=inline(_labels(f, "contact_form"))), f, passport=p)
        else:
            a.add(_listed(f, "answer.application_forms", inline(_labels(f, "contact_form"))),
                  f, passport=p)  # fmt: skip
    if f := _shown(p, "delivery_forms"):
        if "electronic" in f.options:
            a.add(t("answer.online_delivery_yes"), f, passport=p)
        elif f.is_known:
            a.add(t("answer.online_delivery_no"), f, passport=p)
        else:
            a.add(_listed(f, "answer.delivery_forms", inline(_labels(f, "delivery_form"))),
                  f, passport=p)  # fmt: skip
    if f := _known(p, "e_level"):
        a.add(t("answer.e_level", items=inline(_labels(f, "e_level"))), f, passport=p)


def _refusal(p: Passport, a: Answer) -> None:
    if f := _shown(p, "refusal_reasons"):
        a.add(_listed(f, "answer.refusal", bullets(_labels(f))), f, passport=p)


def _legal_basis(p: Passport, a: Answer) -> None:
    if f := _shown(p, "legal_basis"):
        a.add(_listed(f, "answer.legal_basis", bullets(_labels(f))), f, passport=p)


def _commission(p: Passport, a: Answer) -> None:
    f = _shown(p, "steps")
    if f is not None and "komissiya" in str(f.value):
        a.add(t("answer.commission"), f, passport=p)
    elif f is None or f.is_known:
        a.lines.append(t("answer.commission_none"))
        a.known = True  # a definite, honest answer: nothing to escalate
    # Steps shown in part without a commission: the rest may have one; said as unknown.


_COMPOSERS = {
    "info": _info,
    "documents": _documents,
    "eligibility": _eligibility,
    "fee": _fee,
    "duration": _duration,
    "location": _location,
    "procedure": _procedure,
    "online": _online,
    "refusal": _refusal,
    "legal_basis": _legal_basis,
    "commission": _commission,
}


def source_footer(sources: list[SourceRef]) -> str:
    lines = []
    for ref in sources:
        if ref.field == "curated" and ref.url:
            lines.append(t("answer.source_curated", url=ref.url))
        else:
            lines.append(t("answer.source", passport=ref.passport, field=ref.field,
                           title=ref.title))  # fmt: skip
    return "\n".join(lines)
