"""`dost operators add NAME --role operator|supervisor` (the password from stdin, never an
argument), `dost operators list`, and `dost report [--since DATE]`."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from datetime import date, datetime

from bot.config import get_settings
from bot.redis_conn import connect, redis_for


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def add(name: str, role: str, skills: list[str] | None, capacity: int, phone: str | None) -> int:
    try:
        password = _password()
    except ValueError as exc:
        print(f"dost operators add: {exc}", file=sys.stderr)
        return 2
    with redis_for(get_settings()) as url:
        try:
            account = asyncio.run(_add(url, name, password, role, skills, capacity, phone))
        except ValueError as exc:
            print(f"dost operators add: {exc}", file=sys.stderr)
            return 2
    print(f"{account.name}: {account.role}, skills {' '.join(account.skills)}, "
          f"capacity {account.capacity}")  # fmt: skip
    return 0


async def _add(url, name, password, role, skills, capacity, phone):
    from bot.operators.accounts import Accounts

    redis = connect(url)
    try:
        return await Accounts(redis).add(
            name, password, role, skills=skills, capacity=capacity, phone=phone
        )
    finally:
        await redis.aclose()


def list_accounts() -> int:
    async def run(url: str) -> list:
        from bot.operators.accounts import Accounts

        redis = connect(url)
        try:
            return await Accounts(redis).all()
        finally:
            await redis.aclose()

    with redis_for(get_settings()) as url:
        for account in asyncio.run(run(url)):
            print(f"{account.name}\t{account.role}\t{' '.join(account.skills)}\t"
                  f"{account.capacity}")  # fmt: skip
    return 0


def report(since: str | None, as_json: bool) -> int:
    from bot.clock import BAKU

    start = None
    if since:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), BAKU)
        except ValueError:
            print("dost report: --since takes a date, YYYY-MM-DD", file=sys.stderr)
            return 2
    settings = get_settings()
    with redis_for(settings) as url:
        figures, names = asyncio.run(_report(url, start, settings))
    if as_json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        from bot.report import render

        print(render(figures, names))
    return 0


async def _report(url, since, settings):
    from bot.clock import SYSTEM_CLOCK
    from bot.operators.desk import build_desk
    from bot.report import build_report
    from knowledge.store import default_passports

    redis = connect(url)
    try:
        desk = build_desk(redis, settings, SYSTEM_CLOCK, None)
        figures = await build_report(
            desk, since, target_seconds=settings.operator_answer_target_seconds
        )
    finally:
        await redis.aclose()
    names = {pid: p.name for pid, p in default_passports().items()}
    return figures, names
