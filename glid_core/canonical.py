"""Deterministic MessagePack: the byte form every digest and signature in glid covers.

Two implementations that follow docs/FORMATS.md ("Canonical MessagePack") produce the
same bytes for the same value, so a record signed here verifies anywhere. Floats are
refused because their text and binary forms do not round-trip; carbon quantities travel
as decimal strings.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

import msgpack

from glid_core.errors import EncodingError

_packer = msgpack.Packer(use_bin_type=True, strict_types=False, autoreset=True)

INT_MIN = -(2**63)
INT_MAX = 2**64 - 1


class _Refusal(Exception):
    """A value with no canonical form; carries the path back up to :func:`encode`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.segments: list[str] = []


_PLAIN = frozenset({str, bool, bytes, type(None)})


def _normalise(value: Any) -> Any:
    # Exact-type checks first: this runs once per node of every record value that is
    # digested, so the common JSON shapes must not pay for the isinstance chain.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return _normalise_map(value)
    if kind is list:
        return _normalise_list(value)
    if kind is int:
        return _checked_int(value)
    if isinstance(value, (bool, str, bytes)):
        return value
    if isinstance(value, int):
        return _checked_int(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _Refusal(f"decimal {value} is not finite")
        return str(value)
    if isinstance(value, float):
        raise _Refusal("floats are not allowed; send decimals as strings")
    if isinstance(value, Mapping):
        return _normalise_map(value)
    if isinstance(value, tuple):
        return _normalise_list(value)
    raise _Refusal(f"type {type(value).__name__} has no canonical form")


def _checked_int(value: int) -> int:
    if not INT_MIN <= value <= INT_MAX:
        raise _Refusal(f"integer {value} is outside the 64-bit range")
    return value


def _normalise_map(value: Mapping[Any, Any]) -> dict[str, Any]:
    normalised: dict[str, Any] = {}
    for key, item in value.items():
        if type(key) is not str and not isinstance(key, str):
            raise _Refusal(f"map key {key!r} is not a string")
        kind = type(item)
        if kind in _PLAIN or (kind is int and INT_MIN <= item <= INT_MAX):
            normalised[key] = item
            continue
        try:
            normalised[key] = _normalise(item)
        except _Refusal as refusal:
            refusal.segments.append(f".{key}")
            raise
    # Code-point order of str equals the byte order of their UTF-8 forms, so sorting the
    # str keys gives the documented UTF-8 byte order without encoding each key. Keys are
    # unique, so the pairs compare by key alone.
    return dict(sorted(normalised.items()))


def _normalise_list(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    out = []
    for i, item in enumerate(value):
        try:
            out.append(_normalise(item))
        except _Refusal as refusal:
            refusal.segments.append(f"[{i}]")
            raise
    return out


def encode(value: Any) -> bytes:
    """Return the canonical MessagePack bytes of a JSON-like value.

    Maps are written with keys in ascending order of their UTF-8 bytes, integers in
    their shortest form, strings as str and bytes as bin; Decimals become their
    string form.
    """
    try:
        normalised = _normalise(value)
    except _Refusal as refusal:
        path = "$" + "".join(reversed(refusal.segments))
        raise EncodingError(f"{path}: {refusal.reason}") from None
    packed: bytes = _packer.pack(normalised)
    return packed


_SCALARS = frozenset({str, bool, type(None)})

# encode_value_fields' fast form, written piece by piece. The five members in canonical key
# order are data, index, timestamp, ttl, type; data's two are format, value. So the map is
# _VALUE_HEAD, format, "value", the value itself, then index, timestamp, ttl and type,
# which repeat across the values of a bulk import (the same fields, stamped in the same
# second) and are packed once for all of them.
_VALUE_HEAD = b"\x85\xa4data\x82\xa6format"
_VALUE_KEY = b"\xa5value"


@lru_cache(maxsize=256)
def _format_part(fmt: str) -> bytes:
    packed: bytes = _packer.pack(fmt)
    return packed + _VALUE_KEY


@lru_cache(maxsize=4096)
def _value_tail(index: int, timestamp: str, ttl: int, type_: str) -> bytes:
    pack = _packer.pack
    members = [b"\xa5index", pack(index), b"\xa9timestamp", pack(timestamp)]
    members += [b"\xa3ttl", pack(ttl), b"\xa4type", pack(type_)]
    return b"".join(members)


def encode_value_fields(data: Any, index: Any, timestamp: Any, ttl: Any, type_: Any) -> bytes:
    """``encode({"data", "index", "timestamp", "ttl", "type"})``, the bytes a record value's
    digest covers, with a fast path for the shape nearly every value has.

    When ``data`` is ``{"format": str, "value": scalar or {str: str}}`` and the other members
    have exactly their usual types, the map is written from its parts in canonical order,
    skipping the general walk; any other shape takes :func:`encode`. Both give the same bytes.
    """
    if (
        type(data) is dict
        and len(data) == 2
        and type(type_) is str
        and type(timestamp) is str
        and type(index) is int
        and type(ttl) is int
        and INT_MIN <= index <= INT_MAX
        and INT_MIN <= ttl <= INT_MAX
    ):
        fmt = data.get("format")
        value = data.get("value", _packer)  # _packer marks "absent": it has no canonical form
        kind = type(value)
        if type(fmt) is str:
            if kind in _SCALARS or (kind is int and INT_MIN <= value <= INT_MAX):
                packed: bytes = _packer.pack(value)
            elif kind is dict and all(
                type(key) is str and type(item) is str for key, item in value.items()
            ):
                packed = _packer.pack(dict(sorted(value.items())))
            else:
                packed = b""
            if packed:
                return (
                    _VALUE_HEAD
                    + _format_part(fmt)
                    + packed
                    + _value_tail(index, timestamp, ttl, type_)
                )
    return encode({"data": data, "index": index, "timestamp": timestamp, "ttl": ttl, "type": type_})


def encode_scalar_map(value: dict[str, Any]) -> bytes:
    """``encode(value)`` for a flat map, fast when the caller built it with its keys already
    in canonical order and every member a str, bytes, bool, None or 64-bit integer (a log
    leaf, for one). Such a map is packed as it stands; any other takes :func:`encode`."""
    previous = ""
    for key, item in value.items():
        kind = type(item)
        if (
            type(key) is not str
            or key <= previous
            or not (kind in _PLAIN or (kind is int and INT_MIN <= item <= INT_MAX))
        ):
            return encode(value)
        previous = key
    packed: bytes = _packer.pack(value)
    return packed


def join_array(items: Sequence[bytes]) -> bytes:
    """The canonical array of items that are each already canonical bytes.

    ``join_array([encode(a), encode(b)]) == encode([a, b])``: an array is its header
    followed by its items, so a caller that needs each item's bytes anyway (to digest
    them) never encodes the whole twice.
    """
    header: bytes = _packer.pack_array_header(len(items))
    return header + b"".join(items)


def decode(data: bytes) -> Any:
    """Read canonical MessagePack back; raises EncodingError on any malformed input."""
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True)
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as exc:
        raise EncodingError(f"not valid MessagePack: {exc}") from exc
