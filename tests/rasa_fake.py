"""A local stand-in for a Rasa server, on a real socket: `POST /model/parse` answers in Rasa's
shape (what it answers is the test's to say), `POST /conversations/<id>/tracker/events` records
the events posted. It can answer slowly, fail with a status, or be stopped (refused)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit


def rasa_parse(
    text: str, intent: str, confidence: float = 0.93, entities: list[dict] | None = None
) -> dict[str, Any]:
    """Rasa 3's /model/parse answer."""
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "intent_ranking": [
            {"name": intent, "confidence": confidence},
            {"name": "out_of_scope", "confidence": round(1 - confidence, 4)},
        ],
        "response_selector": {},
    }


class FakeRasa:
    def __init__(self) -> None:
        self.parse: Callable[[str], dict[str, Any]] = lambda text: rasa_parse(text, "greet")
        self.status = 200
        self.delay = 0.0
        self.requests: list[tuple[str, dict]] = []  # (path, body)
        self.events: dict[str, list[dict]] = {}  # conversation id → tracker events posted
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeRasa:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                fake.requests.append((self.path, body))  # the query string too
                path = urlsplit(self.path).path
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.status != 200:
                    self._reply(fake.status, {"error": "failing on purpose"})
                elif path == "/model/parse":
                    self._reply(200, fake.parse(body["text"]))
                elif path.startswith("/conversations/") and path.endswith("/tracker/events"):
                    conversation = unquote(path.split("/")[2])
                    posted = body if isinstance(body, list) else [body]
                    fake.events.setdefault(conversation, []).extend(posted)
                    self._reply(200, {"sender_id": conversation, "events": posted})
                else:
                    self._reply(404, {"error": "no such path"})

            def _reply(self, status: int, payload: object) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until `start` again (on the same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
