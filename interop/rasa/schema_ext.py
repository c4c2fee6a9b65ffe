"""The pykwalify extension Rasa's responses schema names (`func: require_response_keys`),
written as Rasa's own: a response variation must say something (text, an image, buttons, a
custom payload or an attachment). Loaded by pykwalify from this file's path (tests)."""

from __future__ import annotations

from typing import Any

SAYS_SOMETHING = ("text", "image", "custom", "buttons", "attachment")


def require_response_keys(responses: list[dict[str, Any]], _rule: Any, _path: Any) -> bool:
    for response in responses:
        if not isinstance(response, dict):
            continue  # the schema's own rules report it
        if response.get("text") is None and not any(response.get(k) for k in SAYS_SOMETHING):
            from pykwalify.errors import SchemaError

            raise SchemaError("Missing 'text' or 'custom' key in response or null 'text' value")
    return True
