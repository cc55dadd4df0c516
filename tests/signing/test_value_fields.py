"""The fast path for a record value's covered members gives exactly canonical.encode's bytes."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from glid_core import canonical
from glid_core.errors import EncodingError
from tests.glid_core.test_canonical import reference_encode, values

ints = st.integers(-(2**63), 2**64 - 1)
# The shapes the fast path takes, and near misses that must fall back to the general walk.
data_values = (
    st.text()
    | st.booleans()
    | st.none()
    | ints
    | st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=4)
    | values
)
datas = st.fixed_dictionaries({"format": st.text(max_size=8), "value": data_values}) | values


@given(datas, ints, st.text() | values, ints | values, st.text() | values)
def test_fast_path_bytes_equal_the_reference(
    data: Any, index: Any, timestamp: Any, ttl: Any, type_: Any
) -> None:
    covered = {"data": data, "index": index, "timestamp": timestamp, "ttl": ttl, "type": type_}
    try:
        expected = reference_encode(covered)
    except EncodingError:
        with pytest.raises(EncodingError):
            canonical.encode_value_fields(data, index, timestamp, ttl, type_)
        return
    assert canonical.encode_value_fields(data, index, timestamp, ttl, type_) == expected


def test_unsorted_quantity_keys_are_sorted() -> None:
    data = {"format": "json", "value": {"value": "12.5", "unit": "kgCO2e"}}
    fast = canonical.encode_value_fields(data, 2001, "2026-01-01T00:00:00Z", 86400, "pcf")
    # ... "value" map of 2: "unit" sorts before "value".
    assert b"\x82\xa4unit\xa6kgCO2e\xa5value\xa412.5" in fast
    assert fast == canonical.encode(
        {"type": "pcf", "ttl": 86400, "timestamp": "2026-01-01T00:00:00Z", "index": 2001,
         "data": data}
    )  # fmt: skip
