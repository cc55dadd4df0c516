"""How commands speak: results on stdout (text or JSON), messages on stderr."""

import json
import sys
from typing import Any

from glid_core.errors import GlidError


class InputError(GlidError):
    """An input file or argument cannot be used."""


class UsageError(InputError):
    """The arguments do not fit together; exits 2, like argparse's own usage errors."""


def error(message: str) -> None:
    print(f"glid: error: {message}", file=sys.stderr)


def note(message: str) -> None:
    print(f"glid: {message}", file=sys.stderr)


def json_text(data: Any) -> str:
    """JSON as every command prints or writes it: UTF-8 text as is, indented, a final
    newline."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def emit_json(data: Any) -> None:
    sys.stdout.write(json_text(data))
