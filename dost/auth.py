"""`Authorization: Bearer <API key>` for everything but the public chat; per-key rate limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.apikeys import ApiKey, lookup
from bot.ratelimit import RateLimit, hit_rate_limits

_bearer = HTTPBearer(auto_error=False, description="An API key from `dost apikeys create`")
RATE_WINDOW_SECONDS = 60


async def require_key(request: Request) -> ApiKey:
    credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "an API key is required (Authorization: Bearer ...)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    found = await lookup(request.app.state.redis, credentials.credentials)
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "invalid API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return found


async def require_api_key(request: Request) -> str:
    return (await require_key(request)).name


async def rate_limited_key(
    request: Request, key: Annotated[ApiKey, Depends(require_key)]
) -> ApiKey:
    """The key, counted against its requests a minute: 429 with Retry-After beyond them."""
    limit = key.rate_per_minute or request.app.state.settings.api_rate_per_minute
    wait = await hit_rate_limits(
        request.app.state.redis,
        [RateLimit(f"dost:apirate:{key.digest}", limit, RATE_WINDOW_SECONDS)],
    )
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"more than {limit} requests a minute with this key",
            headers={"Retry-After": str(wait)},
        )
    return key
