"""The JSON glid signs is spelled one way, whichever encoder writes it."""

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signing.errors import JWSFormatError
from signing.jws import json_bytes

leaf = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text()
value = st.recursive(
    leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=500)
@given(st.dictionaries(st.text(), value, max_size=6))
def test_json_bytes_is_the_sorted_compact_utf8_spelling(claims: dict[str, Any]) -> None:
    expected = json.dumps(
        claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
    assert json_bytes(claims) == expected


@pytest.mark.parametrize("bad", [object(), {1: "non-string key"}, 2**64])
def test_values_without_a_json_form_are_refused(bad: object) -> None:
    with pytest.raises(JWSFormatError, match="cannot be written as JSON"):
        json_bytes({"x": bad})
