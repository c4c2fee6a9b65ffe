"""`dost report`'s figures and the supervisor's: containment, hand-off rate, time to answer,
queue abandonment, callback completion, the share answered within the target, ratings — over
every conversation since a date, per channel and per service.

Definitions (so a figure can be checked by hand):
- a conversation is an outcome session (bot.outcomes); its outcome is `bot.outcomes.classify`;
- containment = contained / conversations; hand-off rate = handed_off / conversations;
- a hand-off's time to answer = its first operator message − its request; p50 and p90 are
  nearest-rank percentiles over the answered hand-offs;
- answered within target = hand-offs answered within the target / all hand-offs requested;
- queue abandonment = hand-offs the citizen left before any operator took them / all hand-offs;
- callback completion = callbacks answered / callbacks requested;
- ratings: how many, and their mean.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.clock import as_baku
from bot.outcomes import CALL_CENTER_TICKET, OUTCOMES, Outcomes, Session, classify

if TYPE_CHECKING:
    from bot.operators.desk import Desk


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` of them at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _breakdown(sessions: list[Session], outcomes: dict[str, str], key) -> dict[str, dict]:
    groups: dict[str, list[Session]] = defaultdict(list)
    for session in sessions:
        groups[key(session) or "-"].append(session)
    found = {}
    for name, members in sorted(groups.items()):
        counts = {o: sum(outcomes[s.id] == o for s in members) for o in OUTCOMES}
        found[name] = {
            "conversations": len(members),
            **counts,
            "containment": _rate(counts["contained"], len(members)),
            "handoff_rate": _rate(counts["handed_off"], len(members)),
        }
    return found


async def build_report(
    desk: Desk, since: datetime | None = None, *, target_seconds: int = 60
) -> dict[str, Any]:
    from bot.operators.desk import ticket_of

    outcomes_store = Outcomes(desk.redis, desk.clock)
    sessions = await outcomes_store.sessions(since)
    # Hand-offs: finished ones, and those still open, by ticket.
    handoffs: dict[str, dict[str, str]] = {r["ticket"]: r for r in await desk.finished(since)}
    for conversation in await desk.queue.open_conversations():
        record = await desk.handoff(conversation)
        handoffs.setdefault(ticket_of(conversation, record), record)
    low = int(as_baku(since).timestamp() * 1000) if since else 0
    requested = {t: r for t, r in handoffs.items() if int(r.get("requested_at") or 0) >= low}

    outcomes = {
        s.id: classify(s, (o for o in sessions if o.started >= s.started), handoffs)
        for s in sessions
    }
    counts = {o: sum(v == o for v in outcomes.values()) for o in OUTCOMES}
    reasons: dict[str, int] = defaultdict(int)
    for session in sessions:
        if outcomes[session.id] == "handed_off":
            ticket = session.handoffs[0]
            reason = handoffs.get(ticket, {}).get("reason") or ticket.removeprefix(
                CALL_CENTER_TICKET
            )
            reasons[reason] += 1

    answer_times = [
        (int(r["first_reply_at"]) - int(r["requested_at"])) / 1000
        for r in requested.values()
        if r.get("first_reply_at") and r.get("requested_at")
    ]
    left = [r for r in requested.values() if r.get("status") == "abandoned" and not r.get(
        "assigned_at")]  # fmt: skip
    callbacks = [
        c for c in await desk.callbacks.all()
        if since is None or datetime.fromisoformat(c.created_at) >= since.astimezone(UTC)
    ]  # fmt: skip
    ratings = await desk.ratings()
    rated = [score for ticket, score in ratings.items() if ticket in requested]
    total = len(sessions)
    return {
        "since": as_baku(since).isoformat() if since else None,
        "conversations": total,
        "outcomes": counts,
        "handoff_reasons": dict(sorted(reasons.items())),
        "containment": _rate(counts["contained"], total),
        "handoff_rate": _rate(counts["handed_off"], total),
        "handoffs": len(requested),
        "time_to_answer_p50": percentile(answer_times, 0.5),
        "time_to_answer_p90": percentile(answer_times, 0.9),
        "answered_within_target": _rate(
            sum(t <= target_seconds for t in answer_times), len(requested)
        ),
        "target_seconds": target_seconds,
        "queue_abandonment": _rate(len(left), len(requested)),
        "callbacks": len(callbacks),
        "callback_completion": _rate(sum(c.status == "done" for c in callbacks), len(callbacks)),
        "ratings": len(rated),
        "rating_mean": round(sum(rated) / len(rated), 2) if rated else None,
        "by_channel": _breakdown(sessions, outcomes, lambda s: s.channel),
        "by_service": _breakdown(sessions, outcomes, lambda s: s.service),
    }


def render(report: dict[str, Any], names: dict[str, str] | None = None) -> str:
    """The report as lines of text (`dost report`)."""
    names = names or {}

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value * 100:.1f} %"

    def secs(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f} s"

    o = report["outcomes"]
    lines = [
        f"since: {report['since'] or 'the beginning'}",
        f"conversations: {report['conversations']}",
        "outcomes: " + ", ".join(f"{k} {o[k]}" for k in OUTCOMES),
        f"containment: {pct(report['containment'])}",
        f"hand-off rate: {pct(report['handoff_rate'])}"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in report["handoff_reasons"].items()) + ")"
            if report["handoff_reasons"]
            else ""
        ),
        f"hand-offs: {report['handoffs']}",
        f"time to answer: p50 {secs(report['time_to_answer_p50'])}, "
        f"p90 {secs(report['time_to_answer_p90'])}",
        f"answered within {report['target_seconds']} s: {pct(report['answered_within_target'])}",
        f"queue abandonment: {pct(report['queue_abandonment'])}",
        f"callbacks: {report['callbacks']}, completed {pct(report['callback_completion'])}",
        f"ratings: {report['ratings']}, mean {report['rating_mean'] or '-'}",
    ]
    for title, key in (("per channel", "by_channel"), ("per service", "by_service")):
        lines.append(f"{title}:")
        for name, row in report[key].items():
            label = names.get(name, name)
            lines.append(
                f"  {label}: {row['conversations']} conversations, containment "
                f"{pct(row['containment'])}, hand-off rate {pct(row['handoff_rate'])}"
            )
    return "\n".join(lines)
