"""`Authorization: Bearer <API key>` for everything but the public chat."""

from __future__ import annotations

from fastapi import HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.apikeys import key_name

_bearer = HTTPBearer(auto_error=False, description="An API key from `dost apikeys create`")


async def require_api_key(request: Request) -> str:
    credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "an API key is required (Authorization: Bearer ...)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    name = await key_name(request.app.state.redis, credentials.credentials)
    if name is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "invalid API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return name
