"""The notices API under /api/v1 (DESIGN.md): DOST's back office posts events, the assistant
delivers them; the status of each notification can be read back. API key required.

- `POST /events` with `Idempotency-Key` → 202 `{"notifications": [...]}`: the same key with the
  same body returns the first response; with another body, 422; keys are kept 7 days.
- `GET /notifications/{id}` → the overall status and every attempt per channel.
- Requests are counted per key (`DOST_API_RATE_PER_MINUTE`, or the key's own limit): beyond it,
  429 with `Retry-After`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bot.apikeys import ApiKey
from bot.idempotency import Claim, IdempotencyKeys, fingerprint
from bot.notices.events import Event
from bot.notices.intake import Intake, UnknownService
from bot.notices.records import Notification, Notifications
from dost.auth import rate_limited_key

router = APIRouter(prefix="/api/v1", tags=["notices"])

Status = Literal["queued", "sending", "delivered", "read", "failed", "expired", "ambiguous"]


class NotificationRef(BaseModel):
    id: str
    kind: Literal["notice", "reminder"]
    type: str
    status: Status
    not_before: datetime | None = None
    valid_until: datetime | None = None


class EventAccepted(BaseModel):
    notifications: list[NotificationRef]


class Attempt(BaseModel):
    channel: str
    at: datetime
    result: str  # delivered | transient | permanent | error | ambiguous | unread
    error: str | None = None


class NotificationOut(NotificationRef):
    created_at: datetime
    read_at: datetime | None = None
    attempts: list[Attempt]


def _intake(request: Request) -> Intake:
    return request.app.state.intake


def _records(request: Request) -> Notifications:
    return Notifications(request.app.state.redis)


async def _ref(records: Notifications, n: Notification) -> NotificationRef:
    status, _ = await records.status(n.id)
    return NotificationRef(id=n.id, kind=n.kind, type=n.type, status=status,
                           not_before=n.not_before, valid_until=n.valid_until)  # fmt: skip


@router.post(
    "/events",
    status_code=202,
    response_model=EventAccepted,
    responses={409: {"description": "the same Idempotency-Key is being handled right now"},
               429: {"description": "too many requests with this key (see Retry-After)"}},
)  # fmt: skip
async def post_event(
    request: Request,
    event: Annotated[Event, Body()],
    key: Annotated[ApiKey, Depends(rate_limited_key)],
    idempotency_key: Annotated[
        str,
        Header(alias="Idempotency-Key", min_length=1, max_length=255,
               description="the same key with the same body is one event (kept 7 days)"),
    ],
) -> Any:  # fmt: skip
    """Accept one event about one citizen; its notifications are queued (202)."""
    keys = IdempotencyKeys(request.app.state.redis)
    claim = await keys.begin(key.digest, idempotency_key, fingerprint(await request.json()))
    if claim.claim is Claim.DONE:
        return JSONResponse(claim.body, status_code=claim.status or 202)
    if claim.claim is Claim.MISMATCH:
        raise HTTPException(422, "this Idempotency-Key was used with a different body")
    if claim.claim is Claim.PENDING:
        raise HTTPException(409, "this Idempotency-Key is being handled; retry shortly",
                            headers={"Retry-After": "1"})  # fmt: skip
    try:
        made = await _intake(request).accept(event, key, idempotency_key)
    except UnknownService:
        await keys.abandon(key.digest, idempotency_key)
        error = {"type": "value_error", "loc": ("body", "service"), "msg": "unknown service",
                 "input": event.service}  # fmt: skip
        raise RequestValidationError([error]) from None
    except BaseException:
        await keys.abandon(key.digest, idempotency_key)
        raise
    records = _records(request)
    body = EventAccepted(notifications=[await _ref(records, n) for n in made])
    data = body.model_dump(mode="json")
    await keys.finish(key.digest, idempotency_key, 202, data)
    return JSONResponse(data, status_code=202)


@router.get("/notifications/{notice_id}", response_model=NotificationOut)
async def get_notification(
    request: Request, notice_id: str, key: Annotated[ApiKey, Depends(rate_limited_key)]
) -> NotificationOut:
    """The overall status and every attempt per channel (time, result, provider error)."""
    records = _records(request)
    n = await records.get(notice_id)
    if n is None or n.key_name != key.name:  # another integrator's notifications do not exist
        raise HTTPException(404, "no such notification")
    status, delivery = await records.status(notice_id)
    state = await records.state(notice_id)
    attempts = [
        Attempt(channel=a["channel"], at=a["at"], result=a["result"], error=a.get("error"))
        for a in (delivery.attempts if delivery else [])
    ]
    return NotificationOut(
        **(await _ref(records, n)).model_dump(exclude={"status"}),
        status=status,
        created_at=n.created_at,
        read_at=state.get("read_at"),
        attempts=attempts,
    )
