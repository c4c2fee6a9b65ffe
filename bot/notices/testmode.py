"""Test mode: the notices of an API key of kind `test` go through the real delivery path —
claims, retries, fallbacks, status, callbacks — to simulated channels, so nothing leaves the
machine and no citizen record is touched. Magic phone numbers and FINs choose the outcome:

| phone           | FIN     | outcome                                                        |
|-----------------|---------|----------------------------------------------------------------|
| +994500000001   | TEST001 | delivered on Telegram                                          |
| +994500000002   | TEST002 | the bot is blocked on Telegram: delivered by SMS instead        |
| +994500000003   | TEST003 | invalid number: failed                                          |
| +994500000004   | TEST004 | a temporary failure, delivered when retried                     |

Any other citizen: delivered on Telegram.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.delivery import Senders, SendResult
from bot.messages import Outbound
from bot.notices.events import Citizen

if TYPE_CHECKING:
    import redis.asyncio as aioredis

MAGIC_PHONES = {
    "+994500000001": "delivered",
    "+994500000002": "blocked",
    "+994500000003": "invalid",
    "+994500000004": "temporary",
}
MAGIC_FINS = {"TEST001": "delivered", "TEST002": "blocked", "TEST003": "invalid",
              "TEST004": "temporary"}  # fmt: skip
# The simulated channels each outcome goes through, in order.
ROUTES = {
    "delivered": ("telegram",),
    "blocked": ("telegram", "sms"),
    "invalid": ("sms",),
    "temporary": ("telegram",),
}
TRIES_KEY = "dost:notice:test:tries:"


def outcome_of(citizen: Citizen) -> str:
    return MAGIC_PHONES.get(citizen.phone or "") or MAGIC_FINS.get(citizen.fin or "") or "delivered"


def test_addresses(citizen: Citizen, notice_id: str) -> list[tuple[str, str]]:
    """The simulated addresses a test notification goes to: "test:<outcome>:<id>"."""
    outcome = outcome_of(citizen)
    return [(channel, f"test:{outcome}:{notice_id}") for channel in ROUTES[outcome]]


class SimulatedSender:
    """A channel that sends nothing: it answers as the address's outcome says."""

    def __init__(self, channel: str, redis: aioredis.Redis) -> None:
        self.channel = channel
        self.redis = redis

    async def send(self, address: str, message: Outbound) -> SendResult:
        _, outcome, notice_id = address.split(":", 2)
        match outcome:
            case "blocked" if self.channel == "telegram":
                return SendResult.permanent("Forbidden: bot was blocked by the user (test mode)",
                                            address_gone=False)  # fmt: skip
            case "invalid":
                return SendResult.permanent("twilio 400 21211: invalid 'To' phone number "
                                            "(test mode)", address_gone=False)  # fmt: skip
            case "temporary":
                tries = await self.redis.incr(TRIES_KEY + address)
                await self.redis.expire(TRIES_KEY + address, 7 * 24 * 3600)
                if tries == 1:
                    return SendResult.transient("Telegram server error 502 (test mode)")
        return SendResult.delivered(f"test-{self.channel}-{notice_id}")


def simulated_senders(redis: aioredis.Redis) -> Senders:
    return Senders([SimulatedSender(channel, redis) for channel in ("telegram", "sms")])
