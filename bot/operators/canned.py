"""Canned responses for the console: a title and a text with variables the console fills in
({ad}: the citizen's name when known, {xidmət}: the service's name). Supervisors keep them.

  dost:{op}:canned   HASH id → JSON {"id", "title", "text"}
"""

from __future__ import annotations

import re
import secrets
import string
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from bot.operators.accounts import PREFIX

if TYPE_CHECKING:
    import redis.asyncio as aioredis

KEY = PREFIX + "canned"
NAME_VARIABLE = "ad"  # the citizen's name, when known
SERVICE_VARIABLE = "xidmət"  # the service's name
VARIABLES = (NAME_VARIABLE, SERVICE_VARIABLE)


class Canned(BaseModel):
    id: str = Field(default_factory=lambda: secrets.token_hex(4), pattern=r"^[a-z0-9-]{1,32}$")
    title: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, max_length=2000)

    def unknown_variables(self) -> list[str]:
        names = [f for _, f, _, _ in string.Formatter().parse(self.text) if f is not None]
        return [n for n in names if n not in VARIABLES]


def fill(text: str, values: dict[str, str]) -> str:
    """The text with its {variables} filled; an unknown or empty one is left for the operator."""
    return re.sub(r"\{([^{}]+)\}", lambda m: values.get(m.group(1)) or m.group(0), text)


class CannedResponses:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def all(self) -> list[Canned]:
        found = [Canned.model_validate_json(r) for r in (await self.redis.hgetall(KEY)).values()]
        return sorted(found, key=lambda c: c.title)

    async def put(self, canned: Canned) -> Canned:
        unknown = canned.unknown_variables()
        if unknown:
            raise ValueError(f"unknown variables: {', '.join(unknown)}")
        await self.redis.hset(KEY, canned.id, canned.model_dump_json())
        return canned

    async def delete(self, canned_id: str) -> bool:
        return bool(await self.redis.hdel(KEY, canned_id))
