"""The eligibility check: yes/no questions from a passport's curated rules, or, without rules,
one question from its users field. The verdict is always "by the published rules you appear
to (not) qualify", with the reason, the source and the next step.

A users field the source showed only in part (state `partial`) asks about the users it shows;
a "no" then gets no verdict, only that the rest of the list is not shown: the person may be
among the users the source did not show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.catalog import bullets, inline, t
from bot.messages import SourceRef
from bot.sources import field_ref
from bot.state import EligibilityProgress
from knowledge.forms import option_sets
from knowledge.model import CuratedItem, EligibilityRule, FieldState, Passport

USERS_RULE = "users"


@dataclass
class Step:
    question: str | None = None  # the next question, or None when there is a verdict
    verdict: str = ""
    sources: list[SourceRef] = field(default_factory=list)


class EligibilityDialogue:
    def __init__(self, passports: Mapping[str, Passport]) -> None:
        self.passports = passports

    def start(self, service_id: str) -> tuple[EligibilityProgress, str | None]:
        progress = EligibilityProgress(service=service_id)
        return progress, self._next_question(progress)

    def answer(self, progress: EligibilityProgress, yes: bool) -> Step:
        rule_id = self._pending(progress)
        if rule_id is not None:
            progress.answers[rule_id] = yes
            progress.step += 1
        failed = self._failed(progress)
        if failed is not None and failed.id == USERS_RULE and self._users_partial(progress):
            return self._undetermined(progress)
        if failed is not None:
            return self._verdict(progress, qualifies=False, reason=failed)
        question = self._next_question(progress)
        if question is not None:
            return Step(question=question)
        return self._verdict(progress, qualifies=True)

    # --- rules -------------------------------------------------------------------------

    def _users_partial(self, progress: EligibilityProgress) -> bool:
        """The check asks from a users field shown only in part."""
        passport = self.passports[progress.service]
        users = passport.field("users")
        return (
            not passport.curated.eligibility
            and users is not None
            and users.state is FieldState.PARTIAL
        )

    def _open_rules(self, progress: EligibilityProgress) -> list[EligibilityRule]:
        """Unanswered rules, less the alternatives of a group already satisfied."""
        rules = rules_for(self.passports[progress.service])
        satisfied = {
            r.group
            for r in rules
            if r.effect == "qualifies" and r.group and progress.answers.get(r.id)
        }
        return [
            r
            for r in rules
            if r.id not in progress.answers and (r.group is None or r.group not in satisfied)
        ]

    def _pending(self, progress: EligibilityProgress) -> str | None:
        open_rules = self._open_rules(progress)
        return open_rules[0].id if open_rules else None

    def _next_question(self, progress: EligibilityProgress) -> str | None:
        open_rules = self._open_rules(progress)
        return open_rules[0].question if open_rules else None

    def _failed(self, progress: EligibilityProgress) -> EligibilityRule | None:
        rules = rules_for(self.passports[progress.service])
        for rule in rules:
            if rule.effect == "disqualifies" and progress.answers.get(rule.id):
                return rule
        groups: dict[str, list[EligibilityRule]] = {}
        for rule in rules:
            if rule.effect == "qualifies" and rule.group:
                groups.setdefault(rule.group, []).append(rule)
        for members in groups.values():
            if all(progress.answers.get(r.id) is False for r in members):
                return members[-1]
        return None

    # --- verdict -------------------------------------------------------------------------

    def _verdict(
        self,
        progress: EligibilityProgress,
        *,
        qualifies: bool,
        reason: EligibilityRule | None = None,
    ) -> Step:
        passport = self.passports[progress.service]
        rules = rules_for(passport)
        lines = []
        if qualifies:
            lines.append(t("eligibility.qualifies"))
            priorities = [r for r in rules if r.effect == "priority" and progress.answers.get(r.id)]
            lines += [t("eligibility.priority", reason=r.explanation) for r in priorities]
        else:
            assert reason is not None
            if reason.group and reason.effect == "qualifies":
                group = [r.explanation for r in rules if r.group == reason.group]
                why = group[0] if len(group) == 1 else bullets(group)
                lines.append(t("eligibility.not_qualifies", reason="\n" + why if len(group) > 1
                                                                 else why))  # fmt: skip
            else:
                lines.append(t("eligibility.not_qualifies", reason=reason.explanation))
        note = passport.curated.eligibility_note
        lines.append(_next_step(note))
        lines.append(t("eligibility.final_note"))
        return Step(verdict="\n\n".join(lines), sources=self._sources(passport, rules, note))

    def _undetermined(self, progress: EligibilityProgress) -> Step:
        """No verdict: the person is none of the users shown, and the rest were not shown."""
        passport = self.passports[progress.service]
        note = passport.curated.eligibility_note
        lines = [
            t("eligibility.undetermined_partial"),
            _next_step(note),
            t("eligibility.final_note"),
        ]
        rules = rules_for(passport)
        return Step(verdict="\n\n".join(lines), sources=self._sources(passport, rules, note))

    @staticmethod
    def _sources(passport: Passport, rules: list[EligibilityRule], note: object) -> list[SourceRef]:
        refs: list[SourceRef] = []
        for rule in rules:
            if rule.source.startswith("field:"):
                ref = field_ref(passport, passport.fields[rule.source.split(":", 1)[1]])
            else:
                ref = SourceRef(passport=passport.id, field="curated", title="",
                                url=rule.source.split(" ; ")[0],
                                service=passport.display_name)  # fmt: skip
            if ref not in refs:
                refs.append(ref)
        return refs


def rules_for(passport: Passport) -> list[EligibilityRule]:
    """The check's questions: the curated rules, else one question from the users field."""
    if passport.curated.eligibility:
        return passport.curated.eligibility
    users = passport.field("users")
    if users is None or not users.is_shown or not users.options:
        return []
    labels = [option_sets()["user"].label(o) for o in users.options]
    partial = users.state is FieldState.PARTIAL
    question = "users_partial_question" if partial else "users_question"
    return [
        EligibilityRule(
            id=USERS_RULE,
            question=t(f"eligibility.{question}", items=inline(labels)),
            effect="qualifies",
            group=USERS_RULE,
            explanation=t("eligibility.users_not", items=inline(labels)),
            source=f"field:{users.number}",
        )
    ]


def has_rules(passport: Passport) -> bool:
    """The check can be offered: it has a question to ask."""
    return bool(rules_for(passport))


def _next_step(note: CuratedItem | None) -> str:
    """The passport's curated next step, or the default one."""
    if note is None:
        return t("eligibility.next_step_default")
    return t("eligibility.next_step", step=note.text)
