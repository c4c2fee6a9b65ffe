"""`Outbound` → Telegram messages: HTML-escaped text split at Telegram's 4096 characters on line
boundaries, choices as an inline keyboard under the last piece, a reply keyboard with
`request_contact` when the assistant asks for the phone number."""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.messages import Outbound
from channels.telegram.texts import tg_text

TEXT_LIMIT = 4096  # characters of a message after entity parsing (counted in UTF-16 units)
EMPTY_TEXT = "…"  # Telegram refuses empty messages

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass
class Piece:
    """One Telegram message: its HTML text and its keyboard."""

    html: str
    markup: Markup | None = None

    @property
    def inline(self) -> bool:
        return isinstance(self.markup, InlineKeyboardMarkup)


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting_chars(text: str, limit: int) -> int:
    """How many leading characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def _cut_line(line: str, limit: int) -> list[str]:
    parts = []
    while utf16_len(line) > limit:
        cut = _fitting_chars(line, limit)
        space = line.rfind(" ", 0, cut + 1)
        if space > 0:
            parts.append(line[:space])
            line = line[space + 1 :]
        else:
            parts.append(line[:cut])
            line = line[cut:]
    parts.append(line)
    return parts


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends; a line longer than that at a
    space, a word longer than that anywhere. Blank pieces are dropped."""
    pieces: list[str] = []
    lines: list[str] = []
    size = 0
    for line in text.split("\n"):
        for part in _cut_line(line, limit):
            added = utf16_len(part) + (1 if lines else 0)
            if lines and size + added > limit:
                pieces.append("\n".join(lines))
                lines, size, added = [], 0, utf16_len(part)
            lines.append(part)
            size += added
    if lines:
        pieces.append("\n".join(lines))
    return [p.strip("\n") for p in pieces if p.strip()]


def _per_row(title: str) -> int:
    if len(title) <= 6:
        return 4  # times of day: "09:15"
    if len(title) <= 18:
        return 2
    return 1


def inline_keyboard(buttons: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Buttons as (title, callback_data), in order; neighbours with short titles share a row
    (four times of day, two short words), a long title has its own."""
    rows: list[list[InlineKeyboardButton]] = []
    row_size = 0
    for title, data in buttons:
        size = _per_row(title)
        if not rows or size != row_size or len(rows[-1]) >= size:
            rows.append([])
            row_size = size
        rows[-1].append(InlineKeyboardButton(text=title, callback_data=data))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def contact_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=tg_text("share_contact_button"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=tg_text("contact_placeholder"),
    )


def remove_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


def render(outbound: Outbound, callback_data: list[str]) -> list[Piece]:
    """The messages for one `Outbound`; `callback_data` holds each choice's encoded id."""
    pieces = [Piece(escape(text)) for text in split_text(outbound.shown_text)]
    if not pieces:
        pieces = [Piece(escape(EMPTY_TEXT))]
    if outbound.choices:
        titles = [choice.title for choice in outbound.choices]
        pieces[-1].markup = inline_keyboard(list(zip(titles, callback_data, strict=True)))
    if outbound.request_contact:
        if pieces[-1].markup is None:
            pieces[-1].markup = contact_keyboard()
        else:
            pieces.append(Piece(escape(tg_text("share_contact_prompt")), contact_keyboard()))
    return pieces
