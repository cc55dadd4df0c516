"""parse_record's fast path agrees with the pydantic validator on every input.

The registrar takes values through parse_record; the model-based parse_values is the
reference. For any input, both give the same JSON form or both refuse it with the same
message, so the fast path can never accept what the model refuses or word an error
differently.
"""

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glid_core.layout import MAX_INDEX
from registry.errors import RecordError
from registry.records import parse_record, parse_values, values_to_json

STAMP = "2026-11-22T00:00:00Z"

texts = st.text(max_size=8) | st.sampled_from(["a\ud800", "x" * 64, "x" * 65, "é" * 255, ""])
ints = st.sampled_from([0, 1, 2000, MAX_INDEX, MAX_INDEX + 1, -1]) | st.integers(0, 3000)
anything = st.none() | st.booleans() | ints | texts | st.floats(allow_nan=False)
data_values = texts | st.none() | st.booleans() | ints | st.lists(ints, max_size=2)
datas = (
    texts
    | st.fixed_dictionaries({"format": texts | anything, "value": data_values})
    | st.fixed_dictionaries({"format": texts}, optional={"value": data_values, "extra": ints})
    | anything
)
members = {
    "index": ints | anything,
    "type": texts | anything,
    "data": datas,
    "ttl": ints | anything,
    "timestamp": texts | st.none() | anything,
    "other": anything,
}


@st.composite
def raw_values(draw: st.DrawFn) -> Any:
    """Well-formed values (indexes may repeat), each perhaps with one near miss."""
    values: list[Any] = []
    for _ in range(draw(st.integers(0, 4))):
        value: Any = {"index": draw(st.integers(1, 40)), "type": "t", "data": draw(texts)}
        change = draw(st.sampled_from(["drop", "whole", *sorted(members)]))
        if draw(st.integers(0, 2)):
            change = None  # most values of a record are well-formed
        if change == "drop":
            del value[draw(st.sampled_from(["index", "type", "data"]))]
        elif change == "whole":
            value = draw(anything)
        elif change is not None:
            value[change] = draw(members[change])
        values.append(value)
    return values if draw(st.integers(0, 19)) else draw(anything)


def outcome(parse: Any, raw: Any, stamp: str | None) -> Any:
    try:
        return parse(raw, stamp=stamp)
    except RecordError as exc:
        return ("refused", str(exc))


@settings(max_examples=400)
@given(raw_values(), st.sampled_from([STAMP, None]))
def test_fast_path_agrees_with_the_model(raw: Any, stamp: str | None) -> None:
    def reference(values: Any, *, stamp: str | None) -> list[dict[str, Any]]:
        return values_to_json(parse_values(values, stamp=stamp))

    assert outcome(parse_record, raw, stamp) == outcome(reference, raw, stamp)


GOOD = {"index": 7, "type": "t", "data": {"format": "string", "value": "x"}}
NEAR_MISSES = [
    {"index": 0},
    {"index": MAX_INDEX},
    {"index": MAX_INDEX + 1},
    {"index": True},
    {"index": 7.0},
    {"type": ""},
    {"type": "x" * 255},
    {"type": "x" * 256},
    {"type": "é\ud800"},
    {"type": b"t"},
    {"ttl": -1},
    {"ttl": 0},
    {"ttl": MAX_INDEX + 1},
    {"ttl": False},
    {"ttl": None},
    {"timestamp": None},
    {"timestamp": 5},
    {"timestamp": "\ud800"},
    {"data": {"format": "", "value": 1}},
    {"data": {"format": "x" * 64, "value": 1}},
    {"data": {"format": "x" * 65, "value": 1}},
    {"data": {"format": "a\ud800", "value": 1}},
    {"data": {"format": 3, "value": 1}},
    {"data": {"format": "json"}},
    {"data": {"value": 1, "other": 2}},
    {"data": {"format": "json", "value": 1, "other": 2}},
    {"data": ""},
    {"data": 5},
    {"data": None},
    {"other": 1},
]


@pytest.mark.parametrize("change", NEAR_MISSES)
@pytest.mark.parametrize("stamp", [STAMP, None])
def test_each_boundary_agrees_with_the_model(change: dict[str, Any], stamp: str | None) -> None:
    def reference(values: Any, *, stamp: str | None) -> list[dict[str, Any]]:
        return values_to_json(parse_values(values, stamp=stamp))

    raw = [{**GOOD, **change}, {**GOOD, "index": 8}]
    assert outcome(parse_record, raw, stamp) == outcome(reference, raw, stamp)


def test_common_shape_is_copied_sorted_and_stamped() -> None:
    quantity = {"value": "12.5", "unit": "kgCO2e"}
    raw = [
        {"index": 2001, "type": "pcf", "data": {"format": "json", "value": quantity}},
        {"index": 1, "type": "URL", "data": "https://example.com", "ttl": 60, "timestamp": "x"},
    ]
    assert parse_record(raw, stamp=STAMP) == [
        {
            "index": 1,
            "type": "URL",
            "data": {"format": "string", "value": "https://example.com"},
            "ttl": 60,
            "timestamp": STAMP,
        },
        {
            "index": 2001,
            "type": "pcf",
            "data": {"format": "json", "value": quantity},
            "ttl": 86400,
            "timestamp": STAMP,
        },
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([{"index": True, "type": "t", "data": "x"}], "values[0].index: Input should be"),
        ([{"index": 1, "type": "a\ud800", "data": "x"}], "values[0].type: Input should be"),
        ([{"index": 1, "type": "t", "data": "x", "ttl": -1}], "values[0].ttl: Input should be"),
        ([{"index": 1, "type": "t", "data": "x", "extra": 1}], "values[0].extra: Extra inputs"),
        (
            [{"index": 3, "type": "a", "data": "x"}, {"index": 3, "type": "b", "data": "y"}],
            "index 3 appears twice (types 'a' and 'b')",
        ),
    ],
)
def test_near_misses_are_refused_with_the_model_message(raw: Any, message: str) -> None:
    with pytest.raises(RecordError, match="^" + re.escape(message)):
        parse_record(raw, stamp=STAMP)
