"""The notices API under /api/v1 (DESIGN.md): DOST's back office posts events, the assistant
delivers them; the status of each notification can be read back. API key required.

- `POST /events` with `Idempotency-Key` → 202 `{"notifications": [...]}`: the same key with the
  same body returns the first response; with another body, 422; keys are kept 7 days.
- `POST /events/import` (a CSV file, see `bot.notices.csv_import`) → every row accepted or
  reported by row and column; a row's `reference` (else its content) is its idempotency key.
- `GET /notifications/{id}` → the overall status and every attempt per channel.
- Requests are counted per key (`DOST_API_RATE_PER_MINUTE`, or the key's own limit): beyond it,
  429 with `Retry-After`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Header, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bot.apikeys import ApiKey
from bot.idempotency import Claim, IdempotencyKeys, fingerprint
from bot.notices import csv_import
from bot.notices.events import Event
from bot.notices.intake import Intake, UnknownService
from bot.notices.records import Notification, Notifications
from dost.auth import rate_limited_key

if TYPE_CHECKING:
    import redis.asyncio as aioredis

router = APIRouter(prefix="/api/v1", tags=["notices"])
MAX_IMPORT_BYTES = 20_000_000
IMPORT_PATH = "/api/v1/events/import"  # its body cap is DOST_MAX_UPLOAD_BYTES, not the 64 KiB

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


class Once:
    """What accepting an event once under an idempotency key gave."""

    def __init__(self, claim: Claim, body: dict[str, Any] | None = None) -> None:
        self.claim, self.body = claim, body


async def accept_once(
    redis: aioredis.Redis, intake: Intake, key: ApiKey, reference: str, raw: Any, event: Any
) -> Once:
    """Accept `event` unless `reference` was used: then its first answer (same body) or a
    refusal (another body, or still being handled)."""
    keys = IdempotencyKeys(redis)
    claim = await keys.begin(key.digest, reference, fingerprint(raw))
    if claim.claim is not Claim.NEW:
        return Once(claim.claim, claim.body)
    try:
        made = await intake.accept(event, key, reference)
    except BaseException:
        await keys.abandon(key.digest, reference)
        raise
    records = Notifications(redis)
    body = EventAccepted(notifications=[await _ref(records, n) for n in made])
    data = body.model_dump(mode="json")
    await keys.finish(key.digest, reference, 202, data)
    return Once(Claim.NEW, data)


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
    redis = request.app.state.redis
    try:
        once = await accept_once(redis, _intake(request), key, idempotency_key,
                                 await request.json(), event)  # fmt: skip
    except UnknownService:
        error = {"type": "value_error", "loc": ("body", "service"), "msg": "unknown service",
                 "input": event.service}  # fmt: skip
        raise RequestValidationError([error]) from None
    if once.claim is Claim.MISMATCH:
        raise HTTPException(422, "this Idempotency-Key was used with a different body")
    if once.claim is Claim.PENDING:
        raise HTTPException(409, "this Idempotency-Key is being handled; retry shortly",
                            headers={"Retry-After": "1"})  # fmt: skip
    return JSONResponse(once.body, status_code=202)


class RowProblem(BaseModel):
    row: int  # the header is row 1
    column: str | None
    message: str


class RowAccepted(EventAccepted):
    row: int
    reference: str


class ImportReport(BaseModel):
    rows: int
    accepted: list[RowAccepted]
    problems: list[RowProblem]


async def import_rows(
    redis: aioredis.Redis, intake: Intake, key: ApiKey, text: str
) -> ImportReport:
    """Every valid row accepted (once), every problem reported by row and column."""
    rows, problems = csv_import.read(text)
    accepted = []
    for row in rows:
        problems += row.problems
        if row.event is None:
            continue
        try:
            once = await accept_once(redis, intake, key, row.reference, row.body, row.event)
        except UnknownService:
            problems.append(csv_import.Problem(row.number, "service", "unknown service"))
            continue
        if once.claim is Claim.MISMATCH:
            problems.append(csv_import.Problem(row.number, "reference",
                                               "used before with another content"))  # fmt: skip
        elif once.claim is Claim.PENDING:
            problems.append(csv_import.Problem(row.number, "reference", "being handled"))
        else:
            accepted.append(RowAccepted(row=row.number, reference=row.reference, **once.body))
    problems.sort(key=lambda p: (p.row, p.column or ""))
    return ImportReport(
        rows=len(rows), accepted=accepted,
        problems=[RowProblem(row=p.row, column=p.column, message=p.message) for p in problems],
    )  # fmt: skip


@router.post(IMPORT_PATH.removeprefix("/api/v1"), response_model=ImportReport)
async def import_events(
    request: Request,
    file: Annotated[UploadFile, File(description="CSV, UTF-8, one event a row")],
    key: Annotated[ApiKey, Depends(rate_limited_key)],
) -> ImportReport:
    """Events from a CSV file: the valid rows are accepted, the others reported by row and
    column."""
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise HTTPException(413, f"the file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(422, "the file is not UTF-8 text") from None
    return await import_rows(request.app.state.redis, _intake(request), key, text)


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
