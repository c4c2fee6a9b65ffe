"""Who is writing: the proven phone of a conversation, and how to ask for one.

A conversation knows a phone number only when the channel proved it (`Inbound.contact`) or the
person typed back the one-time code sent to it by SMS (web chat, terminal). A typed number only
ever starts that verification. Each channel proves in its own way:

- sms, whatsapp, voice: the carrier's number of the sender (unless withheld);
- telegram: the person shares their own contact (a button), or types the number as below;
- web, terminal, a withheld caller number: a one-time code by SMS to the number typed.

Only a channel with a "share my contact" button is ever offered one (`number_request`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import phonenumbers

from bot.catalog import t
from bot.messages import Contact
from bot.people import People, Person, Proof, conversation_address
from bot.verification import Checked, CheckResult, PhoneVerification, Started

if TYPE_CHECKING:
    from bot.state import ConversationState

CONTACT_CHANNELS = frozenset({"telegram"})  # have a button to share one's own contact


def parse_phone(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "AZ")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def offers_contact(channel: str | None) -> bool:
    """Whether the channel can share the person's own contact (Telegram's button)."""
    return channel in CONTACT_CHANNELS


@dataclass(frozen=True, slots=True)
class NumberRequest:
    """How to ask for a phone number on a channel: the words, and the channel's means."""

    text: str
    request_contact: bool  # show the channel's "share my contact" button
    expects: Literal["phone"] = "phone"  # a typed number is always accepted (then an SMS code)


def number_request(channel: str | None, purpose: str) -> NumberRequest:
    """The request for a number, in words that fit what the person is doing (booking, or
    finding their booking) and offering only what the channel can do."""
    why = t(f"verify.why.{purpose}")
    if offers_contact(channel):
        return NumberRequest(t("verify.ask_contact", why=why), request_contact=True)
    return NumberRequest(t("verify.ask_phone", why=why), request_contact=False)


class Identity:
    def __init__(self, people: People, verification: PhoneVerification) -> None:
        self.people = people
        self.verification = verification

    async def accept(self, state: ConversationState, contact: Contact, channel: str,
                     conversation: str) -> Person:  # fmt: skip
        """A channel's proof: the conversation now belongs to the person behind the number."""
        found = conversation_address(conversation)
        address = contact.address or (found[1] if found else conversation)
        person = await self.people.prove(contact.phone, contact.proof, channel, address)
        state.phone, state.person_id = contact.phone, person.id
        return person

    async def send_code(self, conversation: str, phone: str, requester: str | None) -> Started:
        return await self.verification.start(conversation, phone, requester or conversation)

    async def pending_phone(self, conversation: str) -> str | None:
        return await self.verification.pending_phone(conversation)

    async def check_code(self, state: ConversationState, code: str, channel: str,
                         conversation: str) -> CheckResult:  # fmt: skip
        result = await self.verification.check(conversation, code)
        if result.outcome is Checked.PROVEN and result.phone:
            contact = Contact(phone=result.phone, proof=Proof.SMS_CODE)
            await self.accept(state, contact, channel, conversation)
        return result
