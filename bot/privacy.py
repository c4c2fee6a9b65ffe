"""Masking of personal data (FIN, phone numbers), and of the Telegram bot's token that Bot API
URLs carry, before anything is logged."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

# A FIN is 7 characters of digits and Latin letters other than I and O, with at least one of
# each; phones are +994 / 0-prefixed Azerbaijani numbers in their usual spellings.
_FIN = re.compile(
    r"\b(?=[0-9A-HJ-NP-Z]*\d)(?=[0-9A-HJ-NP-Z]*[A-HJ-NP-Z])[0-9A-HJ-NP-Z]{7}\b", re.IGNORECASE
)
# Fields the logger itself adds: never personal data, and timestamps look like FINs.
SAFE_KEYS = frozenset({"timestamp", "level", "logger"})
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)?(?:994[\s\-().]*)?0?\d{2}[\s\-().]*\d{3}[\s\-.]*\d{2}[\s\-.]*\d{2}\b"
)

# Bot API URLs hold the token (".../bot123456:AA…/sendMessage"), and HTTP clients log URLs.
_BOT_TOKEN = re.compile(r"(?<!\d)\d{5,16}:[A-Za-z0-9_-]{30,}")


def mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"***{digits[-2:]}"


def mask_pii(text: str) -> str:
    """Replace FINs and phone numbers in free text; keeps the last two phone digits. Text that
    is URL-encoded (a path, a query: "%2B994…", "050+123+45+67") is masked decoded when that
    finds something the raw text hides."""
    masked = _mask_plain(text)
    if "%" in text or "+" in text:
        decoded = unquote_plus(text)
        if decoded != text:
            masked_decoded = _mask_plain(decoded)
            if masked_decoded != decoded:
                return masked_decoded
    return masked


def _mask_plain(text: str) -> str:
    text = _BOT_TOKEN.sub("<bot-token>", text)
    text = _PHONE.sub(mask_phone, text)
    return _FIN.sub("*******", text)


def mask_value(value: object) -> object:
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v) for v in value]
    return value
