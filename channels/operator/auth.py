"""Who is calling the console: the session cookie (HttpOnly, SameSite=Strict, Secure outside
localhost), the CSRF token on every unsafe request (header X-CSRF-Token, the page carries it in
<meta name="csrf-token">), and roles. The sessions themselves are the core's
(bot.operators.sessions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request, WebSocket, status
from starlette.requests import HTTPConnection

from bot.operators.sessions import IDLE_SECONDS, Session, Sessions

if TYPE_CHECKING:
    from fastapi import Response

    from bot.operators.desk import Desk

COOKIE = "dost_operator"
COOKIE_PATH = "/operator"
CSRF_HEADER = "X-CSRF-Token"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "testserver"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

DeskGetter = Callable[[HTTPConnection], "Desk"]


def is_local(connection: HTTPConnection) -> bool:
    return (connection.url.hostname or "") in LOCAL_HOSTS


def set_session_cookie(response: Response, connection: HTTPConnection, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=IDLE_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=not is_local(connection),
    )


def clear_session_cookie(response: Response, connection: HTTPConnection) -> None:
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict", secure=not is_local(connection)
    )


async def session_of(connection: HTTPConnection, desk: Desk) -> Session | None:
    return await Sessions(desk.redis).get(connection.cookies.get(COOKIE))


def same_origin(connection: HTTPConnection) -> bool:
    """A WebSocket (or an unsafe request) from another site's page is refused."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-site request (browsers always send it there)
    host = connection.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


def api_session(desk_getter: DeskGetter, *, supervisor: bool = False):
    """A dependency: the caller's session, else 401 (403 for a role they lack, or a missing
    CSRF token on an unsafe method)."""

    async def dependency(request: Request) -> Session:
        session = await session_of(request, desk_getter(request))
        if session is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "login required")
        if request.method not in SAFE_METHODS and (
            not session.csrf_ok(request.headers.get(CSRF_HEADER)) or not same_origin(request)
        ):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing or wrong")
        if supervisor and not session.is_supervisor:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "supervisors only")
        return session

    return dependency


async def socket_session(websocket: WebSocket, desk: Desk) -> Session | None:
    if not same_origin(websocket):
        return None
    return await session_of(websocket, desk)
