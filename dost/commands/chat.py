"""`dost chat`: talk to the assistant in the terminal, or line by line from stdin."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

from bot.config import get_settings
from bot.logs import configure_logging
from bot.messages import Inbound, Outbound
from bot.redis_conn import connect, redis_for


def run(as_json: bool) -> int:
    settings = get_settings()
    configure_logging("WARNING")  # logs go to stderr; the conversation owns stdout
    with redis_for(settings) as url:
        return asyncio.run(_chat(url, settings, as_json))


async def _chat(url: str, settings, as_json: bool) -> int:
    from bot.engine import build_engine
    from dost.interop import configured_nlu
    from dost.sms import build_send_sms

    redis = connect(url)
    engine = build_engine(redis, settings.cache_dir, settings.conversation_ttl_seconds,
                          send_sms=build_send_sms(settings),
                          nlu=configured_nlu(settings))  # fmt: skip
    conversation = f"terminal:{uuid.uuid4().hex[:12]}"
    interactive = sys.stdin.isatty() and not as_json
    offered: list = []
    try:
        while True:
            line = _read(interactive)
            if line is None:
                return 0
            inbound = Inbound(conversation_id=conversation, channel="terminal", text=line)
            # A bare number picks that choice of the last reply, as on SMS.
            if line.strip().isdigit() and 0 < int(line) <= len(offered):
                inbound = Inbound(conversation_id=conversation, channel="terminal",
                                  choice=offered[int(line) - 1].id)  # fmt: skip
            replies = await engine.handle(inbound)
            offered = [c for r in replies for c in r.choices]
            _print(line, replies, as_json)
    finally:
        await redis.aclose()


def _read(interactive: bool) -> str | None:
    try:
        line = input("siz> ") if interactive else sys.stdin.readline()
    except EOFError:
        return None
    if not interactive and line == "":
        return None
    return line.rstrip("\r\n")


def _print(user: str, replies: list[Outbound], as_json: bool) -> None:
    if as_json:
        last = replies[-1] if replies else None
        print(json.dumps({
            "user": user,
            "replies": [
                {"text": r.text, "choices": [c.model_dump() for c in r.choices]} for r in replies
            ],
            "intent": last.intent if last else None,
            "service": last.service if last else None,
        }, ensure_ascii=False), flush=True)  # fmt: skip
        return
    number = 0
    for reply in replies:
        print(f"\nDOST> {reply.text}")
        for choice in reply.choices:
            number += 1
            print(f"   {number}) {choice.title}")
    print(flush=True)
