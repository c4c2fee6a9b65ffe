"""The engine around the dialogue: ordering, retries, bad input, Redis outages, the terminal."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from bot.engine import Engine
from bot.messages import MAX_TEXT_CHARS as MAX_MESSAGE_CHARS
from bot.messages import Inbound
from bot.ratelimit import RateLimit, RateLimited
from bot.redis_conn import connect
from bot.state import MAX_TRANSCRIPT_CHARS, StateStore
from knowledge.centers import default_centers
from knowledge.store import default_passports


def said(conversation: str, text: str | None = None, **extra) -> Inbound:
    return Inbound(conversation_id=conversation, channel="test", text=text, **extra)


async def test_documents_answer_carries_its_sources(engine: Engine) -> None:
    [reply] = await engine.handle(said("c1", "özünüməşğulluq üçün sənədlər"))
    assert reply.intent == "ask_documents" and reply.service == "02-04-10-00"
    # Field 22 (the documents' form) lists every option of the form: not stated, not cited.
    assert [(s.passport, s.field) for s in reply.sources] == [("02-04-10-00", "21")]
    # One short line a citizen reads: the service's passport and the part, no field numbers.
    assert reply.source_line == (
        "Mənbə: «Özünüməşğulluq proqramı» xidmətinin pasportu (tələb olunan sənədlər)."
    )
    assert "Mənbə" not in reply.text  # kept apart: the phone line does not read it out
    assert reply.shown_text.endswith(reply.source_line)


async def test_an_oversized_message_is_answered_and_the_person_told(engine: Engine) -> None:
    text = "özünüməşğulluq proqramı üçün hansı sənədlər lazımdır " + "x" * 10_000
    replies = await engine.handle(said("long", text))
    assert f"({len(text)} simvol)" in replies[0].text and str(MAX_MESSAGE_CHARS) in replies[0].text
    assert "Şəxsiyyət vəsiqəsi" in replies[-1].text
    transcript = await engine.transcript("long")
    # Stored text is capped (Redis holds many conversations); the length says there was more.
    assert transcript[0]["text"] == text[:MAX_TRANSCRIPT_CHARS]
    assert transcript[0]["chars"] == len(text)


async def test_quick_messages_are_handled_one_at_a_time(engine: Engine) -> None:
    messages = [said("busy", f"salam {i}") for i in range(12)]
    await asyncio.gather(*(engine.handle(m) for m in messages))
    transcript = await engine.transcript("busy")
    roles = [entry["role"] for entry in transcript]
    assert roles == ["user", "bot"] * 12  # never two user turns interleaved
    assert (await engine.store.load("busy")).turns == 12


async def test_a_retried_message_has_no_second_effect(engine: Engine) -> None:
    first = await engine.handle(said("retry", "salam", message_id="update-7"))
    again = await engine.handle(said("retry", "salam", message_id="update-7"))
    assert first and again == []
    assert len(await engine.transcript("retry")) == 2


async def test_state_and_transcript_expire(engine: Engine, redis_url: str) -> None:
    await engine.handle(said("ttl", "salam"))
    client = redis.Redis.from_url(redis_url)
    try:
        for key in ("dost:state:ttl", "dost:transcript:ttl"):
            assert 0 < client.ttl(key) <= 600
    finally:
        client.close()


async def test_transcripts_are_kept_a_day_unless_the_number_is_proven(
    engine: Engine, redis_url: str
) -> None:
    store = StateStore(engine.redis, ttl_seconds=7 * 24 * 3600, unproven_ttl=24 * 3600)
    client = redis.Redis.from_url(redis_url)
    try:
        async with store.turn("anonymous") as turn:
            await store.record("anonymous", "user", "salam")
            turn.save = True
        assert 23 * 3600 < client.ttl("dost:transcript:anonymous") <= 24 * 3600
        async with store.turn("proven") as turn:
            turn.state.phone = "+994501234567"
            await store.record("proven", "user", "salam")
            turn.save = True
        assert 6 * 24 * 3600 < client.ttl("dost:transcript:proven") <= 7 * 24 * 3600
        assert client.ttl("dost:state:anonymous") > 6 * 24 * 3600  # the state keeps its TTL
        assert client.get("dost:lock:proven") is None  # released with the last write
    finally:
        client.close()


async def test_a_turn_over_its_rate_limit_changes_nothing(engine: Engine) -> None:
    limit = [RateLimit("dost:test:ratelimit:once", 1, 10)]
    assert await engine.handle(said("limited", "salam"), limit)
    with pytest.raises(RateLimited) as refused:
        await engine.handle(said("limited", "salam"), limit)
    assert 1 <= refused.value.wait <= 10
    assert len(await engine.transcript("limited")) == 2  # the refused message left no trace
    assert await engine.redis.get("dost:lock:limited") is None


async def test_redis_down_still_answers(nlu) -> None:
    client = connect("redis://127.0.0.1:1/0")  # nothing listens there
    engine = Engine(client, nlu, default_passports(), default_centers())
    try:
        replies = await engine.handle(said("down", "peşə hazırlığı təqaüdü pulludur?"))
    finally:
        await client.aclose()
    assert "ödənişsizdir" in replies[0].text


def test_terminal_chat_json(redis_url: str, nlu_cache: Path, tmp_path: Path, nlu) -> None:
    shutil.copytree(nlu_cache, tmp_path / "cache")  # the model trained for this run
    env = {**os.environ, "REDIS_URL": redis_url, "DOST_DATA_DIR": str(tmp_path)}
    lines = "Salam\nozunumesgulluq ucun senedler\nbəs pulludur?\n1\n"
    out = subprocess.run(
        [sys.executable, "-m", "dost.cli", "chat", "--json"],
        input=lines, capture_output=True, text=True, env=env, check=True, timeout=120,
    )  # fmt: skip
    turns = [json.loads(line) for line in out.stdout.splitlines()]
    assert [t["user"] for t in turns] == ["Salam", "ozunumesgulluq ucun senedler",
                                          "bəs pulludur?", "1"]  # fmt: skip
    assert turns[0]["intent"] == "greet" and turns[0]["replies"][0]["choices"]
    assert turns[1]["service"] == "02-04-10-00"
    assert "Şəxsiyyət vəsiqəsi" in turns[1]["replies"][0]["text"]
    assert (
        turns[2]["intent"] == "ask_fee" and "dəqiq məlumat yoxdur" in turns[2]["replies"][0]["text"]
    )
    assert set(turns[3]["replies"][0]) == {"text", "choices"}  # "1" picked the first choice
