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


def now() -> int:
    """The current time as a NumericDate."""
    return int(time.time())


@lru_cache(maxsize=4096)
def iso(seconds: int) -> str:
    """RFC 3339 UTC text for messages an operator reads."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
