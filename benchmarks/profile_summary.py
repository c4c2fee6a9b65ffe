"""Summarize py-spy's collapsed stacks (`--format raw`): the share of samples per function,
inclusive (on the stack) and self (on top), and per area of the code.

Run: .venv/bin/python benchmarks/profile_summary.py benchmarks/profiles/before/web-200-*.txt
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

AREAS = [  # a sample counts for the first area with a frame anywhere on its stack
    ("Redis client (and the socket writes under it)", re.compile(r"[(/]redis/")),
    ("NLU", re.compile(r"[(/]nlu/|sklearn|scipy|numpy|rapidfuzz")),
    ("logging", re.compile(r"structlog|[(/]logging/|bot/logs|bot/privacy")),
    ("pydantic", re.compile(r"pydantic")),
    ("Telegram client (aiogram, aiohttp)", re.compile(r"aiogram|aiohttp")),
    ("application code", re.compile(r"[(/](bot|channels|knowledge|dost)/")),
    ("HTTP framework", re.compile(r"fastapi|starlette|uvicorn|h11|httptools|anyio")),
]


def frames(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rstrip().rpartition(" ")
    return stack.split(";"), int(count)


def main(paths: list[str]) -> None:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    for path in paths:
        for line in Path(path).read_text().splitlines():
            if not line.strip():
                continue
            stack, count = frames(line)
            total += count
            for frame in set(stack):
                inclusive[frame] += count
            own[stack[-1]] += count
            area = next((name for name, rx in AREAS if any(rx.search(f) for f in stack)),
                        "other (event loop)")  # fmt: skip
            areas[area] += count
    print(f"{total} samples")
    print("\nby area (the first in this order with a frame on the sample's stack):")
    for name, count in areas.most_common():
        print(f"  {100 * count / total:5.1f} %  {name}")
    print("\ninclusive (top 40):")
    for frame, count in inclusive.most_common(40):
        print(f"  {100 * count / total:5.1f} %  {frame}")
    print("\nself (top 25):")
    for frame, count in own.most_common(25):
        print(f"  {100 * count / total:5.1f} %  {frame}")


if __name__ == "__main__":
    main(sys.argv[1:])
