"""The Lua scripts behind the booking store (run with EVALSHA via `register_script`).

Each decision that reads and then writes (is the slot full? does the person already have a
booking?) happens inside one script, so Redis runs it without interleaving: no double booking
however many workers call at once.

Layout (all keys start with the prefix, "dost:{booking}:" — one hash tag, so that every script's
keys, also those it derives, are in one hash slot of a Redis Cluster):
  slot:{center}:{service}:{start epoch}:booked   SET of booking codes
  slot:{center}:{service}:{start epoch}:holds    ZSET hold id -> expiry (Redis clock, ms)
  slot:{center}:{service}:{start epoch}:holders  HASH holder -> hold id
  booking:{code}                                 HASH the booking
  person:{person}                                HASH service -> code (one active per service)
  day:{center}:{YYYY-MM-DD}                      ZSET code -> start epoch (the desks' day view)
  request:book:{request id}                      code the request created (24 h)
  request:reschedule:{code}:{request id}         code (24 h)

Holds expire by their score: every script drops expired members before counting, so no
background cleaner is needed. Hold expiry uses the Redis clock (`TIME`; scripts replicate their
effects, Redis >= 5), the same for every worker. Whether an earlier booking is still ahead uses
the caller's `now`, like the slot validation does.

Some keys are derived inside the scripts from a booking's stored fields (its slot and day
index); the shared hash tag keeps them on the node that runs the script.
"""

from __future__ import annotations

_HELPERS = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- confirmed bookings plus unexpired holds, minus the caller's own hold (it is theirs to use)
local function taken(booked, holds, own_hold)
  redis.call('ZREMRANGEBYSCORE', holds, '-inf', now_ms())
  local n = redis.call('SCARD', booked) + redis.call('ZCARD', holds)
  if own_hold ~= '' and redis.call('ZSCORE', holds, own_hold) then n = n - 1 end
  return n
end

-- never shorten a key's life: several bookings share the person and day indexes
local function extend(key, ttl)
  if redis.call('TTL', key) < ttl then redis.call('EXPIRE', key, ttl) end
end
"""

# KEYS: 1 request id, 2 person index, 3 slot booked, 4 slot holds, 5 new booking, 6 day index
# ARGV: 1 prefix, 2 service, 3 capacity, 4 own hold id or '', 5 now (epoch s), 6 request ttl,
#       7 key ttl, 8 code, 9 start epoch, 10.. the booking's field/value pairs
BOOK = (
    _HELPERS
    + """
local code = redis.call('GET', KEYS[1])
if code then return {'duplicate', code} end

local existing = redis.call('HGET', KEYS[2], ARGV[2])
if existing then
  local b = redis.call('HMGET', ARGV[1] .. 'booking:' .. existing, 'status', 'end')
  if b[1] == 'active' and tonumber(b[2]) > tonumber(ARGV[5]) then
    return {'already_booked', existing}
  end
end

if taken(KEYS[3], KEYS[4], ARGV[4]) >= tonumber(ARGV[3]) then return {'full'} end
-- the code is random; on the rare collision the caller retries with another one
if redis.call('EXISTS', KEYS[5]) == 1 then return {'collision'} end

code = ARGV[8]
local ttl = tonumber(ARGV[7])
if ARGV[4] ~= '' then redis.call('ZREM', KEYS[4], ARGV[4]) end
redis.call('SADD', KEYS[3], code)
redis.call('HSET', KEYS[5], unpack(ARGV, 10))
redis.call('EXPIRE', KEYS[5], ttl)
redis.call('HSET', KEYS[2], ARGV[2], code)
redis.call('ZADD', KEYS[6], ARGV[9], code)
redis.call('SET', KEYS[1], code, 'EX', ARGV[6])
extend(KEYS[3], ttl)
extend(KEYS[2], ttl)
extend(KEYS[6], ttl)
return {'ok', code}
"""
)

# KEYS: 1 slot holds, 2 slot holders, 3 slot booked
# ARGV: 1 holder, 2 fresh hold id, 3 capacity, 4 hold ms, 5 key ttl
HOLD = (
    _HELPERS
    + """
local n = taken(KEYS[3], KEYS[1], '')
local expires = now_ms() + tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local mine = redis.call('HGET', KEYS[2], ARGV[1])
if mine and redis.call('ZSCORE', KEYS[1], mine) then
  -- the same holder again: same hold, new expiry (it already counts toward capacity)
  redis.call('ZADD', KEYS[1], expires, mine)
  extend(KEYS[1], ttl)
  return mine
end
if n >= tonumber(ARGV[3]) then return false end
redis.call('ZADD', KEYS[1], expires, ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
extend(KEYS[1], ttl)
extend(KEYS[2], ttl)
return ARGV[2]
"""
)

# KEYS: booked, holds pairs, one pair per slot. Read-only: counts unexpired holds.
OCCUPANCY = (
    _HELPERS
    + """
local now = now_ms()
local out = {}
for i = 1, #KEYS, 2 do
  out[#out + 1] = redis.call('SCARD', KEYS[i])
    + redis.call('ZCOUNT', KEYS[i + 1], '(' .. now, '+inf')
end
return out
"""
)

# KEYS: 1 booking. ARGV: 1 prefix, 2 cancelled at (epoch s)
CANCEL = """
local b = redis.call('HMGET', KEYS[1], 'status', 'code', 'center', 'service', 'start', 'day',
  'person')
if not b[1] then return 'missing' end
if b[1] ~= 'active' then return b[1] end  -- cancelled before: no second effect
local code, center, service = b[2], b[3], b[4]
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'cancelled_at', ARGV[2])
redis.call('SREM', ARGV[1] .. 'slot:' .. center .. ':' .. service .. ':' .. b[5] .. ':booked', code)
redis.call('ZREM', ARGV[1] .. 'day:' .. center .. ':' .. b[6], code)
local person = ARGV[1] .. 'person:' .. b[7]
if redis.call('HGET', person, service) == code then redis.call('HDEL', person, service) end
return 'ok'
"""

# KEYS: 1 request id, 2 booking, 3 new slot booked, 4 new slot holds, 5 new day index
# ARGV: 1 prefix, 2 service, 3 capacity, 4 own hold id or '', 5 center, 6 start epoch,
#       7 end epoch, 8 day, 9 request ttl, 10 key ttl, 11 now (epoch s)
RESCHEDULE = (
    _HELPERS
    + """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'duplicate' end
local b = redis.call('HMGET', KEYS[2], 'status', 'code', 'center', 'service', 'start', 'day',
  'person')
if not b[1] then return 'missing' end
if b[1] ~= 'active' then return 'inactive' end
if b[4] ~= ARGV[2] then return 'wrong_service' end
local code, ttl = b[2], tonumber(ARGV[10])

if not (b[3] == ARGV[5] and b[5] == ARGV[6]) then
  -- take the new slot first: when it is full nothing has changed
  if taken(KEYS[3], KEYS[4], ARGV[4]) >= tonumber(ARGV[3]) then return 'full' end
  if ARGV[4] ~= '' then redis.call('ZREM', KEYS[4], ARGV[4]) end
  redis.call('SADD', KEYS[3], code)
  redis.call('SREM', ARGV[1] .. 'slot:' .. b[3] .. ':' .. b[4] .. ':' .. b[5] .. ':booked', code)
  redis.call('ZREM', ARGV[1] .. 'day:' .. b[3] .. ':' .. b[6], code)
  redis.call('ZADD', KEYS[5], ARGV[6], code)
  redis.call('HSET', KEYS[2], 'center', ARGV[5], 'start', ARGV[6], 'end', ARGV[7],
    'day', ARGV[8], 'rescheduled_at', ARGV[11])
  redis.call('EXPIRE', KEYS[2], ttl)
  extend(KEYS[3], ttl)
  extend(KEYS[5], ttl)
  extend(ARGV[1] .. 'person:' .. b[7], ttl)
end
redis.call('SET', KEYS[1], code, 'EX', ARGV[9])
return 'ok'
"""
)
