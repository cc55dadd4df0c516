"""canonical.encode is tuned for speed; these tests pin it to the plain definition."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from glid_core import canonical
from glid_core.errors import EncodingError


def reference(value: Any, path: str = "$") -> Any:
    """The format's definition written plainly: sort map keys by UTF-8 bytes, and so on."""
    if value is None or isinstance(value, (bool, str, bytes)):
        return value
    if isinstance(value, int):
        if not -(2**63) <= value <= 2**64 - 1:
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
            items.append((key.encode("utf-8"), key, reference(item, f"{path}.{key}")))
        items.sort(key=lambda entry: entry[0])
        return {key: item for _, key, item in items}
    if isinstance(value, (list, tuple)):
        return [reference(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise EncodingError(f"{path}: type {type(value).__name__} has no canonical form")


def reference_encode(value: Any) -> bytes:
    packed: bytes = msgpack.packb(reference(value), use_bin_type=True)
    return packed


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.text()
    | st.binary(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=20,
)


@given(values)
def test_same_bytes_as_the_definition(value: Any) -> None:
    assert canonical.encode(value) == reference_encode(value)


@given(values)
def test_decode_round_trips(value: Any) -> None:
    encoded = canonical.encode(value)
    assert canonical.encode(canonical.decode(encoded)) == encoded


@given(st.dictionaries(st.text(max_size=4), st.integers(0, 9), min_size=2, max_size=6))
def test_key_order_ignores_insertion_order(mapping: dict[str, int]) -> None:
    assert canonical.encode(dict(reversed(mapping.items()))) == canonical.encode(mapping)


@pytest.mark.parametrize(
    "bad",
    [
        {"a": [1, {"b": 1.5}]},
        {"a": {1: 2}},
        [2**64],
        {"x": object()},
        {"d": Decimal("NaN")},
        {"z": 1.0, "a": 2.0},
    ],
)
def test_same_errors_as_the_definition(bad: Any) -> None:
    with pytest.raises(EncodingError) as ours:
        canonical.encode(bad)
    with pytest.raises(EncodingError) as theirs:
        reference_encode(bad)
    assert str(ours.value) == str(theirs.value)


def test_hand_encoded_value() -> None:
    value = {"ttl": 0, "data": {"value": "x", "format": "string"}, "index": 1}
    expected = (
        b"\x83"
        + b"\xa4data\x82\xa6format\xa6string\xa5value\xa1x"
        + b"\xa5index\x01"
        + b"\xa3ttl\x00"
    )
    assert canonical.encode(value) == expected
