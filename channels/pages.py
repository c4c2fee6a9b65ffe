"""A page of a channel: one Jinja2 template and its static assets, each served with a short
hash of its bytes as the cache-busting `?v=`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Response

TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class Page:
    def __init__(self, directory: Path, template: str, assets: Mapping[str, str]) -> None:
        """`assets`: the public name → the file in `directory`."""
        self.directory = directory
        self.template = template
        self.assets = dict(assets)
        self.asset = cache(self._read)  # (bytes, version), read once per process

    def _read(self, name: str) -> tuple[bytes, str]:
        data = (self.directory / self.assets[name]).read_bytes()
        return data, hashlib.sha256(data).hexdigest()[:12]

    def asset_response(self, name: str, version: str | None) -> Response:
        """The asset, cached for a year when asked for by its current version (`?v=`)."""
        if name not in self.assets:
            raise HTTPException(status_code=404)
        data, current = self.asset(name)
        cache_control = "public, max-age=31536000, immutable" if version == current else "no-cache"
        return Response(
            data,
            media_type=TYPES[Path(self.assets[name]).suffix],
            headers={"Cache-Control": cache_control, "X-Content-Type-Options": "nosniff"},
        )

    def asset_url(self, prefix: str, name: str) -> str:
        return f"{prefix}/{name}?v={self.asset(name)[1]}"

    def render(self, **context: Any) -> str:
        import jinja2

        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.directory),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        return env.get_template(self.template).render(**context)
