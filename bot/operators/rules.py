"""The console's own hand-off rules: supervisors keep them (the console's supervisor view), the
dialogue checks them after each turn. A rule names what in a conversation needs a person — words
in the message, an intent, a service, the same intent asked again and again — and when all its
conditions hold, the citizen is offered an operator (consent first) with the reason "rule".
A rule fires at most once per conversation (declining is respected).

  dost:{op}:rules   HASH id → JSON of the rule
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, model_validator

from bot.operators.accounts import PREFIX
from bot.state import MISSING, read_ahead
from nlu.normalize import fold

if TYPE_CHECKING:
    import redis.asyncio as aioredis

KEY = PREFIX + "rules"
RULE = "rule"  # the hand-off's reason
MAX_KEYWORDS = 20


class Rule(BaseModel):
    id: str = Field(default_factory=lambda: secrets.token_hex(4), pattern=r"^[a-z0-9-]{1,32}$")
    title: str = Field(min_length=1, max_length=80)  # what the supervisor calls it
    keywords: list[str] = Field(default_factory=list, max_length=MAX_KEYWORDS)  # any of them
    intent: str | None = Field(default=None, max_length=64)
    service: str | None = Field(default=None, max_length=64)
    repeats: int = Field(default=0, ge=0, le=20)  # the intent asked at least this many times

    @model_validator(mode="after")
    def _has_a_condition(self) -> Rule:
        self.keywords = [k.strip() for k in self.keywords if k.strip()]
        if not (self.keywords or self.intent or self.service or self.repeats):
            raise ValueError("a rule needs a condition: keywords, an intent, a service or repeats")
        return self

    def matches(self, text: str, intent: str | None, service: str | None, asked: int) -> bool:
        """Every condition it has holds: one of its words in the message (folded: case and
        Azerbaijani letters as the NLU compares them), its intent, its service, and the
        intent asked at least `repeats` times in the conversation."""
        if self.keywords:
            folded = fold(text)
            if not any(re.search(rf"\b{re.escape(fold(k))}", folded) for k in self.keywords):
                return False
        if self.intent and self.intent != intent:
            return False
        if self.service and self.service != service:
            return False
        return not (self.repeats and asked < self.repeats)


class Rules:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    @staticmethod
    def turn_reads() -> dict[str, Callable[[Any], object]]:
        """The rules, read with a turn's lock (bot.state) rather than in a round trip of their
        own: a rule edited in that millisecond applies from the next turn."""
        return {KEY: lambda pipe: pipe.hgetall(KEY)}

    async def all(self) -> list[Rule]:
        raw = read_ahead(KEY)
        if raw is MISSING:
            raw = await self.redis.hgetall(KEY)
        found = [Rule.model_validate_json(r) for r in raw.values()]
        return sorted(found, key=lambda r: r.title)

    async def put(self, rule: Rule) -> Rule:
        await self.redis.hset(KEY, rule.id, rule.model_dump_json())
        return rule

    async def delete(self, rule_id: str) -> bool:
        return bool(await self.redis.hdel(KEY, rule_id))

    async def first_match(
        self,
        text: str,
        intent: str | None,
        service: str | None,
        asked: int,
        fired: list[str],
    ) -> Rule | None:
        """The first rule (by title) that holds and has not fired in this conversation."""
        for rule in await self.all():
            if rule.id not in fired and rule.matches(text, intent, service, asked):
                return rule
        return None
