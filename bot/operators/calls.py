"""Calls waiting for live operators: the phone line puts a caller who consented into a Twilio
queue (one per skill) and the hand-off into the desk's queue like a chat's. When an operator
takes it, the desk asks the `CallBridge` to put the caller through to that operator; the phone
channel implements it (channels/twilio/voice_queue.py), the core only knows this protocol.

A call's hand-off record carries besides a chat's: kind=call, caller (masked), ivr (the keys
pressed), asked (what the caller said), and from Twilio's callbacks queue_sid, queue_result,
queue_time (seconds), callback (a callback task that replaced waiting on the line).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.operators.accounts import Account

CALL = "call"
CALL_FIELDS = ("caller", "ivr", "asked")  # shown on the console's incoming-call card
# Twilio's QueueResult values that mean the caller is no longer waiting and nobody took over.
GONE_RESULTS = frozenset({"hangup", "error", "system-error", "queue-full"})


def call_sid_of(conversation: str) -> str:
    """ "voice:CA…" → "CA…" """
    return conversation.partition(":")[2]


class CallBridge(Protocol):
    async def connect(self, conversation: str, record: dict[str, str], account: Account) -> bool:
        """Put the waiting caller through to the operator; False when that cannot be done."""
        ...


class NoBridge:
    """No phone line is configured: a call cannot be put through."""

    async def connect(self, conversation: str, record: dict[str, str], account: Account) -> bool:
        return False
