"""A call's records, kept by the core's channel state (namespace "twilio", so no Redis here):
call:<CallSid>:screen (what is being offered), …:twiml (the last answer with its seq, so that a
retried webhook gets it again without another engine turn; only the last step can be retried,
since Twilio waits for it, and only for minutes), …:status, …:events (the call's transcript, which
the IVR simulator shows), and the lock lock:voice:<CallSid> (one step at a time). A call's
footprint is bounded (one answer, at most EVENTS_LIMIT events) and expires."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.channel_state import ChannelState
from channels.twilio.voice_screen import Screen

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from redis.asyncio.lock import Lock

NAMESPACE = "twilio"
CALL_TTL_SECONDS = 4 * 3600
TWIML_RETRY_SECONDS = 300  # Twilio gives up on a webhook after 15 s; its retries come sooner
EVENTS_LIMIT = 500


def _name(sid: str, part: str) -> str:
    return f"call:{sid}:{part}"


class CallRecords:
    """One call's records."""

    def __init__(self, redis: aioredis.Redis, sid: str) -> None:
        self.redis = redis
        self.sid = sid
        self.store = ChannelState(redis, NAMESPACE)

    def lock(self) -> Lock:
        return self.store.lock(f"lock:voice:{self.sid}", timeout=60, blocking_timeout=60)

    async def answered(self, seq: int) -> str | None:
        """The TwiML already answered for this seq, if any (only the last step's is kept)."""
        kept = await self.store.get(_name(self.sid, "twiml"))
        if kept is None:
            return None
        kept_seq, _, twiml = kept.partition("\n")
        return twiml if kept_seq == str(seq) else None

    async def screen(self) -> Screen | None:
        raw = await self.store.get(_name(self.sid, "screen"))
        return None if raw is None else Screen.model_validate_json(raw)

    async def save(self, seq: int, twiml: str, screen: Screen | None) -> None:
        """The answer for `seq`, and the screen that follows it (None: the call has no menu)."""
        put = {_name(self.sid, "twiml"): (f"{seq}\n{twiml}", TWIML_RETRY_SECONDS)}
        gone: list[str] = []
        if screen is not None:
            put[_name(self.sid, "screen")] = (screen.model_dump_json(), CALL_TTL_SECONDS)
        else:
            gone.append(_name(self.sid, "screen"))
        await self.store.write(put, gone)

    async def set_status(self, fields: dict[str, str], *, ended: bool) -> None:
        """Twilio's status of the call; an ended call's screen goes (its TwiML stays for
        retries)."""
        await self.store.update(
            _name(self.sid, "status"), fields, CALL_TTL_SECONDS,
            delete=[_name(self.sid, "screen")] if ended else [],
        )  # fmt: skip

    async def event(self, kind: str, **data: object) -> None:
        """One line of the call's transcript (`from_` is stored as "from")."""
        entry = {
            "at": datetime.now(UTC).isoformat(),
            "kind": kind,
            **{k.rstrip("_"): v for k, v in data.items()},
        }
        await self.store.append(
            _name(self.sid, "events"), entry, limit=EVENTS_LIMIT, ttl=CALL_TTL_SECONDS
        )


async def call_events(redis: aioredis.Redis, sid: str, start: int = 0) -> list[dict]:
    """The call's transcript as the caller experienced it (prompts, keys, speech, SMS, dial)."""
    return await ChannelState(redis, NAMESPACE).entries(_name(sid, "events"), start)


async def call_event_count(redis: aioredis.Redis, sid: str) -> int:
    return await ChannelState(redis, NAMESPACE).count(_name(sid, "events"))
