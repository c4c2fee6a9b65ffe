"""The arq job that sends one notification through Delivery (`bot.delivery`), phase by phase.

A phase job:
- does nothing for a notification already read or expired;
- `valid_until` past and not delivered anywhere yet: `expired`, never sent;
- a reminder whose commission was moved since: expired (superseded);
- inside the quiet hours: queues the next phase for the window's end (in the release line) and
  stops;
- otherwise delivers: the citizen's channels in the notification's order, one claim per channel,
  transient errors retried on the same channel with backoff (arq `Retry`), an ambiguous channel
  (a send whose worker died, a sender that raised) never used again but the next one tried;
- a mandatory notice delivered where "Aldım" can be answered waits for it: a check phase is
  queued for the read deadline. If it finds no "Aldım", that channel counts as unread and the
  next channel is tried (when there is one and the notice is still valid).
After each phase, new history entries go to the integrator's status callbacks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from arq import Retry

from bot.clock import Clock, as_baku
from bot.delivery import LEASE_SECONDS, Deliveries, delivery_status
from bot.logs import get_logger
from bot.notices.callbacks import report
from bot.notices.policy import ACK_CHANNELS, NoticeConfig
from bot.notices.records import Notification, Notifications, subjects
from bot.notices.schedule import JOB, release_time, schedule

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from arq.connections import ArqRedis

log = get_logger("dost.notices")
__all__ = ["JOB", "NoticeJobs", "send_notice"]


class NoticeJobs:
    def __init__(
        self,
        redis: aioredis.Redis,
        arq: ArqRedis,
        deliveries: Deliveries,
        test_deliveries: Deliveries,
        config: NoticeConfig,
        clock: Clock,
    ) -> None:
        self.redis = redis
        self.arq = arq
        self.deliveries = deliveries
        self.test_deliveries = test_deliveries
        self.config = config
        self.clock = clock
        self.records = Notifications(redis, clock)

    async def run(self, notice_id: str, phase: int = 0, check: str | None = None,
                  job_try: int = 1) -> str:  # fmt: skip
        notification = await self.records.get(notice_id)
        if notification is None:
            log.warning("notice job without its notification", notice=notice_id)
            return "missing"
        try:
            return await self._run(notification, check, job_try)
        finally:
            await report(self.records, self.arq, notification)

    async def _run(self, n: Notification, check: str | None, job_try: int) -> str:
        state = await self.records.state(n.id)
        if state.get("status") in ("read", "expired"):
            return state["status"]
        deliveries = self.test_deliveries if n.test else self.deliveries
        delivery = await delivery_status(self.redis, n.delivery_key)
        now = self.clock.now()
        if check is not None:
            if delivery is None or delivery.status != "delivered" or delivery.channel != check:
                pass  # reopened by an earlier try of this job: go on sending
            elif not await self._may_go_on(n, deliveries):
                return "delivered"  # delivered, not acknowledged, nowhere else to go
            else:
                hours = self.config.read_deadline / timedelta(hours=1)
                reason = f"not acknowledged within {hours:g} h"
                if await deliveries.reopen(n.delivery_key, check, reason):
                    await self.records.forget_awaiting(n.id, check, delivery.address or "")
                    log.info("notice unread: next channel", notice=n.id, channel=check)
        elif delivery is not None and delivery.status in ("delivered", "ambiguous"):
            return delivery.status
        if (delivery is None or delivery.status != "delivered") and self._expired(n, now):
            return await self._expire(n, "valid_until passed")
        if await self._superseded(n):
            return await self._expire(n, "superseded by a later commission date")
        quiet = self.config.quiet_hours
        if quiet is not None and quiet.contains(now):
            at = await release_time(self.redis, quiet.end_after(now), priority=n.priority,
                                    rate=self.config.release_rate)  # fmt: skip
            await schedule(self.arq, self.clock, n.id, await self.records.next_phase(n.id),
                           at=at)  # fmt: skip
            log.info("notice held for the quiet hours", notice=n.id, until=at.isoformat())
            return "deferred"
        result = await deliveries.run(
            n.delivery_key,
            n.message,
            person=n.person,
            addresses=n.addresses,
            preference=n.channels,
            job_try=job_try,
            variants=n.variants,
            ambiguous_next=True,
        )
        if result == "busy":  # another worker is sending: look again when its lease ends
            raise Retry(defer=timedelta(seconds=LEASE_SECONDS))
        if result == "delivered":
            await self._await_read(n)
        return result

    def _expired(self, n: Notification, now: datetime) -> bool:
        return n.valid_until is not None and as_baku(n.valid_until) <= now

    async def _expire(self, n: Notification, reason: str) -> str:
        at = self.clock.now().isoformat()
        await self.records.set_state(n.id, status="expired")
        await self.records.add_history(n.id, {"event": "expired", "at": at, "reason": reason})
        log.info("notice expired", notice=n.id, reason=reason)
        return "expired"

    async def _superseded(self, n: Notification) -> bool:
        """A reminder whose commission has another date now."""
        if n.kind != "reminder" or n.test or n.parent is None:
            return False
        citizen = n.event["citizen"]
        facts = await self.records.facts(subjects(n.person, citizen.get("fin"),
                                                  citizen.get("phone")))  # fmt: skip
        current = facts.get("commission")
        return current is not None and current["notice"] != n.parent

    async def _may_go_on(self, n: Notification, deliveries: Deliveries) -> bool:
        if self._expired(n, self.clock.now()):
            return False
        pending = await deliveries.pending_routes(n.delivery_key, n.person, n.addresses,
                                                  n.channels)  # fmt: skip
        return bool(pending)

    async def _await_read(self, n: Notification) -> None:
        """A mandatory notice waits for "Aldım" until the read deadline; a call, whatever the
        notice, counts only once heard (key 1 or played to the end)."""
        delivery = await delivery_status(self.redis, n.delivery_key)
        if delivery is None or delivery.channel not in ACK_CHANNELS:
            return
        if not n.mandatory and delivery.channel != "voice":
            return
        await self.records.await_read(n.id, delivery.channel, delivery.address or "")
        if not n.mandatory:
            return
        deadline = self.clock.now() + self.config.read_deadline
        await schedule(self.arq, self.clock, n.id, await self.records.next_phase(n.id),
                       at=deadline, check=delivery.channel)  # fmt: skip


async def send_notice(ctx: dict, notice_id: str, phase: int = 0, check: str | None = None) -> str:
    """The arq job (see `bot.notices.schedule`)."""
    jobs: NoticeJobs = ctx["notices"]
    return await jobs.run(notice_id, phase, check, job_try=ctx.get("job_try", 1))
