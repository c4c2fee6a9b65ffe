"""`dost nlu parse` and `dost nlu eval`."""

from __future__ import annotations

import json
import sys

from bot.config import get_settings


def parse_stdin() -> int:
    from dost.interop import configured_nlu

    nlu = configured_nlu(get_settings())
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        print(json.dumps(nlu.parse(text), ensure_ascii=False), flush=True)
    return 0


def evaluate(path: str) -> int:
    from pathlib import Path

    from nlu.evaluate import evaluate_file, format_report

    file = Path(path)
    if not file.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 1
    print(format_report(evaluate_file(file, cache_dir=get_settings().cache_dir)))
    return 0
