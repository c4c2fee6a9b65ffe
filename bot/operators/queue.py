"""The hand-off queue and operators' seats in Redis. Every change is one Lua script, so any
number of web processes can take, offer, close and expire at once and each chat has exactly one
owner.

A hand-off is `queued` in its skill's queue, `offered` to one operator (it counts against their
capacity; unless they take it or reply within the offer time it goes back to the head of the
queue and the next operator is preferred), `assigned` once they took it, then `closed` or
`abandoned` (the citizen left the queue). After every change that frees capacity or brings a
chat or an operator, the same script offers the queue's heads to online operators with room:
fairly, to the least loaded (then the one who had fewest chats since signing on, then the one
who waited longest), never by a periodic sweep.

Redis (every key in the hash tag {op}, one Cluster slot):
  dost:{op}:h:<conversation>   HASH the hand-off (status, skill, channel, service, reason,
                               operator, timestamps in ms, declined operators, requeues)
  dost:{op}:q:<skill>          ZSET the queue, conversation → order (lower first)
  dost:{op}:skills             SET of skills that have had a queue
  dost:{op}:open               SET of conversations queued, offered or assigned
  dost:{op}:online             ZSET operator → last heartbeat (ms)
  dost:{op}:seat:<name>        HASH capacity, skills (space-separated), load, total, last
  dost:{op}:held:<name>        SET of conversations offered or assigned to the operator
  dost:{op}:deadlines          ZSET conversation → when its offer lapses (ms)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.operators.accounts import PREFIX

if TYPE_CHECKING:
    import redis.asyncio as aioredis

OFFER_SECONDS = 60  # an offer not taken or answered within this goes to the next operator
HEARTBEAT_TIMEOUT_SECONDS = 30  # a console silent this long is offline; its chats re-queued

# Shared by every script: re-queue a chat at the head of its queue, and offer queue heads to
# operators with room until nothing more fits. ARGV[1] is always the prefix, ARGV[2] now (ms),
# ARGV[3] the offer time (ms), ARGV[4] the heartbeat timeout (ms).
_PRELUDE = r"""
local P = ARGV[1]
local now = tonumber(ARGV[2])
local offer_ms = tonumber(ARGV[3])
local stale_ms = tonumber(ARGV[4])

local function free_seat(name)
  if not name or name == '' then return end
  local seat = P .. 'seat:' .. name
  if tonumber(redis.call('HGET', seat, 'load') or '0') > 0 then
    redis.call('HINCRBY', seat, 'load', -1)
  end
end

local function requeue_head(conv)
  local h = P .. 'h:' .. conv
  local skill = redis.call('HGET', h, 'skill')
  local owner = redis.call('HGET', h, 'operator')
  if owner and owner ~= '' then
    redis.call('SREM', P .. 'held:' .. owner, conv)
    free_seat(owner)
  end
  redis.call('ZREM', P .. 'deadlines', conv)
  local q = P .. 'q:' .. skill
  local head = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
  local score = now
  if #head > 0 and tonumber(head[2]) <= now then score = tonumber(head[2]) - 1 end
  redis.call('ZADD', q, score, conv)
  redis.call('HSET', h, 'status', 'queued', 'operator', '', 'requeued_at', now)
  redis.call('HINCRBY', h, 'requeues', 1)
  return owner
end

local function serves(skills, skill)
  local padded = ' ' .. skills .. ' '
  return string.find(padded, ' * ', 1, true) or string.find(padded, ' ' .. skill .. ' ', 1, true)
end

local function before(a, b)
  for i = 1, #a do
    if a[i] ~= b[i] then return a[i] < b[i] end
  end
  return false
end

local function free_operators()
  local found = {}
  for _, name in ipairs(redis.call('ZRANGEBYSCORE', P .. 'online', now - stale_ms, '+inf')) do
    local s = redis.call('HMGET', P .. 'seat:' .. name,
                         'capacity', 'load', 'total', 'last', 'skills')
    local capacity, load = tonumber(s[1] or '0'), tonumber(s[2] or '0')
    if load < capacity then
      table.insert(found, {name = name, load = load, total = tonumber(s[3] or '0'),
                           last = tonumber(s[4] or '0'), skills = s[5] or '*'})
    end
  end
  return found
end

local function dispatch()
  local offers = {}
  while true do
    local operators = free_operators()
    if #operators == 0 then break end
    local best = nil
    for _, skill in ipairs(redis.call('SMEMBERS', P .. 'skills')) do
      local head = redis.call('ZRANGE', P .. 'q:' .. skill, 0, 0, 'WITHSCORES')
      if #head > 0 and (best == nil or tonumber(head[2]) < best.score) then
        local declined = ',' .. (redis.call('HGET', P .. 'h:' .. head[1], 'declined') or '') .. ','
        local pick = nil
        for _, op in ipairs(operators) do
          if serves(op.skills, skill) then
            local lapsed = string.find(declined, ',' .. op.name .. ',', 1, true) and 1 or 0
            local key = {lapsed, op.load, op.total, op.last, op.name}
            if pick == nil or before(key, pick.key) then pick = {op = op, key = key} end
          end
        end
        if pick then
          best = {conv = head[1], score = tonumber(head[2]), skill = skill, op = pick.op}
        end
      end
    end
    if best == nil then break end
    local name = best.op.name
    redis.call('ZREM', P .. 'q:' .. best.skill, best.conv)
    redis.call('HSET', P .. 'h:' .. best.conv, 'status', 'offered', 'operator', name,
               'offered_at', now)
    redis.call('ZADD', P .. 'deadlines', now + offer_ms, best.conv)
    redis.call('SADD', P .. 'held:' .. name, best.conv)
    local seat = P .. 'seat:' .. name
    redis.call('HINCRBY', seat, 'load', 1)
    redis.call('HINCRBY', seat, 'total', 1)
    redis.call('HSET', seat, 'last', now)
    table.insert(offers, best.conv)
    table.insert(offers, name)
  end
  return offers
end
"""

# KEYS: none (every key is built from the prefix, all in the {op} slot).
# ARGV[5] conversation, ARGV[6] skill, ARGV[7..] field/value pairs of the record.
_ENQUEUE = r"""
local conv, skill = ARGV[5], ARGV[6]
local h = P .. 'h:' .. conv
local status = redis.call('HGET', h, 'status')
if status == 'queued' or status == 'offered' or status == 'assigned' then
  return {'already', status}
end
redis.call('DEL', h)
local fields = {}
for i = 7, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', h, 'status', 'queued', 'skill', skill, 'queued_at', now, 'operator', '',
           unpack(fields))
redis.call('ZADD', P .. 'q:' .. skill, now, conv)
redis.call('SADD', P .. 'skills', skill)
redis.call('SADD', P .. 'open', conv)
return {'queued', dispatch()}
"""

# ARGV[5] conversation, ARGV[6] operator.
_TAKE = r"""
local conv, name = ARGV[5], ARGV[6]
local h = P .. 'h:' .. conv
local status = redis.call('HGET', h, 'status')
if not status then return {'missing'} end
local owner = redis.call('HGET', h, 'operator')
if status == 'queued' then
  redis.call('ZREM', P .. 'q:' .. redis.call('HGET', h, 'skill'), conv)
  redis.call('HSET', h, 'status', 'assigned', 'operator', name, 'offered_at', now,
             'assigned_at', now)
  redis.call('SADD', P .. 'held:' .. name, conv)
  redis.call('HINCRBY', P .. 'seat:' .. name, 'load', 1)
  redis.call('HINCRBY', P .. 'seat:' .. name, 'total', 1)
  return {'taken'}
end
if (status == 'offered' or status == 'assigned') and owner == name then
  if status == 'offered' then
    redis.call('HSET', h, 'status', 'assigned', 'assigned_at', now)
    redis.call('ZREM', P .. 'deadlines', conv)
  end
  return {'taken'}
end
if status == 'offered' or status == 'assigned' then return {'held', owner} end
return {status}
"""

# ARGV[5] conversation, ARGV[6] operator ('' = whoever holds it), ARGV[7] the final status
# (closed | abandoned). Returns the record as it was closed, and the offers made after.
_FINISH = r"""
local conv, name, final = ARGV[5], ARGV[6], ARGV[7]
local h = P .. 'h:' .. conv
local status = redis.call('HGET', h, 'status')
if status ~= 'queued' and status ~= 'offered' and status ~= 'assigned' then
  return {'not_open', {}, {}}
end
local owner = redis.call('HGET', h, 'operator')
if name ~= '' and owner ~= name then return {'not_owner', {}, {}} end
if status == 'queued' then
  redis.call('ZREM', P .. 'q:' .. redis.call('HGET', h, 'skill'), conv)
else
  redis.call('SREM', P .. 'held:' .. owner, conv)
  free_seat(owner)
end
redis.call('ZREM', P .. 'deadlines', conv)
redis.call('SREM', P .. 'open', conv)
redis.call('HSET', h, 'status', final, final .. '_at', now)
return {final, redis.call('HGETALL', h), dispatch()}
"""

# ARGV[5] operator, ARGV[6] capacity, ARGV[7] skills (space-separated).
_HEARTBEAT = r"""
local name = ARGV[5]
local seat = P .. 'seat:' .. name
local seen = redis.call('ZSCORE', P .. 'online', name)
redis.call('ZADD', P .. 'online', now, name)
redis.call('HSET', seat, 'capacity', ARGV[6], 'skills', ARGV[7])
if seen and tonumber(seen) >= now - stale_ms then return {'online', {}} end
redis.call('HSET', seat, 'total', 0, 'last', 0, 'load', redis.call('SCARD', P .. 'held:' .. name))
return {'signed_on', dispatch()}
"""

# ARGV[5] operator: signs off at once; their chats go back to the head of the queue.
_SIGN_OFF = r"""
local name = ARGV[5]
redis.call('ZREM', P .. 'online', name)
local requeued = {}
for _, conv in ipairs(redis.call('SMEMBERS', P .. 'held:' .. name)) do
  requeue_head(conv)
  table.insert(requeued, conv)
end
redis.call('DEL', P .. 'held:' .. name)
redis.call('HSET', P .. 'seat:' .. name, 'load', 0)
return {requeued, dispatch()}
"""

# Lapsed offers back to the head (the operator noted as having let it lapse), silent consoles
# offline with their chats re-queued, then offers. Returns {lapsed (conv, operator)...},
# {requeued (conv, operator)...}, {offers}.
_EXPIRE = r"""
local lapsed, requeued = {}, {}
for _, conv in ipairs(redis.call('ZRANGEBYSCORE', P .. 'deadlines', '-inf', now)) do
  local h = P .. 'h:' .. conv
  if redis.call('HGET', h, 'status') == 'offered' then
    local owner = requeue_head(conv)
    local declined = redis.call('HGET', h, 'declined')
    if declined and declined ~= '' then
      declined = declined .. ',' .. owner
    else
      declined = owner
    end
    redis.call('HSET', h, 'declined', declined)
    table.insert(lapsed, conv)
    table.insert(lapsed, owner)
  end
  redis.call('ZREM', P .. 'deadlines', conv)
end
local silent = redis.call('ZRANGEBYSCORE', P .. 'online', '-inf', '(' .. (now - stale_ms))
for _, name in ipairs(silent) do
  redis.call('ZREM', P .. 'online', name)
  for _, conv in ipairs(redis.call('SMEMBERS', P .. 'held:' .. name)) do
    requeue_head(conv)
    table.insert(requeued, conv)
    table.insert(requeued, name)
  end
  redis.call('DEL', P .. 'held:' .. name)
  redis.call('HSET', P .. 'seat:' .. name, 'load', 0)
end
return {lapsed, requeued, dispatch()}
"""

# ARGV[5] conversation, ARGV[6] operator holding it, ARGV[7] colleague ('' for a skill),
# ARGV[8] skill ('' for a colleague).
_TRANSFER = r"""
local conv, name, colleague, skill = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local h = P .. 'h:' .. conv
local status = redis.call('HGET', h, 'status')
if (status ~= 'offered' and status ~= 'assigned') or redis.call('HGET', h, 'operator') ~= name then
  return {'not_owner', {}}
end
redis.call('HINCRBY', h, 'transfers', 1)
if colleague ~= '' then
  redis.call('SREM', P .. 'held:' .. name, conv)
  free_seat(name)
  redis.call('SADD', P .. 'held:' .. colleague, conv)
  redis.call('HINCRBY', P .. 'seat:' .. colleague, 'load', 1)
  redis.call('HSET', h, 'status', 'offered', 'operator', colleague, 'offered_at', now)
  redis.call('ZADD', P .. 'deadlines', now + offer_ms, conv)
  return {'transferred', dispatch()}
end
redis.call('HSET', h, 'skill', skill)
redis.call('SADD', P .. 'skills', skill)
requeue_head(conv)
return {'transferred', dispatch()}
"""

# Only offers (an operator's capacity changed, a start-up).
_DISPATCH = r"""
return dispatch()
"""


@dataclass(frozen=True)
class Offer:
    conversation: str
    operator: str


@dataclass(frozen=True)
class Moved:
    """A chat that went back to the head of its queue, and from whom."""

    conversation: str
    operator: str


@dataclass(frozen=True)
class Expired:
    lapsed: list[Moved]
    requeued: list[Moved]
    offers: list[Offer]


@dataclass(frozen=True)
class Finished:
    status: str  # closed | abandoned | not_open | not_owner
    record: dict[str, str]
    offers: list[Offer]


def _offers(flat: list) -> list[Offer]:
    return [Offer(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def _moved(flat: list) -> list[Moved]:
    return [Moved(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def _pairs(flat: list) -> dict[str, str]:
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


class HandoffQueue:
    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        offer_seconds: float = OFFER_SECONDS,
        heartbeat_timeout_seconds: float = HEARTBEAT_TIMEOUT_SECONDS,
    ) -> None:
        self.redis = redis
        self.offer_ms = int(offer_seconds * 1000)
        self.stale_ms = int(heartbeat_timeout_seconds * 1000)
        scripts = {
            "enqueue": _ENQUEUE,
            "take": _TAKE,
            "finish": _FINISH,
            "heartbeat": _HEARTBEAT,
            "sign_off": _SIGN_OFF,
            "expire": _EXPIRE,
            "transfer": _TRANSFER,
            "dispatch": _DISPATCH,
        }
        self._scripts = {
            name: redis.register_script(_PRELUDE + body) for name, body in scripts.items()
        }

    async def _run(self, script: str, now_ms: int, *args: object) -> list:
        argv = [PREFIX, now_ms, self.offer_ms, self.stale_ms, *args]
        return await self._scripts[script](keys=[], args=argv)

    # --- the citizen's side ------------------------------------------------------------------

    async def enqueue(
        self, conversation: str, skill: str, now_ms: int, **fields: str
    ) -> tuple[bool, list[Offer]]:
        """Queue a hand-off (False when one is already open for the conversation)."""
        flat = [str(x) for pair in fields.items() for x in pair]
        status, *rest = await self._run("enqueue", now_ms, conversation, skill, *flat)
        return status == "queued", _offers(rest[0]) if status == "queued" else []

    async def abandon(self, conversation: str, now_ms: int) -> Finished:
        status, record, offers = await self._run("finish", now_ms, conversation, "", "abandoned")
        return Finished(status, _pairs(record), _offers(offers))

    # --- the operator's side -----------------------------------------------------------------

    async def take(self, conversation: str, operator: str, now_ms: int) -> tuple[str, str | None]:
        """("taken", None) for the one who gets it; ("held", owner) when someone else has it;
        ("missing" | "closed" | "abandoned", None) otherwise."""
        result = await self._run("take", now_ms, conversation, operator)
        return result[0], (result[1] if len(result) > 1 else None)

    async def close(self, conversation: str, operator: str | None, now_ms: int) -> Finished:
        """Close the chat (`operator` None: whoever holds it, e.g. a supervisor)."""
        status, record, offers = await self._run(
            "finish", now_ms, conversation, operator or "", "closed"
        )
        return Finished(status, _pairs(record), _offers(offers))

    async def transfer(
        self,
        conversation: str,
        operator: str,
        now_ms: int,
        *,
        colleague: str | None = None,
        skill: str | None = None,
    ) -> tuple[bool, list[Offer]]:
        if (colleague is None) == (skill is None):
            raise ValueError("transfer to a colleague or to a skill")
        status, offers = await self._run(
            "transfer", now_ms, conversation, operator, colleague or "", skill or ""
        )
        return status == "transferred", _offers(offers)

    async def heartbeat(
        self, operator: str, capacity: int, skills: list[str], now_ms: int
    ) -> tuple[bool, list[Offer]]:
        """The console is alive; True when this signs the operator on (then chats may come)."""
        status, offers = await self._run("heartbeat", now_ms, operator, capacity, " ".join(skills))
        return status == "signed_on", _offers(offers)

    async def sign_off(self, operator: str, now_ms: int) -> tuple[list[str], list[Offer]]:
        requeued, offers = await self._run("sign_off", now_ms, operator)
        return list(requeued), _offers(offers)

    async def expire(self, now_ms: int) -> Expired:
        lapsed, requeued, offers = await self._run("expire", now_ms)
        return Expired(_moved(lapsed), _moved(requeued), _offers(offers))

    async def dispatch(self, now_ms: int) -> list[Offer]:
        return _offers(await self._run("dispatch", now_ms))

    async def mark(self, conversation: str, **fields: str | int) -> None:
        """Note timestamps or details on an open hand-off (first operator message, …)."""
        await self.redis.hset(f"{PREFIX}h:{conversation}", mapping=fields)  # type: ignore[arg-type]

    async def mark_once(self, conversation: str, field: str, value: str | int) -> bool:
        return bool(await self.redis.hsetnx(f"{PREFIX}h:{conversation}", field, value))

    # --- reading -----------------------------------------------------------------------------

    async def record(self, conversation: str) -> dict[str, str]:
        return await self.redis.hgetall(f"{PREFIX}h:{conversation}")

    async def status(self, conversation: str) -> str | None:
        return await self.redis.hget(f"{PREFIX}h:{conversation}", "status")

    async def position(self, conversation: str, skill: str) -> int | None:
        """1 for the head of the queue; None when not queued."""
        rank = await self.redis.zrank(f"{PREFIX}q:{skill}", conversation)
        return None if rank is None else rank + 1

    async def queued(self, skill: str) -> list[str]:
        return await self.redis.zrange(f"{PREFIX}q:{skill}", 0, -1)

    async def skills(self) -> list[str]:
        return sorted(await self.redis.smembers(f"{PREFIX}skills"))

    async def open_conversations(self) -> list[str]:
        return sorted(await self.redis.smembers(f"{PREFIX}open"))

    async def held(self, operator: str) -> list[str]:
        return sorted(await self.redis.smembers(f"{PREFIX}held:{operator}"))

    async def online(self, now_ms: int) -> list[str]:
        return await self.redis.zrangebyscore(f"{PREFIX}online", now_ms - self.stale_ms, "+inf")

    async def seat(self, operator: str) -> dict[str, str]:
        return await self.redis.hgetall(f"{PREFIX}seat:{operator}")

    async def next_deadline(self) -> int | None:
        """When the next offer lapses (ms), for the timer that expires them."""
        found = await self.redis.zrange(f"{PREFIX}deadlines", 0, 0, withscores=True)
        return int(found[0][1]) if found else None
