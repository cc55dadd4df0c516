"""Deterministic MessagePack: the byte form every digest and signature in glid covers.

Two implementations that follow docs/FORMATS.md ("Canonical MessagePack") produce the
same bytes for the same value, so a record signed here verifies anywhere. Floats are
refused because their text and binary forms do not round-trip; carbon quantities travel
as decimal strings.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgpack

from signing.errors import EncodingError

_packer = msgpack.Packer(use_bin_type=True, strict_types=False, autoreset=True)

INT_MIN = -(2**63)
INT_MAX = 2**64 - 1


def _normalise(value: Any, path: str) -> Any:
    if value is None or isinstance(value, (bool, str, bytes)):
        return value
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise EncodingError(f"{path}: integer {value} is outside the 64-bit range")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise EncodingError(f"{path}: decimal {value} is not finite")
        return str(value)
    if isinstance(value, float):
        raise EncodingError(f"{path}: floats are not allowed; send decimals as strings")
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise EncodingError(f"{path}: map key {key!r} is not a string")
            items.append((key.encode("utf-8"), key, _normalise(item, f"{path}.{key}")))
        items.sort(key=lambda entry: entry[0])
        return {key: item for _, key, item in items}
    if isinstance(value, (list, tuple)):
        return [_normalise(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise EncodingError(f"{path}: type {type(value).__name__} has no canonical form")


def encode(value: Any) -> bytes:
    """Return the canonical MessagePack bytes of a JSON-like value.

    Maps are written with keys in ascending order of their UTF-8 bytes, integers in
    their shortest form, strings as str and bytes as bin; Decimals become their
    string form.
    """
    packed: bytes = _packer.pack(_normalise(value, "$"))
    return packed


def decode(data: bytes) -> Any:
    """Read canonical MessagePack back; raises EncodingError on any malformed input."""
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True)
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as exc:
        raise EncodingError(f"not valid MessagePack: {exc}") from exc
