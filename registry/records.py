"""Handle-style record values and whole records.

A record is a list of typed values ``{index, type, data: {format, value}, ttl, timestamp}``
whose JSON form is exactly the Handle.Net REST API's ``values`` array, so Handle tools can
read glid answers unchanged. The byte form that digests, signatures and the store use is
the canonical MessagePack of that same JSON form (docs/formats/records.md).
"""

import hashlib
import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from glid_core import canonical
from glid_core.errors import EncodingError
from glid_core.layout import (
    DEFAULT_TTL,
    MAX_FORMAT,
    MAX_INDEX,
    MAX_RECORD_BYTES,
    MAX_TYPE,
    MAX_VALUES,
    SIGNATURE_TYPE,
)
from registry.errors import DamagedRecord, RecordError
from signing.record_signature import digest_text

MAX_VALUE_DEPTH = 16  # arrays and objects nested inside one value's data.value
_JSON_TYPES = "text, whole numbers, true/false, null, arrays and objects with text keys"


def unreadable(value: Any) -> str | None:
    """Why ``value`` (a value's ``data.value``) could not be served by every read path,
    or None if it can.

    Native JSON, Handle REST and MessagePack answers must all encode what the write path
    accepts, so a value holds exactly the JSON types: no MessagePack bin or ext, no floats
    (their text and binary forms do not round-trip), integers in the 64-bit range both
    encoders write, text that is UTF-8, and at most MAX_VALUE_DEPTH levels of nesting. The
    walk is iterative, so a hostile nesting depth cannot exhaust the interpreter's stack.
    """
    pending: list[tuple[Any, int, str]] = [(value, 0, "value")]
    while pending:
        item, depth, where = pending.pop()
        kind = type(item)
        if kind is str:
            if not (item.isascii() or _utf8(item)):
                return f"{where} is not UTF-8 text"
        elif kind is int:
            if not canonical.INT_MIN <= item <= canonical.INT_MAX:
                return f"{where} is outside the 64-bit integer range"
        elif kind is bool or item is None:
            continue
        elif kind is dict or kind is list:
            if depth >= MAX_VALUE_DEPTH:
                return f"{where} nests deeper than {MAX_VALUE_DEPTH} levels"
            if kind is list:
                pending.extend((x, depth + 1, f"{where}[{i}]") for i, x in enumerate(item))
                continue
            for key, member in item.items():
                if type(key) is not str or not (key.isascii() or _utf8(key)):
                    return f"{where} has a key that is not UTF-8 text"
                pending.append((member, depth + 1, f"{where}.{key}"))
        elif kind is float:
            return f"{where}: floats are not allowed; send decimals as strings"
        else:
            return f"{where} is {kind.__name__}; a value holds only {_JSON_TYPES}"
    return None


def _printable(text: str) -> str:
    """Refuse control characters in a value's type or format: they name things."""
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
        raise ValueError("must not contain control characters")
    return text


class ValueData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Annotated[str, Field(min_length=1, max_length=MAX_FORMAT)]
    value: Any

    @field_validator("value")
    @classmethod
    def _readable(cls, value: Any) -> Any:
        reason = unreadable(value)
        if reason is not None:
            raise ValueError(reason)
        return value

    _format = field_validator("format")(_printable)


class HandleValue(BaseModel):
    """One typed value of a record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: Annotated[int, Field(ge=1, le=MAX_INDEX, strict=True)]
    type: Annotated[str, Field(min_length=1, max_length=MAX_TYPE)]
    data: ValueData
    ttl: Annotated[int, Field(ge=0, le=MAX_INDEX, strict=True)] = DEFAULT_TTL
    timestamp: str | None = None

    _type = field_validator("type")(_printable)

    @field_validator("data", mode="before")
    @classmethod
    def _bare_string_data(cls, data: Any) -> Any:
        # The Handle REST API accepts `"data": "text"` as shorthand for a string value.
        if isinstance(data, str):
            return {"format": "string", "value": data}
        return data

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "type": self.type,
            "data": {"format": self.data.format, "value": self.data.value},
            "ttl": self.ttl,
            "timestamp": self.timestamp,
        }


# One validator for the whole array: pydantic-core walks it without a Python call per value.
_VALUE_LIST = TypeAdapter(list[HandleValue])


def utc_timestamp(moment: datetime | None = None) -> str:
    """The Handle timestamp form: UTC, second precision, trailing Z."""
    if moment is None:
        return _now_text(int(time.time()))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=2)
def _now_text(second: int) -> str:
    # A bulk import stamps thousands of values within the same second: format it once.
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error_location(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def parse_values(raw: Any, *, stamp: str | None = None) -> list[HandleValue]:
    """Validate a ``values`` array into HandleValues sorted by index.

    Every problem is reported at once with its position, because an enterprise fixing a
    bulk file wants all of a line's mistakes, not the first. As on a Handle server, the
    node stamps every value with the time it accepted the write (``stamp``).
    """
    if not isinstance(raw, list):
        raise RecordError(f"values must be a JSON array, got {type(raw).__name__}")
    if not raw:
        raise RecordError("values is empty: a record needs at least one value")
    if len(raw) > MAX_VALUES:
        raise RecordError(f"values has {len(raw)} entries; the limit is {MAX_VALUES}")
    if stamp is not None:
        raw = [{**item, "timestamp": stamp} if isinstance(item, dict) else item for item in raw]
    try:
        parsed = _VALUE_LIST.validate_python(raw)
    except ValidationError as exc:
        # loc is (position, member, ...): written values[2].data.format like a JSON path.
        raise RecordError(
            "; ".join(
                f"values[{e['loc'][0]}].{_error_location(e['loc'][1:])}: {e['msg']}"
                for e in exc.errors()
            )
        ) from None
    return sort_and_check_indexes(parsed)


_MEMBERS = frozenset(("index", "type", "data", "ttl", "timestamp"))


def parse_record(raw: Any, *, stamp: str | None = None) -> list[dict[str, Any]]:
    """``values_to_json(parse_values(raw, stamp=stamp))``, fast for the usual shape.

    Nearly every submitted value is a plain dict of exact JSON types within the limits;
    those are checked and copied here directly, without a model object per value. A record
    with any other value (or a repeated index) goes through :func:`parse_values`, which
    accepts what it accepts and words every error, so both paths agree on the result and
    on every refusal.
    """
    if type(raw) is list and 0 < len(raw) <= MAX_VALUES:
        plain = [_plain_value(item, stamp) for item in raw]
        if None not in plain:
            ordered: list[dict[str, Any]] = sorted(plain, key=_INDEX)  # type: ignore[arg-type]
            if len(set(map(_INDEX, ordered))) == len(ordered):
                return ordered
    return values_to_json(parse_values(raw, stamp=stamp))


_INDEX = itemgetter("index")


def _utf8(text: str) -> bool:
    # pydantic refuses a str holding a lone surrogate: such a str is not UTF-8 text.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _plain_value(item: Any, stamp: str | None) -> dict[str, Any] | None:
    """The JSON form of ``item`` if it is a value of the usual exact types, else None."""
    if type(item) is not dict or not item.keys() <= _MEMBERS:
        return None
    index = item.get("index")
    name = item.get("type")
    data = item.get("data")
    ttl = item.get("ttl", DEFAULT_TTL)
    timestamp = item.get("timestamp") if stamp is None else stamp
    if type(data) is str:
        if not (data.isascii() or _utf8(data)):
            return None
        data = {"format": "string", "value": data}
    elif type(data) is dict and len(data) == 2 and "value" in data:
        fmt = data.get("format")
        if (
            type(fmt) is not str
            or not 0 < len(fmt) <= MAX_FORMAT
            or not fmt.isprintable()
            or unreadable(data["value"]) is not None
        ):
            return None
        data = {"format": fmt, "value": data["value"]}
    else:
        return None
    if (
        type(index) is not int
        or not 1 <= index <= MAX_INDEX
        or type(ttl) is not int
        or not 0 <= ttl <= MAX_INDEX
        or not (timestamp is None or type(timestamp) is str)
        or type(name) is not str
        or not 0 < len(name) <= MAX_TYPE
        or not name.isprintable()
    ):
        return None
    return {"index": index, "type": name, "data": data, "ttl": ttl, "timestamp": timestamp}


def sort_and_check_indexes(values: Iterable[HandleValue]) -> list[HandleValue]:
    ordered = sorted(values, key=lambda v: v.index)
    for before, after in itertools.pairwise(ordered):
        if before.index == after.index:
            raise RecordError(
                f"index {after.index} appears twice (types {before.type!r} and {after.type!r});"
                " each index holds one value"
            )
    return ordered


def values_to_json(values: Sequence[HandleValue]) -> list[dict[str, Any]]:
    return [value.to_json() for value in values]


@dataclass(frozen=True, slots=True)
class EncodedRecord:
    """A record's canonical bytes and, from the same encoding, each value's digest."""

    record: bytes
    digests: dict[str, str]  # "<index>" → base64url SHA-256, as a record signature holds them


def encode_record(values: Sequence[Mapping[str, Any]]) -> EncodedRecord:
    """Encode each value once: the store keeps the array, the signature the digests.

    Refuses floats anywhere and records over MAX_RECORD_BYTES.
    """
    parts: list[bytes] = []
    digests: dict[str, str] = {}
    encode_fields, sha256 = canonical.encode_value_fields, hashlib.sha256
    for position, value in enumerate(values):
        try:
            part = encode_fields(
                value["data"], value["index"], value["timestamp"], value["ttl"], value["type"]
            )
        except EncodingError as exc:
            raise RecordError(f"values[{position}] cannot be encoded: {exc}") from exc
        parts.append(part)
        if value["type"] != SIGNATURE_TYPE:
            digests[str(value["index"])] = digest_text(sha256(part).digest())
    record = canonical.join_array(parts)
    if len(record) > MAX_RECORD_BYTES:
        raise RecordError(f"record is {len(record)} bytes; the limit is {MAX_RECORD_BYTES}")
    return EncodedRecord(record, digests)


def decode_values(blob: bytes) -> list[dict[str, Any]]:
    """A stored record's values, or DamagedRecord if they are not what the write path
    accepts (a store edited or damaged behind the node's back, or written by an older
    node), so that one bad record fails alone with its own error."""
    try:
        decoded = canonical.decode(blob)
    except EncodingError as exc:
        raise DamagedRecord(f"stored record is {exc}") from None
    if type(decoded) is not list:
        raise DamagedRecord("stored record is not an array of values")
    for position, value in enumerate(decoded):
        data = value.get("data") if type(value) is dict else None
        reason = "has no data" if type(data) is not dict else unreadable(data.get("value"))
        if reason is not None:
            raise DamagedRecord(f"stored record's values[{position}] {reason}")
    return decoded


def filter_values(
    values: Sequence[Mapping[str, Any]],
    *,
    indexes: Iterable[int] = (),
    types: Iterable[str] = (),
) -> list[Mapping[str, Any]]:
    """Handle REST ``index=`` / ``type=`` filtering: a value matches either list."""
    wanted_indexes, wanted_types = set(indexes), set(types)
    if not wanted_indexes and not wanted_types:
        return list(values)
    return [
        value
        for value in values
        if value["index"] in wanted_indexes or value["type"] in wanted_types
    ]
