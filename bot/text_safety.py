"""Text from outside made safe to keep: what a person sends may hold a lone surrogate (which no
UTF-8 encoder takes: the transcript's save would fail), NUL or other control characters."""

from __future__ import annotations

import re

# C0 controls but tab, newline and carriage return; DEL and the C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(text: str) -> str:
    """Lone surrogates become U+FFFD, control characters go; everything else is kept."""
    if text.isprintable():  # the common case, in C
        return text
    return _CONTROLS.sub("", _SURROGATES.sub(REPLACEMENT, text))
