"""Reading the package's own factor tables from accounting/data/ (the only I/O here)."""

import csv
import io
import json
from importlib import resources
from typing import Any

from accounting.errors import FieldError


def _text(name: str) -> str:
    return resources.files("accounting").joinpath("data", name).read_text(encoding="utf-8")


def load_json(name: str, expected_format: str) -> dict[str, Any]:
    """Load a data file and check its ``format`` tag, so a stale file fails loudly."""
    data: dict[str, Any] = json.loads(_text(name))
    if data.get("format") != expected_format:
        found = data.get("format")
        raise FieldError(
            f"accounting/data/{name}: format is {found!r}, expected {expected_format!r}"
        )
    return data


def load_csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(name))))
