"""Rendering for Telegram without a network: splitting, escaping, keyboards, callback data."""

from __future__ import annotations

from bot.messages import Choice, Outbound
from bot.redis_conn import connect
from channels.telegram.callback_data import CallbackCodec
from channels.telegram.render import escape, inline_keyboard, render, split_text, utf16_len
from channels.telegram.texts import tg_text


def test_short_text_is_one_piece() -> None:
    assert split_text("Salam!\nNecə kömək edə bilərəm?") == ["Salam!\nNecə kömək edə bilərəm?"]


def test_split_keeps_lines_whole() -> None:
    text = "\n".join(["a" * 40] * 10)  # 409 characters
    pieces = split_text(text, limit=100)
    assert all(len(p) <= 100 for p in pieces)
    assert all(set(line) == {"a"} and len(line) == 40 for p in pieces for line in p.split("\n"))
    assert "\n".join(pieces) == text


def test_a_line_longer_than_the_limit_is_cut_at_spaces_then_anywhere() -> None:
    assert split_text(" ".join(["söz"] * 30), limit=20) == ["söz söz söz söz söz"] * 6
    assert split_text("x" * 45, limit=20) == ["x" * 20, "x" * 20, "x" * 5]


def test_length_is_counted_as_telegram_does() -> None:
    emoji = "📌" * 3000  # 2 UTF-16 units each: 6000 units
    pieces = split_text(emoji)
    assert [utf16_len(p) for p in pieces] == [4096, 6000 - 4096]
    assert "".join(pieces) == emoji


def test_blank_pieces_are_dropped() -> None:
    assert split_text("\n\n\n") == []
    assert split_text("a\n\n\nb", limit=1) == ["a", "b"]


def test_escape() -> None:
    assert escape('<b>"x" & y</b>') == '&lt;b&gt;"x" &amp; y&lt;/b&gt;'


def test_buttons_share_rows_by_title_length() -> None:
    times = [(f"{h:02d}:00", f"bt:{h}") for h in range(9, 15)]
    markup = inline_keyboard(
        [*times, ("Digər vaxtlar", "bm"), ("Əməkdaşla danışmaq istəyirəm", "h")]
    )
    rows = [[b.text for b in row] for row in markup.inline_keyboard]
    assert rows == [
        ["09:00", "10:00", "11:00", "12:00"],
        ["13:00", "14:00"],
        ["Digər vaxtlar"],
        ["Əməkdaşla danışmaq istəyirəm"],
    ]


def test_render_puts_the_keyboard_under_the_last_piece() -> None:
    out = Outbound(text="a\n" * 3000, choices=[Choice(id="y", title="Bəli")])
    pieces = render(out, ["y"])
    assert len(pieces) == 2 and pieces[0].markup is None and pieces[1].inline


def test_render_asks_for_the_contact_with_a_reply_keyboard() -> None:
    (piece,) = render(Outbound(text="Nömrənizi paylaşın", request_contact=True), [])
    (button,) = piece.markup.keyboard[0]
    assert button.request_contact and button.text == tg_text("share_contact_button")
    assert piece.markup.one_time_keyboard and piece.markup.resize_keyboard


async def test_callback_data_fits_64_bytes(redis_url: str) -> None:
    redis = connect(redis_url)
    codec = CallbackCodec(redis, ttl_seconds=60)
    try:
        short = "bt:2026-11-23T10:00:00+04:00"
        long_ascii = "s:" + "x" * 70
        long_letters = "s:" + "ə" * 31  # 64 bytes: over the 60 kept for safety
        tilde = "~starts-like-a-token"
        encoded = await codec.encode([short, long_ascii, long_letters, tilde])
        assert encoded[0] == short
        assert all(len(e.encode()) <= 64 for e in encoded)
        assert all(e.startswith("~") for e in encoded[1:])
        assert [await codec.decode(e) for e in encoded] == [short, long_ascii, long_letters, tilde]
        assert await codec.encode([long_ascii]) == [encoded[1]]  # the same id, the same token
        assert 0 < await redis.ttl(f"dost:tg:cb:{encoded[1][1:]}") <= 60
        assert await codec.decode("~unknown") is None
        assert await codec.decode("") is None
    finally:
        await redis.aclose()
