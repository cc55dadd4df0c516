"""What the write path hands the transparency log for each accepted version."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Entry:
    handle: str
    version: int
    record: bytes  # canonical MessagePack of the version's values
    at: datetime  # the acceptance time, which the record signature's iat also carries
