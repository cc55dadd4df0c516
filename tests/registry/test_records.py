"""Record values: parsing, the Handle JSON form, and the canonical encoding (property-based)."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from glid_core.layout import MAX_VALUES
from registry.errors import RecordError
from registry.records import (
    HandleValue,
    decode_values,
    encode_record,
    filter_values,
    parse_values,
    values_to_json,
)

STAMP = "2026-11-22T00:00:00Z"


def encode_values(values: list[HandleValue]) -> bytes:
    return encode_record(values_to_json(values)).record


json_leaf = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=20)
json_value = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


# A value's type names something: any text but control characters.
type_names = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=12)


@st.composite
def raw_values(draw: st.DrawFn) -> list[dict[str, Any]]:
    indexes = draw(st.lists(st.integers(1, 2**31 - 1), min_size=1, max_size=8, unique=True))
    out = []
    for index in indexes:
        kind = draw(st.sampled_from(["bare", "string", "json"]))
        if kind == "bare":
            data: Any = draw(st.text(max_size=30))
        elif kind == "string":
            data = {"format": "string", "value": draw(st.text(max_size=30))}
        else:
            data = {"format": "json", "value": draw(json_value)}
        value = {"index": index, "type": draw(type_names), "data": data}
        if draw(st.booleans()):
            value["ttl"] = draw(st.integers(0, 2**31 - 1))
        out.append(value)
    return draw(st.permutations(out))


@given(raw_values())
def test_parse_encode_decode_round_trip(raw: list[dict[str, Any]]) -> None:
    values = parse_values(raw, stamp=STAMP)
    as_json = values_to_json(values)
    assert [v["index"] for v in as_json] == sorted(v["index"] for v in raw)
    assert all(v["timestamp"] == STAMP for v in as_json)
    assert decode_values(encode_values(values)) == as_json
    again = parse_values([dict(reversed(list(v.items()))) for v in reversed(raw)], stamp=STAMP)
    assert encode_values(again) == encode_values(values), "encoding depends on input order"


@given(raw_values(), st.data())
def test_a_repeated_index_is_always_refused(raw: list[dict[str, Any]], data: st.DataObject) -> None:
    repeated = dict(data.draw(st.sampled_from(raw)))
    with pytest.raises(RecordError, match=f"index {repeated['index']} appears twice"):
        parse_values([*raw, repeated], stamp=STAMP)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_are_refused_wherever_they_hide(number: float) -> None:
    raw = [{"index": 5, "type": "x", "data": {"format": "json", "value": {"a": [1, number]}}}]
    with pytest.raises(RecordError, match=r"value\.a\[1\]: floats are not allowed"):
        parse_values(raw)


def test_limits_and_shapes() -> None:
    with pytest.raises(RecordError, match=f"limit is {MAX_VALUES}"):
        parse_values([{"index": i, "type": "t", "data": "x"} for i in range(1, MAX_VALUES + 2)])
    with pytest.raises(RecordError, match=r"values\[0\]\.ttl"):
        parse_values([{"index": 1, "type": "t", "data": "x", "ttl": -1}])
    with pytest.raises(RecordError, match=r"values\[1\]\.type"):
        parse_values(
            [{"index": 1, "type": "t", "data": "x"}, {"index": 2, "type": "", "data": "x"}]
        )
    with pytest.raises(RecordError, match="bytes; the limit is"):
        encode_values(parse_values([{"index": 1, "type": "t", "data": "x" * (1 << 20)}]))


def test_filters_follow_handle_rest() -> None:
    values = values_to_json(
        parse_values(
            [
                {"index": 1, "type": "URL", "data": "u"},
                {"index": 2000, "type": "product_name", "data": "p"},
                {"index": 2001, "type": "manufacturer", "data": "m"},
            ]
        )
    )
    assert filter_values(values) == values
    assert [v["index"] for v in filter_values(values, indexes=[2001])] == [2001]
    assert [v["index"] for v in filter_values(values, indexes=[1], types=["manufacturer"])] == [
        1,
        2001,
    ]
