"""The supervisor's view: the queue now (length, waits), operators online with their load, and
today's hand-off rate, answer times and ratings (bot.report)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.operators.desk import Desk


async def supervisor_figures(desk: Desk) -> dict[str, Any]:
    from bot.report import build_report

    waiting = await desk.waiting()
    online = []
    for name in await desk.queue.online(desk.now_ms()):
        seat = await desk.queue.seat(name)
        online.append({"name": name, "load": int(seat.get("load", "0")),
                       "capacity": int(seat.get("capacity", "0"))})  # fmt: skip
    waits = [item.waiting_seconds for item in waiting]
    midnight = desk.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    today = await build_report(desk, midnight, target_seconds=desk.answer_target_seconds)
    return {
        "queue_length": len(waiting),
        "longest_wait_seconds": max(waits) if waits else None,
        "mean_wait_seconds": round(sum(waits) / len(waits)) if waits else None,
        "operators_online": online,
        "today": {key: today[key] for key in (
            "conversations", "handoffs", "handoff_rate", "containment", "time_to_answer_p50",
            "time_to_answer_p90", "answered_within_target", "queue_abandonment", "ratings",
            "rating_mean",
        )},
    }  # fmt: skip
