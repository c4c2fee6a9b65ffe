"""The knowledge base on disk: one YAML per passport; curated sections survive re-imports."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

from knowledge.build import apply_partial_marks
from knowledge.model import Passport

PASSPORTS_DIR = Path(__file__).resolve().parent / "passports"


def passport_path(passport_id: str, directory: Path = PASSPORTS_DIR) -> Path:
    return directory / f"{passport_id}.yaml"


def load_passport(path: Path) -> Passport:
    return Passport.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_passports(directory: Path = PASSPORTS_DIR) -> dict[str, Passport]:
    passports = [load_passport(p) for p in sorted(directory.glob("*.yaml"))]
    return {p.id: p for p in passports}


@cache
def default_passports() -> dict[str, Passport]:
    """The packaged knowledge base, read once per process."""
    return load_passports(PASSPORTS_DIR)


def dump_passport(passport: Passport) -> str:
    data = passport.model_dump(mode="json", exclude_none=True)
    for field in data["fields"].values():
        if not field.get("options"):
            field.pop("options", None)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def merge_curated(imported: Passport, directory: Path) -> Passport:
    """The imported facts with the curated section of the existing file, if any, and the
    curated marks of fields the source showed only in part applied to them."""
    existing = passport_path(imported.id, directory)
    if existing.exists():
        imported.curated = load_passport(existing).curated
    return apply_partial_marks(imported)


def write_passports(passports: Iterable[Passport], directory: Path) -> list[Path]:
    """Write each passport atomically (temp file + rename): a crash leaves no half file."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for passport in passports:
        target = passport_path(passport.id, directory)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{passport.id}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(dump_passport(passport))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
