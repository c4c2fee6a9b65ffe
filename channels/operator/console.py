"""The operator console: pages (Jinja2), the JSON API the page uses, and a WebSocket of live
updates. Every route but the login form and the stylesheet needs a session; unsafe methods need
the page's CSRF token as well; supervisors' routes need the role. Every operator action is in the
audit log (the desk writes it).

- GET/POST /operator/login, POST /operator/logout, GET /operator (the console page)
- GET /operator/api/queue → [{"conversation_id", "channel", "service", "reason",
  "waiting_seconds", "kind", "call"}] ("call": an incoming call's masked number, IVR keys and
  what was asked); GET /operator/api/mine → the operator's chats
- GET /operator/api/conversations/{id} (transcript, what the assistant understood, the masked
  identity, notes), POST …/take, …/messages {"text"}, …/notes {"text"}, …/transfer
  {"operator" | "skill"}, …/close, …/typing; GET …/canned (filled for this conversation)
- GET /operator/api/canned, PUT/DELETE /operator/api/canned/{id} (supervisors)
- GET /operator/api/rules, PUT/DELETE /operator/api/rules/{id} (supervisors: hand-off rules)
- GET /operator/api/callbacks, POST /operator/api/callbacks/{id}/attempts {"answered"}
- GET /operator/api/colleagues, GET /operator/api/stats and /operator/api/audit (supervisors)
- WS /operator/ws: the desk's events for this operator; the page sends {"type": "heartbeat"}
  every few seconds (30 s without one: offline, chats re-queued) and {"type": "typing", …}.
"""

# No `from __future__ import annotations`: FastAPI must see the routes' dependency types
# (Annotated aliases made inside `operator_router`) as objects, not as names.
import asyncio
import contextlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, WebSocket
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.websockets import WebSocketDisconnect

from bot.catalog import node
from bot.operators.accounts import ALL_SKILLS
from bot.operators.callbacks import as_json as callback_json
from bot.operators.canned import SERVICE_VARIABLE, Canned, CannedResponses, fill
from bot.operators.desk import BROADCAST, GENERAL_SKILL, stream_of
from bot.operators.rules import Rule, Rules
from bot.operators.sessions import Session, Sessions
from bot.operators.stats import supervisor_figures
from bot.operators.view import conversation_label, conversation_view, mask_phone
from channels.operator.auth import (
    COOKIE,
    api_session,
    clear_session_cookie,
    session_of,
    set_session_cookie,
    socket_session,
)
from channels.pages import Page
from channels.web import PAGE_SECURITY_HEADERS as WEB_PAGE_HEADERS

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

    from bot.operators.desk import Desk

HERE = Path(__file__).resolve().parent
ASSETS = {"console.js": "console.js", "console.css": "console.css"}
LOGIN_PAGE = Page(HERE, "login.html", ASSETS)
CONSOLE_PAGE = Page(HERE, "console.html", ASSETS)
PUBLIC_ASSETS = frozenset({"console.css"})  # the login page's look; everything else needs login
CONVERSATION_PATTERN = r"^[a-z]{2,10}:[A-Za-z0-9_+.:-]{1,80}$"
MAX_REPLY_CHARS = 2000
SOCKET_IDLE_SECONDS = 45  # a socket that sends nothing for this long is closed

# The web chat's page headers; the console's pages hold personal data, so nothing is cached.
PAGE_SECURITY_HEADERS = {**WEB_PAGE_HEADERS, "Cache-Control": "no-store"}

ConversationId = Annotated[str, PathParam(pattern=CONVERSATION_PATTERN)]
DeskGetter = Callable[["HTTPConnection"], "Desk"]
NamesGetter = Callable[["HTTPConnection"], dict[str, str]]


@cache
def texts() -> dict[str, Any]:
    """The console's texts: the catalog's `operator` section (nested groups kept)."""
    return dict(node("operator"))


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_REPLY_CHARS)


class Transfer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator: str | None = Field(default=None, max_length=32)
    skill: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _one(self) -> "Transfer":
        if (self.operator is None) == (self.skill is None):
            raise ValueError("give `operator` or `skill`")
        return self


class Attempt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answered: bool


class CannedBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, max_length=2000)


class RuleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=80)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    intent: str | None = Field(default=None, max_length=64)
    service: str | None = Field(default=None, max_length=64)
    repeats: int = Field(default=0, ge=0, le=20)


def skill_name(skill: str, groups: dict[str, str]) -> str:
    """A queue's name for people: a service group's, or a center's ("center:<id>")."""
    kind, _, center = skill.partition(":")
    if kind == "center" and center:
        from knowledge.centers import default_centers

        found = next((c for c in default_centers().centers if c.id == center), None)
        return found.name if found else center
    return groups.get(skill) or texts().get(f"skill_{skill}", skill)


def operator_router(desk_getter: DeskGetter, service_names: NamesGetter) -> APIRouter:
    router = APIRouter(prefix="/operator", include_in_schema=False)
    signed_in = api_session(desk_getter)
    supervisor = api_session(desk_getter, supervisor=True)
    Signed = Annotated[Session, Depends(signed_in)]
    Supervisor = Annotated[Session, Depends(supervisor)]

    def base(request: Request) -> str:
        return request.scope.get("root_path", "") + "/operator"

    # --- pages -------------------------------------------------------------------------------

    def login_page(request: Request, error: str | None, status_code: int = 200) -> HTMLResponse:
        html = LOGIN_PAGE.render(
            t=texts(),
            error=error,
            action=f"{base(request)}/login",
            css_url=LOGIN_PAGE.asset_url(f"{base(request)}/assets", "console.css"),
        )
        return HTMLResponse(html, status_code=status_code, headers=PAGE_SECURITY_HEADERS)

    @router.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> HTMLResponse:
        return login_page(request, None)

    @router.post("/login")
    async def login(
        request: Request,
        username: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=256)] = "",
    ) -> Response:
        desk = desk_getter(request)
        address = request.client.host if request.client else "unknown"
        wait = await Sessions(desk.redis).login_allowed(username, address)
        if wait is not None:
            response = login_page(request, texts()["login_rate_limited"], 429)
            response.headers["Retry-After"] = str(wait)
            return response
        account = await desk.accounts.verify(username, password)
        if account is None:
            await desk.audit.log(username[:32] or "-", "login_failed", detail=address)
            return login_page(request, texts()["login_failed"], 401)
        token, _ = await Sessions(desk.redis).create(account)
        await desk.audit.log(account.name, "login", detail=address)
        response = RedirectResponse(base(request), status_code=303)
        set_session_cookie(response, request, token)
        return response

    @router.post("/logout")
    async def logout(request: Request, session: Signed) -> Response:
        desk = desk_getter(request)
        await desk.sign_off(session.name)
        await Sessions(desk.redis).end(request.cookies.get(COOKIE))
        await desk.audit.log(session.name, "logout")
        response = JSONResponse({"ok": True})
        clear_session_cookie(response, request)
        return response

    @router.get("", response_class=HTMLResponse)
    async def console(request: Request) -> Response:
        session = await session_of(request, desk_getter(request))
        if session is None:
            return RedirectResponse(f"{base(request)}/login", status_code=303)
        root = base(request)
        html = CONSOLE_PAGE.render(
            t=texts(),
            script_texts=texts(),
            csrf=session.csrf,
            name=session.name,
            supervisor=session.is_supervisor,
            api=f"{root}/api",
            ws_path=f"{root}/ws",
            logout=f"{root}/logout",
            services=service_names(request),
            css_url=CONSOLE_PAGE.asset_url(f"{root}/assets", "console.css"),
            js_url=CONSOLE_PAGE.asset_url(f"{root}/assets", "console.js"),
        )
        return HTMLResponse(html, headers=PAGE_SECURITY_HEADERS)

    @router.get("/assets/{name}")
    async def asset(request: Request, name: str, v: str | None = Query(default=None)) -> Response:
        if name not in PUBLIC_ASSETS and await session_of(request, desk_getter(request)) is None:
            raise HTTPException(401, "login required")
        return CONSOLE_PAGE.asset_response(name, v)

    # --- the queue and the operator's chats --------------------------------------------------

    @router.get("/api/queue")
    async def queue(request: Request, session: Signed) -> list[dict]:
        return [item.as_json() for item in await desk_getter(request).waiting()]

    @router.get("/api/mine")
    async def mine(request: Request, session: Signed) -> list[dict]:
        desk = desk_getter(request)
        found = []
        for conversation in await desk.queue.held(session.name):
            item = await desk.item(conversation)
            record = await desk.handoff(conversation)
            if item is not None:
                found.append(
                    {
                        **item.as_json(),
                        "status": record.get("status"),
                        "label": conversation_label(conversation),
                    }
                )
        return found

    async def visible(desk: "Desk", conversation: str, session: Session) -> dict[str, str]:
        """The hand-off, when this operator may see the conversation: queued, theirs, or any
        for a supervisor."""
        record = await desk.handoff(conversation)
        if not record:
            raise HTTPException(404, "no hand-off for this conversation")
        mine = record.get("operator") == session.name
        if not (session.is_supervisor or mine or record.get("status") == "queued"):
            raise HTTPException(403, "another operator holds this conversation")
        return record

    @router.get("/api/conversations/{conversation_id}")
    async def conversation(
        request: Request, conversation_id: ConversationId, session: Signed
    ) -> dict:
        desk = desk_getter(request)
        await visible(desk, conversation_id, session)
        await desk.audit.log(session.name, "view", conversation_id)
        return await conversation_view(desk, conversation_id, service_names(request))

    @router.get("/api/conversations/{conversation_id}/canned")
    async def canned_for(
        request: Request, conversation_id: ConversationId, session: Signed
    ) -> list[dict]:
        desk = desk_getter(request)
        record = await visible(desk, conversation_id, session)
        service = service_names(request).get(record.get("service") or "", "")
        values = {SERVICE_VARIABLE: service}
        return [
            {"id": c.id, "title": c.title, "text": fill(c.text, values)}
            for c in await CannedResponses(desk.redis).all()
        ]

    @router.post("/api/conversations/{conversation_id}/take")
    async def take(request: Request, conversation_id: ConversationId, session: Signed) -> dict:
        outcome, _ = await desk_getter(request).take(conversation_id, session.name)
        if outcome == "taken":
            return {"taken": True}
        if outcome == "held":
            raise HTTPException(409, "another operator took it first")
        raise HTTPException(404 if outcome == "missing" else 409, f"the hand-off is {outcome}")

    @router.post("/api/conversations/{conversation_id}/messages")
    async def message(
        request: Request, conversation_id: ConversationId, body: Text, session: Signed
    ) -> dict:
        delivered = await desk_getter(request).reply(conversation_id, session.name, body.text)
        if delivered is None:
            raise HTTPException(409, "this conversation is not yours")
        return {"delivered": delivered}

    @router.post("/api/conversations/{conversation_id}/notes")
    async def note(
        request: Request, conversation_id: ConversationId, body: Text, session: Signed
    ) -> dict:
        desk = desk_getter(request)
        await visible(desk, conversation_id, session)
        await desk.note(conversation_id, session.name, body.text)
        return {"ok": True}

    @router.post("/api/conversations/{conversation_id}/typing")
    async def typing(request: Request, conversation_id: ConversationId, session: Signed) -> dict:
        await desk_getter(request).typing(conversation_id, session.name)
        return {"ok": True}

    @router.post("/api/conversations/{conversation_id}/transfer")
    async def transfer(
        request: Request, conversation_id: ConversationId, body: Transfer, session: Signed
    ) -> dict:
        desk = desk_getter(request)
        if body.operator and await desk.accounts.get(body.operator) is None:
            raise HTTPException(404, "no such operator")
        moved = await desk.transfer(
            conversation_id, session.name, colleague=body.operator, skill=body.skill
        )
        if not moved:
            raise HTTPException(409, "this conversation is not yours")
        return {"transferred": True}

    @router.post("/api/conversations/{conversation_id}/close")
    async def close(request: Request, conversation_id: ConversationId, session: Signed) -> dict:
        closed = await desk_getter(request).close(
            conversation_id, session.name, supervisor=session.is_supervisor
        )
        if not closed:
            raise HTTPException(409, "this conversation is not yours or not open")
        return {"closed": True}

    # --- canned responses, callbacks, colleagues ----------------------------------------------

    @router.get("/api/canned")
    async def canned(request: Request, session: Signed) -> list[dict]:
        return [c.model_dump() for c in await CannedResponses(desk_getter(request).redis).all()]

    @router.put("/api/canned/{canned_id}")
    async def put_canned(
        request: Request,
        body: CannedBody,
        session: Supervisor,
        canned_id: str = PathParam(pattern=r"^[a-z0-9-]{1,32}$"),
    ) -> dict:
        desk = desk_getter(request)
        try:
            saved = await CannedResponses(desk.redis).put(Canned(id=canned_id, **body.model_dump()))
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        await desk.audit.log(session.name, "canned_saved", detail=canned_id)
        return saved.model_dump()

    @router.delete("/api/canned/{canned_id}", status_code=204)
    async def delete_canned(
        request: Request,
        session: Supervisor,
        canned_id: str = PathParam(pattern=r"^[a-z0-9-]{1,32}$"),
    ) -> Response:
        desk = desk_getter(request)
        if not await CannedResponses(desk.redis).delete(canned_id):
            raise HTTPException(404, "no such canned response")
        await desk.audit.log(session.name, "canned_deleted", detail=canned_id)
        return Response(status_code=204)

    # --- hand-off rules (supervisors) ---------------------------------------------------------

    @router.get("/api/rules")
    async def rules(request: Request, session: Supervisor) -> list[dict]:
        return [r.model_dump() for r in await Rules(desk_getter(request).redis).all()]

    @router.put("/api/rules/{rule_id}")
    async def put_rule(
        request: Request,
        body: RuleBody,
        session: Supervisor,
        rule_id: str = PathParam(pattern=r"^[a-z0-9-]{1,32}$"),
    ) -> dict:
        desk = desk_getter(request)
        try:
            rule = Rule(id=rule_id, **body.model_dump())
        except ValidationError as exc:
            raise HTTPException(422, exc.errors()[0]["msg"]) from None
        saved = await Rules(desk.redis).put(rule)
        await desk.audit.log(session.name, "rule_saved", detail=rule_id)
        return saved.model_dump()

    @router.delete("/api/rules/{rule_id}", status_code=204)
    async def delete_rule(
        request: Request,
        session: Supervisor,
        rule_id: str = PathParam(pattern=r"^[a-z0-9-]{1,32}$"),
    ) -> Response:
        desk = desk_getter(request)
        if not await Rules(desk.redis).delete(rule_id):
            raise HTTPException(404, "no such rule")
        await desk.audit.log(session.name, "rule_deleted", detail=rule_id)
        return Response(status_code=204)

    @router.get("/api/callbacks")
    async def callbacks(request: Request, session: Signed) -> list[dict]:
        desk = desk_getter(request)
        tasks = [callback_json(task) for task in await desk.callbacks.all()]
        for task in tasks:  # the full number is for the operator who calls; the list masks it
            task["phone_masked"] = mask_phone(task["phone"])
        return tasks

    @router.post("/api/callbacks/{task_id}/attempts")
    async def callback_attempt(
        request: Request,
        body: Attempt,
        session: Signed,
        task_id: str = PathParam(pattern=r"^[a-f0-9]{12}$"),
    ) -> dict:
        desk = desk_getter(request)
        task = await desk.callbacks.attempt(task_id, session.name, body.answered)
        if task is None:
            raise HTTPException(404, "no such callback")
        await desk.audit.log(
            session.name,
            "callback_attempt",
            task.conversation,
            "answered" if body.answered else "no answer",
        )
        return callback_json(task)

    @router.get("/api/colleagues")
    async def colleagues(request: Request, session: Signed) -> dict:
        desk = desk_getter(request)
        online = await desk.queue.online(desk.now_ms())
        groups = node("group")  # a skill is a group of services (the main menu's)
        served = {s for a in await desk.accounts.all() for s in a.skills if s != ALL_SKILLS}
        skills = sorted({*await desk.queue.skills(), *groups.keys(), GENERAL_SKILL, *served})
        return {
            "operators": [n for n in online if n != session.name],
            "skills": [{"id": s, "name": skill_name(s, groups)} for s in skills],
        }

    @router.get("/api/stats")
    async def stats(request: Request, session: Supervisor) -> dict:
        return await supervisor_figures(desk_getter(request))

    @router.get("/api/audit")
    async def audit(request: Request, session: Supervisor) -> list[dict]:
        return await desk_getter(request).audit.recent(200)

    # --- live updates ------------------------------------------------------------------------

    @router.websocket("/ws")
    async def socket(websocket: WebSocket) -> None:
        desk = desk_getter(websocket)
        session = await socket_session(websocket, desk)
        if session is None:
            await websocket.close(code=4401)  # before accepting: the handshake is refused
            return
        account = await desk.accounts.get(session.name)
        if account is None:
            await websocket.close(code=4401)
            return
        subscription = await desk.push.open(BROADCAST, stream_of(session.name))
        await websocket.accept()
        await desk.heartbeat(account)

        async def forward() -> None:
            while True:
                event = await subscription.next()
                if event is not None:
                    await websocket.send_text(json.dumps(event, ensure_ascii=False))

        forwarding = asyncio.create_task(forward())
        try:
            while True:
                raw = await asyncio.wait_for(websocket.receive_text(), SOCKET_IDLE_SECONDS)
                try:
                    data = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                if data.get("type") == "heartbeat":
                    await desk.heartbeat(account)
                elif data.get("type") == "typing" and isinstance(data.get("conversation_id"), str):
                    await desk.typing(data["conversation_id"], session.name)
        except (WebSocketDisconnect, TimeoutError):
            pass
        finally:
            forwarding.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await forwarding
            await subscription.aclose()
            with contextlib.suppress(Exception):
                await websocket.close()

    return router
