"""What an operator sees of a conversation: the whole transcript, what the assistant understood
(intent, service, entities, the answers it gave with their sources), the hand-off, private notes,
and the citizen's proven identity — masked (the operator needs to know it is proven, not the
digits)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.people import People

if TYPE_CHECKING:
    from bot.operators.desk import Desk

ANSWERS_SHOWN = 10
# Intents that answer the assistant rather than ask it: the question understood is the one before.
NOT_A_QUESTION = frozenset({"human_handoff", "affirm", "deny", "thanks", "greet", "goodbye"})
ANSWER_CHARS = 400


def mask_phone(phone: str | None) -> str | None:
    """ "+994501234567" → "+99450*****67": the operator code and the last two digits."""
    if not phone:
        return None
    keep = 6 if phone.startswith("+994") else 4
    return phone[:keep] + "*" * max(0, len(phone) - keep - 2) + phone[-2:]


def mask_fin(fin: str | None) -> str | None:
    return "*****" + fin[-2:] if fin else None


def conversation_label(conversation: str) -> str:
    """The conversation as a console shows it: its channel and a masked address."""
    kind, _, rest = conversation.partition(":")
    if rest.startswith(("+", "whatsapp:+")):
        return f"{kind}:{mask_phone(rest.removeprefix('whatsapp:'))}"
    return f"{kind}:{rest[:6]}…" if len(rest) > 8 else conversation


async def conversation_view(
    desk: Desk, conversation: str, service_names: Mapping[str, str]
) -> dict[str, Any]:
    store = desk.store
    transcript = await store.transcript(conversation)
    state = await store.load(conversation)
    record = await desk.handoff(conversation)
    item = await desk.item(conversation)

    understood: dict[str, Any] = {"intent": None, "service": None, "entities": [], "answers": []}
    for entry in transcript:
        if entry.get("role") != "bot":
            continue
        if entry.get("intent") and entry["intent"] not in NOT_A_QUESTION:
            understood["intent"] = entry["intent"]
        understood["entities"] += entry.get("entities") or []
        if entry.get("sources"):
            understood["answers"].append({
                "text": entry["text"][:ANSWER_CHARS],
                "intent": entry.get("intent"),
                "service": entry.get("service"),
                "sources": entry["sources"],
            })  # fmt: skip
    understood["answers"] = understood["answers"][-ANSWERS_SHOWN:]
    service = state.service or record.get("service") or None
    if service:
        understood["service"] = {"id": service, "name": service_names.get(service, service)}

    identity = None
    person = await People(desk.redis, desk.clock).get(state.person_id) if state.person_id else None
    if state.phone or person is not None:
        identity = {
            "phone": mask_phone(state.phone or (person.phone if person else None)),
            "fin": mask_fin(person.fin if person else None),
            "proof": str(person.phone_proof) if person and person.phone_proof else None,
        }
    return {
        "conversation_id": conversation,
        "label": conversation_label(conversation),
        "handoff": {
            "status": record.get("status"),
            "operator": record.get("operator") or None,
            "skill": record.get("skill"),
            "reason": record.get("reason"),
            "channel": record.get("channel"),
            "waiting_seconds": item.waiting_seconds if item else None,
        },
        "transcript": [
            {k: v for k, v in e.items() if k in ("at", "role", "text", "operator")}
            for e in transcript
        ],
        "understood": understood,
        "identity": identity,
        "notes": await desk.notes(conversation),
    }
