"""Rasa's tracker, as far as a hand-off needs it: `resume` a conversation the action server
paused (`POST {RASA_URL}/conversations/{sender id}/tracker/events`), when the operator closes it.
The chats are "rasa:<sender id>" in the operators' queue (interop/rasa/actions.py)."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from bot.logs import get_logger

log = get_logger("dost.rasa.tracker")

PREFIX = "rasa:"


class RasaTracker:
    def __init__(self, url: str, token: str | None = None, timeout_seconds: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.params = {"token": token} if token else {}  # Rasa's --auth-token, if it runs with one
        self.timeout_seconds = timeout_seconds

    async def resume(self, sender_id: str) -> bool:
        """Rasa's `resume` event on the conversation; False (logged) when Rasa refused it."""
        url = f"{self.url}/conversations/{quote(sender_id, safe='')}/tracker/events"
        try:
            async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
                response = await client.post(url, params=self.params, json={"event": "resume"})
                response.raise_for_status()
        except httpx.HTTPError as error:
            log.error("rasa conversation not resumed", sender=sender_id, reason=str(error))
            return False
        log.info("rasa conversation resumed", sender=sender_id)
        return True

    async def on_close(self, conversation: str, record: dict[str, str]) -> None:
        """The desk's close hook: only chats that came from Rasa go back to it."""
        if conversation.startswith(PREFIX):
            await self.resume(conversation.removeprefix(PREFIX))
