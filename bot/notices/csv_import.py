"""Events from a CSV file (`POST /api/v1/events/import`, `dost events import FILE.csv`): one event
a row, the same fields as the API's JSON, flat:

    reference,type,fin,phone,service,date,time,place,decision,reason,time_from,time_to,status,valid_until

Only `type`, `service` and `fin` or `phone` are always needed; empty cells are left out. Every
invalid row is reported with its row number (the header is row 1) and the column at fault, and
does not stop the valid rows. `reference` plays the part of the Idempotency-Key; without it, a
row's content is its key, so uploading the same file twice sends nothing twice.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.idempotency import fingerprint
from bot.notices.events import parse_event

COLUMNS = ("reference", "type", "fin", "phone", "service", "date", "time", "place", "decision",
           "reason", "time_from", "time_to", "status", "valid_until")  # fmt: skip
CITIZEN = ("fin", "phone")
REQUIRED = ("type", "service")
MAX_ROWS = 100_000


@dataclass(frozen=True)
class Problem:
    row: int
    column: str | None
    message: str


@dataclass
class Row:
    number: int
    reference: str
    body: dict[str, Any]
    event: Any = None
    problems: list[Problem] = field(default_factory=list)


def _body(cells: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {k: v for k, v in cells.items()
                            if v and k not in CITIZEN and k != "reference"}  # fmt: skip
    body["citizen"] = {k: cells[k] for k in CITIZEN if cells.get(k)}
    return body


def _column(error: dict[str, Any]) -> str | None:
    if error.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        return "type"
    for part in reversed(error.get("loc", ())):
        if str(part) in COLUMNS:
            return str(part)
    if error.get("loc") and error["loc"][-1] == "citizen":
        return "fin/phone"
    return None


def read(text: str) -> tuple[list[Row], list[Problem]]:
    """The file's rows (each parsed or with its problems) and the file's own problems."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [Problem(1, c, "missing column") for c in missing]
    file_problems = [Problem(1, c, "unknown column, ignored") for c in header if c not in COLUMNS]
    rows = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            file_problems.append(Problem(number, None, f"more than {MAX_ROWS} rows: the rest "
                                                       "is not read"))  # fmt: skip
            break
        cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items()
                 if (k or "").strip() in COLUMNS and isinstance(v, str)}  # fmt: skip
        if not any(cells.values()):
            continue  # an empty line
        body = _body(cells)
        row = Row(number, cells.get("reference") or f"csv:{fingerprint(body)[:32]}", body)
        try:
            row.event = parse_event(body)
        except ValidationError as exc:
            row.problems = [Problem(number, _column(e), e["msg"]) for e in exc.errors()]
        rows.append(row)
    return rows, file_problems
