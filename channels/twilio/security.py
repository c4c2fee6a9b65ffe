"""Every request from Twilio is checked: its X-Twilio-Signature must be the HMAC of the URL Twilio
called and the POST parameters, keyed with the account's auth token (Twilio's RequestValidator).

The URL is the public one: `PUBLIC_BASE_URL` + the path + the query when that setting is given
(a proxy in front changes scheme, host and port, but not what Twilio signed). Only without it is
the URL rebuilt from the request, taking X-Forwarded-Proto / X-Forwarded-Host into account.
Anything that does not validate gets 403 before any state is read or changed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from twilio.request_validator import RequestValidator

from bot.logs import get_logger

log = get_logger("dost.twilio.security")
SIGNATURE_HEADER = "X-Twilio-Signature"


def public_origin(request: Request, public_base_url: str | None) -> str:
    """scheme://host[:port][/prefix] under which Twilio reaches this service."""
    if public_base_url:
        return public_base_url.rstrip("/")
    headers = request.headers
    scheme = headers.get("x-forwarded-proto", "").split(",")[0].strip() or request.url.scheme
    host = (
        headers.get("x-forwarded-host", "").split(",")[0].strip()
        or headers.get("host")
        or request.url.netloc
    )
    return f"{scheme}://{host}"


def public_url(request: Request, public_base_url: str | None) -> str:
    """The full URL Twilio called (what it signed): origin + path + query."""
    origin = public_origin(request, public_base_url)
    path = request.url.path
    prefix = urlsplit(origin).path.rstrip("/")
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]  # the proxy passed the prefix through: do not count it twice
    query = request.url.query
    return f"{origin}{path}" + (f"?{query}" if query else "")


class Signatures:
    """Twilio's RequestValidator for one auth token; `sign` computes what Twilio would send."""

    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)

    def sign(self, url: str, params: dict[str, str]) -> str:
        return self.validator.compute_signature(url, params)

    def valid(self, url: str, params: dict[str, str], signature: str) -> bool:
        return bool(signature) and self.validator.validate(url, params, signature)

    async def verify(self, request: Request, public_base_url: str | None) -> dict[str, str]:
        """The request's form parameters if it is signed by Twilio; 403 otherwise."""
        try:
            form = await request.form()
        except Exception:  # a body that is not a form: it cannot be Twilio's
            form = None
        params = {k: v for k, v in form.items() if isinstance(v, str)} if form is not None else {}
        if form is not None and len(params) != len(form.multi_items()):
            params = {}  # repeated or file fields: never sent by Twilio's webhooks
            form = None
        url = public_url(request, public_base_url)
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if form is None or not self.valid(url, params, signature):
            log.warning("twilio request rejected", path=request.url.path, signed=bool(signature))
            raise HTTPException(status_code=403, detail="invalid Twilio signature")
        return params
