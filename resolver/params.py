"""Query parameters read strictly: numbers in ASCII digits within a range, times in one form.

``str.isdigit`` accepts superscripts and other scripts' digits ("²", "١") that ``int``
either refuses or reads as something the client did not write, and SQLite holds integers
only up to 2**63 - 1; a parameter outside these rules is refused with its name and the
accepted form rather than turned into a server error or a silent guess.
"""

import re
from datetime import datetime

from resolver.errors import BadParameter

MAX_NUMBER = 2**63 - 1
_MAX_DIGITS = len(str(MAX_NUMBER))
_SHOWN = 40  # how much of a bad value an error message repeats
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)


def number(name: str, text: str, maximum: int = MAX_NUMBER) -> int:
    """``text`` as a whole number from 0 to ``maximum``, written in ASCII digits."""
    if not text.isascii() or not text.isdigit() or len(text) > _MAX_DIGITS or int(text) > maximum:
        raise BadParameter(
            f"{name}= must be a whole number from 0 to {maximum} in ASCII digits,"
            f" got {text[:_SHOWN]!r}"
        )
    return int(text)


def moment(name: str, text: str) -> str:
    """``text`` as a UTC time in the form record versions are stamped with."""
    if _MOMENT.fullmatch(text) is None:
        raise BadParameter(
            f"{name}= must be a UTC time such as 2026-01-31T12:00:00Z, got {text[:_SHOWN]!r}"
        )
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError as exc:
        raise BadParameter(f"{name}= is not a real time: {text!r}") from exc
    return text
