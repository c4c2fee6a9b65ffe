"""`dost export rasa DIR` and `dost rasa-actions`: the Rasa edge (interop/rasa, docs/rasa.md)."""

from __future__ import annotations

import sys
from pathlib import Path


def export(directory: str, action_server_url: str) -> int:
    from interop.rasa.export import export_project
    from knowledge.pages import default_page_knowledge
    from knowledge.store import default_passports

    out = Path(directory)
    for path in export_project(out, default_passports(), default_page_knowledge(),
                               action_server_url):  # fmt: skip
        print(path)
    return 0


def actions(host: str, port: int) -> int:
    try:
        from interop.rasa.actions import serve
    except ImportError as error:  # rasa-sdk is an optional extra with its own lock
        print(f"the action server needs the 'rasa' extra ({error.name} is missing): "
              "see docs/rasa.md", file=sys.stderr)  # fmt: skip
        return 1
    return serve(host, port)
