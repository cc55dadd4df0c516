"""What the write path hands the transparency log for each accepted version."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Entry:
    handle: str
    version: int
    record: bytes  # canonical MessagePack of the version's values
    at: int  # the acceptance time (NumericDate), which the record signature's iat also carries
