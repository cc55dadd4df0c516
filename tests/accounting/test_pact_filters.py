"""The v3 ListFootprints filters: names, values, OR within a criterion, AND across."""

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounting.pact.filters import (
    CRITERIA,
    FilterError,
    facets,
    parse_query,
    parse_request,
    select,
)


def footprint(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "status": "Active",
        "productIds": ["urn:glid:88.101.7/a", "urn:gtin:06901234567892"],
        "companyIds": ["urn:glid:88.101.7"],
        "productClassifications": ["urn:pact:productclassification:un-cpc:4121"],
        "validityPeriodStart": "2026-01-01T00:00:00Z",
        "validityPeriodEnd": "2027-01-01T00:00:00Z",
        "pcf": {
            "geographyCountrySubdivision": "CN-ZJ",
            "referencePeriodEnd": "2025-12-31T00:00:00Z",
        },
    }
    base.update(changes)
    return base


A = facets(footprint())
B = facets(footprint(status="Deprecated", productIds=["urn:glid:88.101.7/b"]))
C = facets(
    footprint(
        validityPeriodStart=None,
        validityPeriodEnd=None,
        pcf={"geographyCountry": "DE", "referencePeriodEnd": "2024-06-30T00:00:00Z"},
    )
)


def chosen(query: list[tuple[str, str]]) -> list[int]:
    return select(parse_query(query), [A, B, C])


def test_one_criterion_repeated_is_or_and_different_criteria_are_and() -> None:
    assert chosen([("productId", "urn:glid:88.101.7/a"), ("productId", "urn:glid:88.101.7/b")]) == [
        0,
        1,
        2,
    ]
    assert chosen([("productId", "urn:glid:88.101.7/b"), ("status", "Active")]) == []
    assert chosen([("status", "Deprecated")]) == [1]
    assert chosen([("status", "BogusStatus")]) == []  # an unknown status selects nothing
    assert chosen([("geography", "DE")]) == [2]
    assert chosen([("geography", "CN-ZJ"), ("geography", "DE")]) == [0, 1, 2]
    assert chosen([]) == [0, 1, 2]


def test_names_are_matched_without_regard_to_case() -> None:
    assert chosen([("productid", "urn:glid:88.101.7/b"), ("STATUS", "Deprecated")]) == [1]


def test_dates_follow_the_validity_period_or_three_years_after_the_reference_period() -> None:
    assert chosen([("validOn", "2026-06-01T00:00:00Z")]) == [0, 1, 2]
    assert chosen([("validOn", "2027-06-01T00:00Z")]) == [2]  # C: 2024-06-30 + 3 years
    assert chosen([("validAfter", "2025-01-01T00:00:00Z")]) == [0, 1]
    assert chosen([("validBefore", "2027-01-02T00:00:00+08:00")]) == [0, 1]
    assert chosen([("validOn", "1900-01-01T00:00:00Z")]) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ([("color", "red")], "unknown filter 'color'"),
        ([("validOn", "yesterday")], "validOn: 'yesterday' is not a date-time"),
        ([("validOn", "2026-01-01T00:00:00")], "has no time zone"),
        ([("validOn", "2026-01-01T00:00:00Z"), ("validOn", "2026-01-02T00:00:00Z")], "once"),
    ],
)
def test_a_malformed_or_unknown_filter_is_named(query: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(FilterError, match=message):
        parse_query(query)


@given(st.sampled_from(CRITERIA), st.text(max_size=8))
def test_any_spelling_of_a_known_name_is_read_and_anything_else_refused(
    name: str, noise: str
) -> None:
    mixed = "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(name))
    value = "2026-01-01T00:00:00Z" if name.startswith("valid") else "x"
    assert parse_query([(mixed, value)])
    if noise and noise.lower() not in {c.lower() for c in CRITERIA}:
        with pytest.raises(FilterError):
            parse_query([(noise, value)])


def test_a_request_event_takes_the_same_criteria_as_lists() -> None:
    filters = parse_request(
        {"productId": ["urn:glid:88.101.7/b"], "validOn": "2026-06-01T00:00:00Z", "comment": "x"}
    )
    assert select(filters, [A, B, C]) == [1]
    assert filters.valid_on == datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(FilterError, match=r"data.productId: expected a list of strings"):
        parse_request({"productId": "urn:glid:88.101.7/b"})
    with pytest.raises(FilterError, match=r"data.colour: not a PACT request criterion"):
        parse_request({"colour": ["red"]})
