"""TwiML as an HTTP answer to Twilio's webhooks."""

from __future__ import annotations

from fastapi.responses import Response

TWIML_TYPE = "application/xml"


def twiml_response(body: str) -> Response:
    """A call step's TwiML: never cached, each answer is for one step of one call."""
    return Response(body, media_type=TWIML_TYPE, headers={"Cache-Control": "no-store"})
