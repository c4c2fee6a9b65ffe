"""Grounded answers: each topic composed from passport fields through the catalog, each answer
carrying the fields it used and naming its service. Nothing is said that the passport does not
say, and a field the source showed only in part (state `partial`) is said to be shown in part,
never as the whole list: no "only these", no "not" drawn from what is missing.

A yes/no question ("is it free?", "can I apply online?", "can someone apply for me?") is
answered yes or no only from the field that decides it (the topic's `decides` in
bot/flows/topics.yaml), and only when that field is known; otherwise the answer says what is
known and that the deciding field is not stated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.catalog import bullets, facts_note, has, in_sentence, inline, t
from bot.eligibility import has_rules
from bot.flows.compiler import topics
from bot.messages import SourceRef
from bot.sources import field_ref
from knowledge.forms import option_sets
from knowledge.model import FieldState, Passport, PassportField, Step
from nlu.normalize import az_lower


@dataclass
class Answer:
    lines: list[str] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    known: bool = False  # at least one fact came from the passport
    partial: bool = False  # some of it came from a field the source showed only in part
    uncertain: bool = False  # it says that a field it needed is unknown or not published
    decided_by: list[PassportField] = field(default_factory=list)  # fields a yes/no came from

    def add(self, text: str, *fields: PassportField, passport: Passport) -> None:
        self.lines.append(text)
        self._cite(fields, passport)
        self.known = True

    def verdict(self, text: str, deciding: PassportField, passport: Passport) -> None:
        """A yes/no (or "not among the forms") drawn from the one field that decides it."""
        assert deciding.is_known, f"{deciding.key} decides nothing unless it is known"
        self.add(text, deciding, passport=passport)
        self.decided_by.append(deciding)

    def note(self, text: str, *fields: PassportField, passport: Passport) -> None:
        """What the passport does not state: a field unknown or not published."""
        self.lines.append(text)
        self._cite(fields, passport)
        self.uncertain = True

    def add_curated(self, text: str, url: str, passport: Passport) -> None:
        self.lines.append(text)
        ref = SourceRef(passport=passport.id, field="curated", title="", url=url,
                        service=passport.display_name)  # fmt: skip
        if ref not in self.sources:
            self.sources.append(ref)
        self.known = True

    def _cite(self, fields: tuple[PassportField, ...], passport: Passport) -> None:
        for f in fields:
            ref = field_ref(passport, f)
            if ref not in self.sources:
                self.sources.append(ref)
            self.partial |= f.state is FieldState.PARTIAL

    @property
    def text(self) -> str:
        return "\n\n".join(self.lines)


def field_phrase(f: PassportField) -> str:
    """The field said inside a sentence ("xidmət haqqı"), not its «form title»."""
    key = f"phrase.field.{f.key}"
    return t(key) if has(key) else az_lower(f.title)


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
    return t("partial.other", title=field_phrase(f), items=items)


def _labels(f: PassportField, option_set: str | None = None) -> list[str]:
    """Canonical labels for CHOICE fields (so wording variants read the same), else values."""
    if option_set and f.options:
        labels = option_sets()[option_set]
        return [labels.label(o) for o in f.options]
    return [str(v) for v in f.value] if isinstance(f.value, list) else [str(f.value)]


def _label(option_set: str, option: str) -> str:
    """An option's label as quoted inside a sentence: a common noun in lower case."""
    return in_sentence(option_sets()[option_set].label(option))


def _inline(f: PassportField, option_set: str | None) -> str:
    """The field's options (or values) as an inline list: the canonical labels of an option
    set start in lower case inside the sentence; free text keeps the passport's casing."""
    labels = _labels(f, option_set)
    return inline([in_sentence(x) for x in labels] if option_set and f.options else labels)


def _not_stated(f: PassportField, a: Answer, p: Passport) -> None:
    """Says that a field the answer needed is unknown (ticks lost) or not published."""
    key = "answer.field_unknown" if f.state is FieldState.UNKNOWN else "answer.field_not_published"
    a.note(t(key, title=field_phrase(f)), f, passport=p)


def compose(passport: Passport, topic_id: str) -> Answer:
    """The answer to `topic_id` for this passport, its service named first; `known` is False
    when it could only say what is not stated."""
    answer = Answer()
    _COMPOSERS[topic_id](passport, answer)
    if not answer.known and not answer.lines:
        answer.lines = [_unknown_text(passport, topic_id)]
        answer.uncertain = True
        answer.sources = [
            field_ref(passport, f)
            for key in topics()[topic_id].fields
            if (f := passport.field(key)) is not None
        ]
    if answer.uncertain:
        answer.lines.append(t("unknown.offer"))
    elif answer.partial:
        answer.lines.append(t("partial.rest"))
    if note := facts_note():  # framed in another language: the passport's words stay as they are
        answer.lines.append(note)
    if topic_id != "info" or not answer.known:  # information starts with the full name
        answer.lines.insert(0, t("answer.heading", service=passport.display_name))
    return answer


def _unknown_text(passport: Passport, topic_id: str) -> str:
    states = {f.state for k in topics()[topic_id].fields if (f := passport.field(k)) is not None}
    if FieldState.UNKNOWN in states:
        key = "unknown.selection_lost"
    elif FieldState.PARTIAL in states:
        key = "unknown.partial"
    else:
        key = "unknown.not_published"
    return t(key, topic=t(f"phrase.topic.{topic_id}"))


def _info(p: Passport, a: Answer) -> None:
    name = p.field("name")
    if name is not None and name.is_known:
        a.add(t("answer.info_name", name=name.value), name, passport=p)
    for key, text_key in (("content", "answer.info_content"), ("result", "answer.info_result")):
        if f := _known(p, key):
            a.add(t(text_key, **{key: f.value}), f, passport=p)
        elif f := _shown(p, key):
            a.add(t("partial.other", title=field_phrase(f), items=f.value), f, passport=p)


def _result(p: Passport, a: Answer) -> None:
    """The passport's result field; where it has none, that, and what it says the service is."""
    if f := _known(p, "result"):
        a.add(t("answer.result", result=f.value), f, passport=p)
        return
    if f := _shown(p, "result"):
        a.add(t("partial.other", title=field_phrase(f), items=f.value), f, passport=p)
        return
    if (f := p.field("result")) is not None:
        _not_stated(f, a, p)
    else:
        a.note(t("answer.result_none"), passport=p)
    if content := _known(p, "content"):
        a.add(t("answer.result_content", content=content.value), content, passport=p)
    elif (name := _known(p, "name")) and name.value != p.display_name:
        a.add(t("answer.result_name", name=name.value), name, passport=p)


def _documents(p: Passport, a: Answer) -> None:
    if f := _shown(p, "documents"):
        a.add(_listed(f, "answer.documents", bullets(_labels(f))), f, passport=p)
        if form := _shown(p, "document_form"):
            a.add(_listed(form, "answer.document_form", _inline(form, "document_form")),
                  form, passport=p)  # fmt: skip


def _eligibility(p: Passport, a: Answer) -> None:
    if (group := p.curated.target_group) and (name := p.field("name")) is not None:
        a.add(t("answer.target_group", group=group.text), name, passport=p)
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
    elif a.known:  # the name says who it is for; the list of users is not published
        a.note(t("answer.users_not_published"), *([users] if users else []), passport=p)
    if has_rules(p):
        a.lines.append(t("answer.eligibility_offer"))


def _representative(p: Passport, a: Answer) -> None:
    """Who may apply for someone else: the forms of application (old layout) or of delivery
    (new layout) decide it; a legal representative only is not any representative."""
    if (f := p.field("application_forms")) is not None:
        if f.is_known:
            if "representative" in f.options:
                form = _label("contact_form", "representative")
                a.verdict(t("answer.representative_yes", form=form), f, passport=p)
            elif "legal_representative" in f.options:
                form = _label("contact_form", "legal_representative")
                a.verdict(t("answer.representative_legal", form=form), f, passport=p)
            else:
                items = _inline(f, "contact_form")
                a.verdict(t("answer.representative_not_listed", items=items), f, passport=p)
        elif f.is_shown:
            a.add(_listed(f, "answer.application_forms", _inline(f, "contact_form")), f,
                  passport=p)  # fmt: skip
        else:
            _not_stated(f, a, p)
        r = _shown(p, "response_forms")
        for option in ("representative", "legal_representative"):
            if r is not None and option in r.options:
                form = _label("contact_form", option)
                a.add(t("answer.also_response", form=form), r, passport=p)
    if (f := p.field("delivery_forms")) is not None:
        option = "in_person_or_representative"
        _decide(p, a, f, option, "answer.representative_delivery_yes",
                "answer.representative_delivery_no", "delivery_form")  # fmt: skip


def _decide(p: Passport, a: Answer, f: PassportField, option: str, yes_key: str, no_key: str,
            option_set: str) -> None:  # fmt: skip
    """Yes when the known field lists `option`, "not among the forms" when it does not; a
    field shown in part is listed as such, an unknown or unpublished one said to be."""
    if f.is_known:
        if option in f.options:
            a.verdict(t(yes_key, form=_label(option_set, option)), f, passport=p)
        else:
            a.verdict(t(no_key, items=_inline(f, option_set)), f, passport=p)
    elif f.is_shown:
        a.add(_listed(f, f"answer.{f.key}", _inline(f, option_set)), f, passport=p)
    else:
        _not_stated(f, a, p)


def _fee(p: Passport, a: Answer) -> None:
    f = _known(p, "fee")
    if f is not None and f.options in (["free"], ["paid"]):
        a.verdict(t(f"answer.fee_{f.options[0]}"), f, passport=p)


def _amount(p: Passport, a: Answer) -> None:
    """No layout has a field for an amount of money (a stipend, a benefit, a fee)."""
    a.note(t("answer.amount_none"), passport=p)


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
        a.add(_listed(f, "answer.place", _inline(f, "unit")), f, passport=p)
    if f := _shown(p, "performing_unit"):
        a.add(_listed(f, "answer.performing_unit", _inline(f, "unit")), f, passport=p)
    if f := _shown(p, "performing_body"):
        a.add(_listed(f, "answer.performing_body", bullets(_labels(f))), f, passport=p)


def _bulleted(f: PassportField, option_set: str | None) -> str:
    return bullets(_labels(f, option_set))


Join = Callable[[PassportField, str | None], str]


def _each_field(p: Passport, a: Answer, fields: tuple[tuple[str, str | None, Join], ...]) -> None:
    """Each (key, option set, join) field the layout has: what it shows, or that it does not."""
    for key, option_set, join in fields:
        if (f := p.field(key)) is None:
            continue
        if f.is_shown:
            a.add(_listed(f, f"answer.{key}", join(f, option_set)), f, passport=p)
        else:
            _not_stated(f, a, p)


def _performer(p: Passport, a: Answer) -> None:
    """Each field about who performs the service: what it shows, or that it does not."""
    _each_field(p, a, (
        ("performing_body", None, _bulleted),
        ("participating_body", None, _bulleted),
        ("performing_unit", "unit", _inline),
        ("back_office", None, _inline),
    ))  # fmt: skip
    if (f := p.field("responsible")) is not None:
        if f.is_known:
            a.add(t("answer.responsible", value=f.value), f, passport=p)
        elif f.is_shown:
            a.add(t("partial.other", title=field_phrase(f), items=f.value), f, passport=p)
        else:
            _not_stated(f, a, p)


def _steps_text(p: Passport, steps: list[Step]) -> str:
    """The steps numbered 1, 2, 3…: the curated plain steps when there are (second person, the
    source's typos and headings left out, checked by `dost knowledge check` to restate every
    published step), else the published ones in order (the source repeats numbers), headings
    unnumbered."""
    if plain := p.curated.steps_plain:
        return "\n".join(f"{n}. {step.text}" for n, step in enumerate(plain, start=1))
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
        a.add(_listed(f, "answer.steps", _steps_text(p, f.value)), f, passport=p)
    if f := _shown(p, "application_forms"):
        a.add(_listed(f, "answer.application_forms", _inline(f, "contact_form")), f,
              passport=p)  # fmt: skip
    if f := _shown(p, "delivery_forms"):
        a.add(_listed(f, "answer.delivery_forms", _inline(f, "delivery_form")), f,
              passport=p)  # fmt: skip


def _post(p: Passport, a: Answer) -> None:
    """By post: the forms of application (old layout) or of delivery (new layout) decide it;
    where the answer or the notice may come by post, that is said too."""
    if (f := p.field("application_forms")) is not None:
        _decide(p, a, f, "post", "answer.post_yes", "answer.post_not_listed", "contact_form")
    if (f := p.field("delivery_forms")) is not None:
        _decide(p, a, f, "post", "answer.post_delivery_yes", "answer.post_delivery_no",
                "delivery_form")  # fmt: skip
    for key, option_set, text_key in (
        ("response_forms", "contact_form", "answer.also_response"),
        ("notification_form", "delivery_form", "answer.also_notification"),
    ):
        if (f := _shown(p, key)) is not None and "post" in f.options:
            a.add(t(text_key, form=_label(option_set, "post")), f, passport=p)


def _online(p: Passport, a: Answer) -> None:
    """Can one apply online: the forms of application or of delivery decide it. How far the
    whole service is electronic is said beside it, as the passport states it or does not."""
    if (f := p.field("application_forms")) is not None:
        _decide(p, a, f, "self_service", "answer.online_yes", "answer.online_no", "contact_form")
    if (f := p.field("delivery_forms")) is not None:
        _decide(p, a, f, "electronic", "answer.online_delivery_yes", "answer.online_delivery_no",
                "delivery_form")  # fmt: skip
    _e_level(p, a)


def _e_level(p: Passport, a: Answer) -> None:
    """How far the service is electronic, as shown, or that it is not stated."""
    if (f := p.field("e_level")) is None:
        return
    if f.is_shown:
        a.add(_listed(f, "answer.e_level", _inline(f, "e_level")), f, passport=p)
    else:
        key = "unknown" if f.state is FieldState.UNKNOWN else "not_published"
        a.note(t(f"answer.e_level_{key}"), f, passport=p)


def _online_whole(p: Passport, a: Answer) -> None:
    """All of it online, never going in: the electronic level decides it (old layout), or the
    forms of delivery (new layout). Where the level is not known, the forms of application
    are said as they are, never as a yes."""
    if (f := p.field("e_level")) is not None:
        if f.is_known and len(f.options) == 1:
            level = in_sentence(_labels(f, "e_level")[0])
            key = {"full": "whole_full", "partial": "whole_partial"}.get(f.options[0], "whole_none")
            a.verdict(t(f"answer.{key}", level=level), f, passport=p)
            return
        _e_level(p, a)
        a.note(t("answer.whole_cannot_say"), passport=p)
        if forms := _shown(p, "application_forms"):
            items = _inline(forms, "contact_form")
            a.add(_listed(forms, "answer.application_forms", items), forms, passport=p)
    if (f := p.field("delivery_forms")) is not None:
        _decide(p, a, f, "electronic", "answer.online_delivery_yes", "answer.online_delivery_no",
                "delivery_form")  # fmt: skip


def _notification(p: Passport, a: Answer) -> None:
    """How the result is made known: the notification form (new layout) or the forms of
    response (old layout), each as shown or said not to be."""
    _each_field(p, a, (("notification_form", "delivery_form", _inline),
                       ("response_forms", "contact_form", _inline)))  # fmt: skip


def _refusal(p: Passport, a: Answer) -> None:
    if f := _shown(p, "refusal_reasons"):
        a.add(_listed(f, "answer.refusal", bullets(_labels(f))), f, passport=p)


def _legal_basis(p: Passport, a: Answer) -> None:
    if f := _shown(p, "legal_basis"):
        a.add(_listed(f, "answer.legal_basis", bullets(_labels(f))), f, passport=p)


def _commission(p: Passport, a: Answer) -> None:
    """The steps that mention the commission: in plain words where curated, else as published."""
    f = _shown(p, "steps")
    told = p.curated.steps_plain or (f.value if f and isinstance(f.value, list) else [])
    steps = [s.text for s in told if "komissiya" in s.text] if f else []
    if f is not None and steps:
        a.add(_listed(f, "answer.commission", bullets(steps)), f, passport=p)
    elif f is None or f.is_known:
        a.lines.append(t("answer.commission_none"))
        a.known = True  # a definite, honest answer: nothing to escalate
    # Steps shown in part without a commission: the rest may have one; said as unknown.


_COMPOSERS = {
    "info": _info,
    "result": _result,
    "documents": _documents,
    "eligibility": _eligibility,
    "representative": _representative,
    "fee": _fee,
    "amount": _amount,
    "duration": _duration,
    "location": _location,
    "performer": _performer,
    "procedure": _procedure,
    "post": _post,
    "online": _online,
    "online_whole": _online_whole,
    "notification": _notification,
    "refusal": _refusal,
    "legal_basis": _legal_basis,
    "commission": _commission,
}
