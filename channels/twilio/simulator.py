"""The IVR simulator: try the phone line in a browser, no phone needed.

GET /simulator/ivr is a page with a keypad (0–9 * #), a box for what the caller would say,
Call / Hang-up buttons, an <audio> element that plays each prompt in order, and the call's
transcript. Its backend, POST /simulator/ivr/step, does what Twilio does: it builds the webhook's
form parameters, signs them with RequestValidator exactly as Twilio would, and posts them to the
real voice webhooks in-process (httpx's ASGITransport), then returns the TwiML taken apart:
{"plays": [{"url", "text"}], "say", "gather", "dial", "hangup", "redirect", "events"}.

- With TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN set, it goes through the app's own
  /webhooks/twilio/voice routes, signed with the real token.
- Without them the Twilio webhooks are off (not mounted); the simulator then builds a private
  copy of the voice routes keyed with a random per-process token that only it knows, so the
  page works on a fresh `dost serve` while nothing outside can reach a voice webhook.

Every simulated call comes from one demo number (SIMULATOR_CALLER), never a number the page
chooses: the caller's number identifies a person for booking look-ups. Simulated calls are
marked with a signed `DostSimulator=1` parameter so "send the full text by SMS" sends nothing.
Steps are rate-limited per client address. DOST_IVR_SIMULATOR=false turns the page off.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from bot.channel_state import ChannelState
from channels.pages import Page
from channels.twilio.audio import AudioPrompts
from channels.twilio.security import SIGNATURE_HEADER, Signatures
from channels.twilio.texts import section
from channels.twilio.voice import NAMESPACE, SIMULATOR_PARAM, call_event_count, call_events

if TYPE_CHECKING:
    import redis.asyncio as aioredis

HERE = Path(__file__).resolve().parent
ASSETS = {"ivr.js": "ivr_simulator.js", "ivr.css": "ivr_simulator.css"}
PAGE = Page(HERE, "ivr_simulator.html", ASSETS)
SIMULATOR_CALLER = "+994120000000"
SIMULATOR_ACCOUNT = "AC" + "0" * 32
VOICE_PATHS = ("/webhooks/twilio/voice/gather", "/webhooks/twilio/voice/dial")
STEPS_PER_WINDOW = 60  # per client address: the page is open to anyone
RATE_WINDOW_SECONDS = 10

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
    call_sid: str | None = Field(default=None, pattern=r"^CA[0-9a-f]{32}$")
    url: str | None = Field(default=None, max_length=300)  # a Gather's or Dial's action URL
    digits: str | None = Field(default=None, pattern=r"^[0-9*#]{1,20}$")
    speech: str | None = Field(default=None, max_length=500)
    dial_status: Literal["completed", "no-answer", "busy", "failed"] | None = None


@cache
def simulator_texts() -> dict[str, str]:
    return section("simulator")


@cache
def render_page(base_path: str = "") -> str:
    return PAGE.render(
        t=simulator_texts(),
        step_url=f"{base_path}/simulator/ivr/step",
        css_url=PAGE.asset_url(f"{base_path}/simulator/ivr/static", "ivr.css"),
        js_url=PAGE.asset_url(f"{base_path}/simulator/ivr/static", "ivr.js"),
        keys=["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"],
    )


def parse_twiml(twiml: str, audio: AudioPrompts) -> dict[str, Any]:
    """The TwiML a webhook answered, taken apart for the page (audio URLs made same-origin)."""
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


def _voice_path(url: str | None) -> str:
    """Only the voice webhooks' own action URLs may be posted to."""
    parts = urlsplit(url or "")
    seq = parse_qs(parts.query).get("seq", [""])[0]
    if parts.scheme or parts.netloc or parts.path not in VOICE_PATHS or not seq.isdigit():
        raise HTTPException(status_code=422, detail="not a voice webhook URL")
    return f"{parts.path}?seq={int(seq)}"


def simulator_router(
    *,
    audio: AudioPrompts,
    public_base_url: str | None,
    redis_getter: Callable[[Request], aioredis.Redis],
    signatures: Signatures | None,
    private_app: Callable[[FastAPI], tuple[FastAPI, Signatures]],
) -> APIRouter:
    """`signatures` is the real token's when the Twilio webhooks are on; else `private_app`
    gives the private voice routes and their random token for the main app."""
    router = APIRouter(prefix="/simulator/ivr", include_in_schema=False)

    @router.get("", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        html = render_page(request.scope.get("root_path", ""))
        return HTMLResponse(html, headers=PAGE_SECURITY_HEADERS)

    @router.get("/static/{name}")
    async def asset(name: str, v: str | None = Query(default=None)) -> Response:
        return PAGE.asset_response(name, v)

    @router.post("/step")
    async def step(body: StepRequest, request: Request) -> dict[str, Any]:
        if signatures is not None:
            target, signer = request.app, signatures
        else:
            target, signer = private_app(request.app)
        origin = (public_base_url or str(request.base_url)).rstrip("/")
        call_sid = body.call_sid or ("CA" + secrets.token_hex(16))
        if body.action != "call" and body.call_sid is None:
            raise HTTPException(status_code=422, detail="call_sid is required")
        params = {
            "AccountSid": SIMULATOR_ACCOUNT,
            "ApiVersion": "2010-04-01",
            "CallSid": call_sid,
            "From": SIMULATOR_CALLER,
            "To": "142",
            "Direction": "inbound",
            "CallStatus": "in-progress" if body.action != "call" else "ringing",
            SIMULATOR_PARAM: "1",
        }
        if body.action == "call":
            path = "/webhooks/twilio/voice"
        elif body.action == "hangup":
            path = "/webhooks/twilio/voice/status"
            params.update(CallStatus="completed", CallDuration="1")
        elif body.action == "dial":
            path = _voice_path(body.url)
            params["DialCallStatus"] = body.dial_status or "completed"
        else:
            path = _voice_path(body.url)
            if body.digits:
                params["Digits"] = body.digits
            elif body.speech and body.speech.strip():
                params.update(SpeechResult=body.speech.strip(), Confidence="0.9")
        redis = redis_getter(request)
        address = request.client.host if request.client else "unknown"
        wait = await ChannelState(redis, NAMESPACE).hit_rate_limits(
            [(f"simulator:ratelimit:{address}", STEPS_PER_WINDOW, RATE_WINDOW_SECONDS)]
        )
        if wait is not None:
            raise HTTPException(status_code=429, headers={"Retry-After": str(wait)})
        seen = await call_event_count(redis, call_sid)
        headers = {SIGNATURE_HEADER: signer.sign(origin + path, params)}
        transport = httpx.ASGITransport(app=target)
        parts = urlsplit(origin)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"{parts.scheme}://{parts.netloc}"
        ) as client:
            response = await client.post(path, data=params, headers=headers)
        if response.status_code >= 400:
            raise HTTPException(status_code=502, detail=f"voice webhook: {response.status_code}")
        result = parse_twiml(response.text, audio) if response.content else {"hangup": True}
        result["call_sid"] = call_sid
        result["events"] = await call_events(redis, call_sid, seen)
        return result

    return router
