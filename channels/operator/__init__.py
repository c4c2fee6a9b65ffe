"""The operator console at /operator: login, the queue, conversations, the supervisor's view,
a JSON API for the page and a WebSocket for live updates (see console.py)."""

from channels.operator.console import operator_router

__all__ = ["operator_router"]
