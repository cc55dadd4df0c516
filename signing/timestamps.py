"""JWT NumericDate handling: every time inside a signed claim is whole seconds since 1970 UTC."""

import time
from datetime import UTC, datetime
from functools import lru_cache

from glid_core.errors import GlidError


def numeric_date(value: int | datetime) -> int:
    """Seconds since the epoch for an int or an aware datetime; naive datetimes are refused
    because their zone would be guessed differently by each node."""
    if isinstance(value, bool):
        raise GlidError("a time must be an int of seconds or an aware datetime, not a bool")
    if isinstance(value, int):
        return value
    if value.tzinfo is None:
        raise GlidError(f"time {value.isoformat()} has no time zone; pass an aware datetime")
    return int(value.timestamp())


FIRST_SECOND = -62135596800
"""0001-01-01T00:00:00Z, the first second RFC 3339 can write."""
LAST_SECOND = 253402300799
"""9999-12-31T23:59:59Z, the last second RFC 3339 can write."""


def in_calendar(seconds: int) -> bool:
    """Whether ``seconds`` falls in the years 1 to 9999: a time outside them dates nothing
    real, and :func:`iso` cannot write it, so a verifier refuses it where it reads it."""
    return FIRST_SECOND <= seconds <= LAST_SECOND


def now() -> int:
    """The current time as a NumericDate."""
    return int(time.time())


@lru_cache(maxsize=4096)
def iso(seconds: int) -> str:
    """RFC 3339 UTC text for messages an operator reads."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
