"""`dost events import FILE.csv [--as NAME]`: the CSV import of `POST /api/v1/events/import`,
run on the server. The notifications belong to the API key named NAME (its status callbacks,
who may read their status); without such a key, to NAME alone. Problems go to stderr by row and
column; the exit status is 1 when there were any (the valid rows are accepted all the same)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.config import get_settings
from bot.redis_conn import connect, redis_for


def import_file(path: str, owner: str) -> int:
    file = Path(path)
    if not file.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 1
    settings = get_settings()
    with redis_for(settings) as url:
        report = asyncio.run(_import(url, file.read_text(encoding="utf-8"), owner))
    for problem in report.problems:
        print(f"row {problem.row}, column {problem.column or '-'}: {problem.message}",
              file=sys.stderr)  # fmt: skip
    notices = sum(len(row.notifications) for row in report.accepted)
    print(f"{len(report.accepted)} of {report.rows} rows accepted, {notices} notifications")
    return 1 if report.problems else 0


async def _import(url: str, text: str, owner: str):
    from bot import apikeys
    from bot.jobs_redis import arq_pool
    from bot.notices.intake import Intake
    from bot.notices.policy import NoticeConfig
    from dost.api_events import import_rows
    from knowledge.store import default_passports

    settings = get_settings()
    redis = connect(url, cluster=settings.redis_cluster)
    arq = arq_pool(url, cluster=settings.redis_cluster)
    try:
        key = await apikeys.by_name(redis, owner) or apikeys.ApiKey(f"cli:{owner}", owner)
        services = {pid: p.display_name for pid, p in default_passports().items()}
        intake = Intake(redis, arq, services, NoticeConfig.from_settings(settings))
        return await import_rows(redis, intake, key, text)
    finally:
        await arq.aclose()
        await redis.aclose()
