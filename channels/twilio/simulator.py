"""The IVR simulator: try the phone line in a browser, no phone needed.

GET /simulator/ivr is a page with a keypad (0–9 * #), a box for what the caller would say,
Call / Hang-up buttons, an <audio> element that plays each prompt in order, and the call's
transcript. Its backend, POST /simulator/ivr/step, hands the step to its own copy of the voice
channel in process (no HTTP, no signature: it never sees Twilio's auth token and no Twilio
webhook is involved) and returns the TwiML taken apart:
{"plays": [{"url", "text"}], "say", "gather", "dial", "hangup", "redirect", "events", "caller"}.

Whose call a step drives comes only from the browser's session cookie (simulator_session.py):
the server picks the call's sid and a simulated caller number (+994 90…, too long to be a real
subscriber's), so a page can neither choose a number nor reach another browser's call. The
copy of the voice channel says channel "simulator" to the engine (bookings are recorded so) and
its "SMS" only shows the text: nothing is ever sent. Steps are rate-limited per client address,
new sessions more strictly. It is on by default only while Twilio is not configured; see
`simulator_enabled` in channels/twilio/__init__.py.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from bot import simulated
from bot.channel_state import ChannelState
from bot.messages import ChatEngine
from channels.pages import Page
from channels.twilio import menu
from channels.twilio.audio import AudioPrompts
from channels.twilio.simulator_session import NAMESPACE, Session, Sessions, new_call_sid
from channels.twilio.texts import node, section
from channels.twilio.voice import VoiceChannel
from channels.twilio.voice_calls import call_event_count, call_events

if TYPE_CHECKING:
    import redis.asyncio as aioredis

HERE = Path(__file__).resolve().parent
ASSETS = {"ivr.js": "ivr_simulator.js", "ivr.css": "ivr_simulator.css"}
PAGE = Page(HERE, "ivr_simulator.html", ASSETS)
SIMULATOR_ACCOUNT = "AC" + "0" * 32
VOICE_PATHS = {"/webhooks/twilio/voice/gather": "gather", "/webhooks/twilio/voice/dial": "dial"}
STEPS_PER_WINDOW = 60  # per client address: the page is open to anyone
RATE_WINDOW_SECONDS = 10
NEW_SESSIONS_PER_HOUR = 30  # per client address: each session reserves a number for weeks

PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class StepRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["call", "gather", "dial", "hangup"]
    # Accepted from older pages and ignored: the call is the session cookie's.
    call_sid: str | None = Field(default=None, max_length=64)
    url: str | None = Field(default=None, max_length=300)  # a Gather's or Dial's action URL
    digits: str | None = Field(default=None, pattern=r"^[0-9*#]{1,20}$")
    speech: str | None = Field(default=None, max_length=500)
    dial_status: Literal["completed", "no-answer", "busy", "failed"] | None = None


class SimulatedSms:
    """The simulated call's "send the full text by SMS": the caller sees the text in the
    transcript; nothing leaves the machine."""

    def can_send(self, to: str) -> bool:
        return True

    async def send(self, to: str, body: str) -> list[str]:
        return []


@cache
def simulator_texts() -> dict[str, str]:
    return section("simulator")


def key_legend() -> list[tuple[str, str]]:
    """What each key does in every menu, as the page shows it under the keypad."""
    names: dict[str, str] = node("simulator.key_legend")
    options = f"{menu.OPTION_KEYS[0]}–{menu.OPTION_KEYS[-1]}"
    return [(options, names["option"])] + [
        (key, names[what]) for key, what in menu.KEYS.items() if what != "option"
    ]


@cache
def render_page(base_path: str = "") -> str:
    return PAGE.render(
        t=simulator_texts(),
        step_url=f"{base_path}/simulator/ivr/step",
        css_url=PAGE.asset_url(f"{base_path}/simulator/ivr/static", "ivr.css"),
        js_url=PAGE.asset_url(f"{base_path}/simulator/ivr/static", "ivr.js"),
        keys=["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"],
        legend=key_legend(),
    )


def parse_twiml(twiml: str, audio: AudioPrompts) -> dict[str, Any]:
    """The TwiML the voice channel answered, taken apart for the page (same-origin audio)."""
    root = ElementTree.fromstring(twiml)
    result: dict[str, Any] = {
        "plays": [],
        "say": [],
        "gather": None,
        "dial": None,
        "dial_url": None,
        "hangup": False,
        "redirect": None,
    }
    for el in root.iter():
        if el.tag == "Play":
            path = urlsplit((el.text or "").strip()).path
            key = path.rsplit("/", 1)[-1].removesuffix(".wav")
            result["plays"].append({"url": path, "text": audio.text_of(key) or ""})
        elif el.tag == "Say":
            result["say"].append(el.text or "")
        elif el.tag == "Gather":
            result["gather"] = {
                "url": _path_and_query(el.get("action", "")),
                "input": el.get("input"),
                "num_digits": el.get("numDigits"),
                "finish_on_key": el.get("finishOnKey"),
                "timeout": el.get("timeout"),
            }
        elif el.tag == "Dial":
            result["dial"] = (el.text or "").strip()
            result["dial_url"] = _path_and_query(el.get("action", ""))
        elif el.tag == "Hangup":
            result["hangup"] = True
        elif el.tag == "Redirect":
            result["redirect"] = _path_and_query((el.text or "").strip())
    return result


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _voice_step(url: str | None, root_path: str) -> tuple[str, int]:
    """("gather" | "dial", seq) of one of the voice channel's own action URLs; 422 otherwise."""
    parts = urlsplit(url or "")
    path = parts.path.removeprefix(root_path) if root_path else parts.path
    seq = parse_qs(parts.query).get("seq", [""])[0]
    if parts.scheme or parts.netloc or path not in VOICE_PATHS or not seq.isdigit():
        raise HTTPException(status_code=422, detail="not a voice webhook URL")
    return VOICE_PATHS[path], int(seq)


def simulator_voice(voice: VoiceChannel) -> VoiceChannel:
    """The simulator's own copy of the phone line: same prompts and keys, channel "simulator",
    and an SMS that is only shown."""
    return VoiceChannel(
        voice.audio,
        call_center_number=voice.call_center,
        messenger=SimulatedSms(),  # type: ignore[arg-type]  # duck-typed: can_send, send
        hints=voice.hints,
        channel=simulated.CHANNEL,
    )


def simulator_router(
    *,
    voice: VoiceChannel,
    engine_getter: Callable[[Request], ChatEngine],
    redis_getter: Callable[[Request], aioredis.Redis],
) -> APIRouter:
    """`voice` is the simulator's own channel (`simulator_voice`); it needs no Twilio settings."""
    router = APIRouter(prefix="/simulator/ivr", include_in_schema=False)
    sessions = Sessions()

    @router.get("", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        html = render_page(request.scope.get("root_path", ""))
        return HTMLResponse(html, headers=PAGE_SECURITY_HEADERS)

    @router.get("/static/{name}")
    async def asset(name: str, v: str | None = Query(default=None)) -> Response:
        return PAGE.asset_response(name, v)

    @router.post("/step")
    async def step(body: StepRequest, request: Request, response: Response) -> dict[str, Any]:
        redis = redis_getter(request)
        address = request.client.host if request.client else "unknown"
        await _limit(redis, f"steps:{address}", STEPS_PER_WINDOW, RATE_WINDOW_SECONDS)
        session = await sessions.load(request, redis)
        if body.action == "call":
            if session is None:
                await _limit(redis, f"sessions:{address}", NEW_SESSIONS_PER_HOUR, 3600)
                session = await sessions.new(redis)
            session = session.with_call(new_call_sid())
        elif session is None or session.call_sid is None:
            raise HTTPException(status_code=403, detail="no simulated call in this session")
        call_sid = session.call_sid
        assert call_sid is not None
        seen = await call_event_count(redis, call_sid)
        base = request.scope.get("root_path", "")
        twiml = await _drive(voice, redis, engine_getter(request), session, body, base)
        if body.action == "hangup":
            session = session.with_call(None)
        await sessions.save(response, request, redis, session)
        response.headers["Cache-Control"] = "no-store"
        result = parse_twiml(twiml, voice.audio) if twiml else {"hangup": True}
        result["caller"] = session.caller
        result["events"] = await call_events(redis, call_sid, seen)
        return result

    return router


async def _drive(
    voice: VoiceChannel,
    redis: aioredis.Redis,
    engine: ChatEngine,
    session: Session,
    body: StepRequest,
    base: str,
) -> str | None:
    """One step of the session's call, as Twilio's webhook would have brought it."""
    params = {
        "AccountSid": SIMULATOR_ACCOUNT,
        "CallSid": session.call_sid or "",
        "From": session.caller,
        "To": "142",
        "Direction": "inbound",
        "CallStatus": "ringing" if body.action == "call" else "in-progress",
    }
    if body.action == "call":
        return await voice.incoming(redis, engine, params, base)
    if body.action == "hangup":
        await voice.status(redis, {**params, "CallStatus": "completed", "CallDuration": "1"})
        return None
    kind, seq = _voice_step(body.url, base)
    if kind != body.action:
        raise HTTPException(status_code=422, detail="not this step's URL")
    if kind == "dial":
        params["DialCallStatus"] = body.dial_status or "completed"
        return await voice.dial_ended(redis, engine, params, seq, base)
    if body.digits:
        params["Digits"] = body.digits
    elif body.speech and body.speech.strip():
        params.update(SpeechResult=body.speech.strip(), Confidence="0.9")
    return await voice.gather(redis, engine, params, seq, base)


async def _limit(redis: aioredis.Redis, what: str, limit: int, window: int) -> None:
    wait = await ChannelState(redis, NAMESPACE).hit_rate_limits([(f"ratelimit:{what}", limit,
                                                                  window)])  # fmt: skip
    if wait is not None:
        raise HTTPException(status_code=429, headers={"Retry-After": str(wait)})
