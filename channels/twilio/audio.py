"""Azerbaijani audio prompts for `<Play>`: Twilio has no Azerbaijani `<Say>` voice.

A prompt's key is `sha256(text)[:24]` (hex) of the exact text spoken. On first use the text is
rendered with espeak-ng's `az` voice and converted with sox to 8 kHz mono μ-law WAV (what the
telephone network carries), in a worker thread so the event loop is not blocked, and cached as
`DOST_DATA_DIR/cache/audio/<key>.wav` next to `<key>.txt` holding the text (so anyone can find a
prompt's key, and tests can check what a URL says). A studio recording saved as
`DOST_DATA_DIR/recordings/<key>.wav` replaces the synthetic voice for that text.

When espeak-ng or sox is missing or fails, `ensure` returns None and logs a warning; the voice
channel then falls back to `<Say>` for that prompt.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from bot.logs import get_logger
from channels.twilio.voice_speech import WORDS_PER_MINUTE

log = get_logger("dost.twilio.audio")

KEY_PATTERN = re.compile(r"^[0-9a-f]{24}$")
RENDER_TIMEOUT_SECONDS = 30
WAV_HEADER_BYTES = 512  # enough for the RIFF, fmt and fact chunks before the data


def audio_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


class AudioPrompts:
    def __init__(
        self,
        data_dir: Path,
        *,
        espeak: str = "espeak-ng",
        sox: str = "sox",
        voice: str = "az",
        words_per_minute: int = WORDS_PER_MINUTE,
    ) -> None:
        self.cache_dir = Path(data_dir) / "cache" / "audio"
        self.recordings_dir = Path(data_dir) / "recordings"
        self.espeak = espeak
        self.sox = sox
        self.voice = voice
        self.words_per_minute = words_per_minute

    def path(self, key: str) -> Path | None:
        """The audio file for a key: the studio recording if there is one, else the rendered."""
        if not KEY_PATTERN.match(key):
            return None
        for candidate in (self.recordings_dir / f"{key}.wav", self.cache_dir / f"{key}.wav"):
            if candidate.is_file():
                return candidate
        return None

    def text_of(self, key: str) -> str | None:
        if not KEY_PATTERN.match(key):
            return None
        try:
            return (self.cache_dir / f"{key}.txt").read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    async def ensure(self, text: str) -> str | None:
        """The key of `text`'s audio, rendering it first if needed; None if it cannot be made."""
        key = audio_key(text)
        if self.path(key) is not None and (self.cache_dir / f"{key}.txt").is_file():
            return key
        try:
            await asyncio.to_thread(self._render, text, key)
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning(
                "audio prompt not rendered; falling back to <Say>",
                key=key,
                error=f"{type(exc).__name__}: {exc}",
            )
            return None
        return key

    def _render(self, text: str, key: str) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._write_atomic(self.cache_dir / f"{key}.txt", text.encode("utf-8"))
        if self.path(key) is not None:
            return  # a studio recording, or rendered by another worker meanwhile
        with tempfile.TemporaryDirectory(prefix="dost-tts-") as tmp:
            raw, converted = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
            subprocess.run(
                [
                    self.espeak,
                    "-v",
                    self.voice,
                    "-s",
                    str(self.words_per_minute),
                    "-b",
                    "1",
                    "-w",
                    str(raw),
                    "--stdin",
                ],
                input=text.encode("utf-8"),
                check=True,
                capture_output=True,
                timeout=RENDER_TIMEOUT_SECONDS,
            )
            subprocess.run(
                [self.sox, str(raw), "-r", "8000", "-c", "1", "-e", "mu-law", str(converted)],
                check=True,
                capture_output=True,
                timeout=RENDER_TIMEOUT_SECONDS,
            )
            self._write_atomic(self.cache_dir / f"{key}.wav", converted.read_bytes())

    async def seconds(self, text: str) -> float | None:
        """How long `text` takes as the line plays it (rendered first if need be); None when
        its audio cannot be made."""
        key = await self.ensure(text)
        path = None if key is None else self.path(key)
        if path is None:
            return None
        with path.open("rb") as f:
            return wav_seconds(f.read(WAV_HEADER_BYTES), path.stat().st_size)

    @staticmethod
    def _write_atomic(target: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def wav_seconds(head: bytes, file_size: int) -> float | None:
    """The duration of a WAV file from its first bytes: the data chunk's size (at most what
    the file holds) over the byte rate of the fmt chunk (Python's `wave` reads only PCM; the
    prompts are μ-law)."""
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    byte_rate, pos = None, 12
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        if chunk == b"fmt ":
            byte_rate = int.from_bytes(head[pos + 16 : pos + 20], "little")
        elif chunk == b"data" and byte_rate:
            return min(size, file_size - pos - 8) / byte_rate
        pos += 8 + size + (size & 1)
    return None


def audio_router(prompts: AudioPrompts) -> APIRouter:
    """GET /audio/<key>.wav: only keys of existing prompts; nothing else on disk is reachable."""
    router = APIRouter()

    @router.get("/audio/{name}", include_in_schema=False)
    async def audio(name: str) -> FileResponse:
        key, dot, ext = name.partition(".")
        path = prompts.path(key) if dot and ext == "wav" else None
        if path is None:
            raise HTTPException(status_code=404)
        return FileResponse(
            path, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"}
        )

    return router
