"""Status callbacks: every entry of a notification's history (an attempt on a channel, "read",
"expired") is POSTed to the callback URL of the API key that sent the event, as JSON:

    {"id", "type", "status", "sequence", "entry": {"channel", "at", "result", "error"?} |
     {"event": "read" | "expired", "at", ...}}

`sequence` numbers the entries of one notification from 0: receivers may get callbacks out of
order and use it (and `status`, the notification's overall status when the entry was made) to
keep the latest. Headers: `Idempotency-Key: <id>:<sequence>` and
`X-Dost-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the key's callback
secret>`. A callback that is not answered with 2xx is retried with backoff (15 s doubling, at
most 8 min apart) for about half an hour.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from arq import Retry

from bot.apikeys import by_digest
from bot.jobs_keys import tagged
from bot.logs import get_logger

if TYPE_CHECKING:
    import httpx
    import redis.asyncio as aioredis
    from arq.connections import ArqRedis

    from bot.notices.records import Notification, Notifications

log = get_logger("dost.notices.callbacks")
JOB = "notice_callback"
MAX_TRIES = 9  # 15 s, 30 s, 1, 2, 4, 8, 8, 8 min between them: about 32 minutes in all
BACKOFF_SECONDS = 15
BACKOFF_CAP_SECONDS = 8 * 60
TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Dost-Signature"


def backoff(job_try: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_SECONDS * 2 ** (job_try - 1), BACKOFF_CAP_SECONDS))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        expected = sign(secret, int(parts["t"]), body)
    except (KeyError, ValueError):
        return False
    return hmac.compare_digest(expected, header)


def job_id(notice_id: str, sequence: int) -> str:
    return tagged(f"notice-callback:{notice_id}:{sequence}")


async def queue_callbacks(arq: ArqRedis, key_digest: str, payloads: list[dict[str, Any]]) -> None:
    for payload in payloads:
        await arq.enqueue_job(JOB, key_digest, payload,
                              _job_id=job_id(payload["id"], payload["sequence"]))  # fmt: skip


async def send_callback(
    redis: aioredis.Redis, http: httpx.AsyncClient, key_digest: str, payload: dict[str, Any],
    *, now: float, job_try: int = 1,
) -> str:  # fmt: skip
    """POST one callback; raises arq's `Retry` while tries remain."""
    import httpx

    key = await by_digest(redis, key_digest)
    if key is None or not key.callback_url or not key.callback_secret:
        return "no callback"  # the key was revoked or has no callback any more
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": f"{payload['id']}:{payload['sequence']}",
        SIGNATURE_HEADER: sign(key.callback_secret, int(now), body),
    }
    try:
        response = await http.post(key.callback_url, content=body, headers=headers,
                                   timeout=TIMEOUT_SECONDS)  # fmt: skip
        if 200 <= response.status_code < 300:
            return "sent"
        error = f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    if job_try < MAX_TRIES:
        log.info("status callback retried later", notice=payload["id"], error=error,
                 job_try=job_try)  # fmt: skip
        raise Retry(defer=backoff(job_try))
    log.warning("status callback given up", notice=payload["id"], error=error)
    return "failed"


async def notice_callback(ctx: dict, key_digest: str, payload: dict[str, Any]) -> str:
    """The arq job."""
    return await send_callback(ctx["redis"], ctx["http"], key_digest, payload,
                               now=ctx["clock"].now().timestamp(),
                               job_try=ctx.get("job_try", 1))  # fmt: skip


async def report(records: Notifications, arq: ArqRedis, notification: Notification) -> None:
    """Queue a callback for each history entry not reported yet (the delivery's new attempts
    are copied into the history first)."""
    total = await records.sync_attempts(notification.id)
    start = await records.claim_reported(notification.id, total)
    if start >= total:
        return
    key = await by_digest(records.redis, notification.key)
    if key is None or not key.callback_url:
        return
    status, _ = await records.status(notification.id)
    entries = (await records.history(notification.id, start))[: total - start]
    payloads = [
        {"id": notification.id, "type": notification.type, "status": status,
         "sequence": start + i, "entry": entry}
        for i, entry in enumerate(entries)
    ]  # fmt: skip
    await queue_callbacks(arq, notification.key, payloads)
