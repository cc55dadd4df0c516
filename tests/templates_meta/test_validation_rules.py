"""The rules of record validation an enterprise meets when a record is refused: which value
breaks which rule, and the exact words of the error it reads (field, index, code, reason).

test_validate.py covers each kind of mistake once on a typical template; these pin the
rest: every JSON type named in a wrong-type error, exclusive and one-sided bounds, units of
quantities without a field unit, the PACT objects, and values not shaped like a record
value at all.
"""

from datetime import date
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from templates_meta.validate import FieldError, referenced_template, validate_values
from tests.templates_meta.builders import effective, field, template, value

RULES = template(
    "88.cn/tpl.rules",
    [
        field("text", 2000, "string"),
        field("day", 2001, "date"),
        field("at", 2002, "datetime"),
        field("floor", 2003, "decimal", min="0"),
        field("ceiling", 2004, "decimal", max="10", exclusive_max=True),
        field("open", 2005, "integer", min="1", max="10", exclusive_min=True, exclusive_max=True),
        field(
            "load",
            2006,
            "quantity",
            unit="kg",
            min="1",
            max="5",
            exclusive_min=True,
            exclusive_max=True,
        ),
        field("any", 2007, "quantity"),
        field("days", 2008, "list", item_type="date"),
        field("kind", 2009, "enum", enum=["a", "b"]),
        field("source", 2010, "factor_source"),
        field("rule", 2011, "sector_rule"),
        field("inputs", 2012, "list", item_type="input"),
        field("at_most", 2013, "quantity", unit="kg", max="500"),
        field("supplier", 2014, "identifier"),
        field("code", 2015, "identifier", pattern="^88[.]"),
        field("flag", 2016, "boolean"),
        field("count", 2017, "integer"),
    ],
)
RULES_EFFECTIVE = effective(RULES)
INDEX = {item.name: item.index for item in RULES.fields}


def errors_of(name: str, data: Any) -> list[FieldError]:
    return validate_values(RULES_EFFECTIVE, [value(INDEX[name], name, data)])


def reasons_of(name: str, data: Any) -> list[tuple[str, str]]:
    return [(error.code, error.reason) for error in errors_of(name, data)]


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (None, "null"),
        (True, "a boolean"),
        (1.5, "a number"),
        (7, "a number"),
        ([], "a list"),
        ({}, "an object"),
        (b"x", "bytes"),  # a MessagePack bin value
        (("x",), "tuple"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_named_by_what_it_is(data: Any, named: str) -> None:
    assert errors_of("text", data) == [
        FieldError("text", 2000, f"expected a string, got {named}", "type")
    ]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("days", ("2026-01-01",), "expected a list, got tuple"),
        ("supplier", b"88.1/x", "expected a string, got bytes"),
        ("code", b"C3110", "expected a string, got bytes"),
        ("flag", "true", "expected a boolean, got a string"),
        ("count", 2.0, "expected an integer, got a number"),
    ],
)
def test_a_value_is_taken_only_in_its_own_json_type(name: str, data: Any, reason: str) -> None:
    """No coercion: a tuple is not a list, bytes (a MessagePack bin) not text, and so on."""
    assert errors_of(name, data) == [FieldError(name, INDEX[name], reason, "type")]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("day", 5, "expected a date string YYYY-MM-DD, got a number"),
        ("day", None, "expected a date string YYYY-MM-DD, got null"),
        ("days", [True], "[0]: expected a date string YYYY-MM-DD, got a boolean"),
        ("at", 5, "expected an RFC 3339 date-time string, got a number"),
        ("floor", True, 'expected a decimal string like "12.5", got a boolean'),
        ("floor", None, 'expected a decimal string like "12.5", got null'),
        (
            "any",
            {"value": [1], "unit": "kg"},
            'value: expected a decimal string like "12.5", got a list',
        ),
        ("any", {"value": "1", "unit": 5}, "unit: expected a string, got a number"),
        ("kind", None, "expected one of a, b, got null"),
    ],
)
def test_a_value_that_is_not_text_is_named_for_what_its_slot_holds(
    name: str, data: Any, reason: str
) -> None:
    assert errors_of(name, data) == [FieldError(name, INDEX[name], reason, "type")]


@pytest.mark.parametrize("text", ["2026-02-30T00:00:00Z", "2026-01-01T25:00:00+08:00"])
def test_a_date_time_that_names_no_moment_is_refused(text: str) -> None:
    assert reasons_of("at", text) == [("type", f"{text!r} is not a valid date and time")]


def test_a_date_that_names_no_day_is_refused_inside_a_list() -> None:
    assert reasons_of("days", ["2026-02-28", "2026-02-30"]) == [
        ("type", "[1]: '2026-02-30' is not a calendar date")
    ]


@settings(max_examples=60)
@given(st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"))
@example("2024-02-29")
@example("2023-02-29")
@example("0000-01-01")
def test_text_shaped_like_a_date_is_accepted_exactly_when_it_names_a_day(text: str) -> None:
    try:
        date.fromisoformat(text)
    except ValueError:
        assert reasons_of("day", text) == [("type", f"{text!r} is not a calendar date")]
    else:
        assert errors_of("day", text) == []


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("open", 1, "out of bounds: 1 must be above 1"),
        ("open", 10, "out of bounds: 10 must be below 10"),
        ("ceiling", "10", "out of bounds: 10 must be below 10"),
        ("ceiling", "10.5", "out of bounds: 10.5 must be below 10"),
        ("floor", "-0.1", "out of bounds: -0.1 must be at least 0"),
        ("load", {"value": "1", "unit": "kg"}, "out of bounds: 1 kg must be above 1 kg"),
        ("load", {"value": "5", "unit": "kg"}, "out of bounds: 5 kg must be below 5 kg"),
        (
            "load",
            {"value": "0.001", "unit": "t"},
            "out of bounds: 0.001 t (= 1 kg) must be above 1 kg",
        ),
        (
            "load",
            {"value": "5000", "unit": "g"},
            "out of bounds: 5000 g (= 5 kg) must be below 5 kg",
        ),
        ("at_most", {"value": "600", "unit": "kg"}, "out of bounds: 600 kg must be at most 500 kg"),
        (
            "at_most",
            {"value": "0.5001", "unit": "t"},
            "out of bounds: 0.5001 t (= 500.1 kg) must be at most 500 kg",
        ),
    ],
)
def test_a_number_out_of_bounds_is_told_the_bound_and_whether_it_is_included(
    name: str, data: Any, reason: str
) -> None:
    assert errors_of(name, data) == [FieldError(name, INDEX[name], reason, "bounds")]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("open", 2),
        ("open", 9),
        ("ceiling", "9.999"),
        ("ceiling", "-1000000"),
        ("floor", "0"),
        ("floor", "1000000"),
        ("load", {"value": "1.001", "unit": "kg"}),
        ("load", {"value": "4999", "unit": "g"}),
        ("at_most", {"value": "500", "unit": "kg"}),
        ("at_most", {"value": "-3", "unit": "t"}),
    ],
)
def test_a_number_within_its_bounds_or_on_its_unbounded_side_is_accepted(
    name: str, data: Any
) -> None:
    assert errors_of(name, data) == []


@pytest.mark.parametrize("unit", ["kg", "kWh", "tCO2e", "m3"])
def test_a_quantity_field_without_a_unit_takes_any_known_unit(unit: str) -> None:
    assert errors_of("any", {"value": "1", "unit": unit}) == []


def test_a_quantity_field_without_a_unit_refuses_an_unknown_one() -> None:
    assert reasons_of("any", {"value": "1", "unit": "furlong"}) == [
        ("unit", "unknown unit 'furlong'; expected a known unit")
    ]


@pytest.mark.parametrize(
    ("name", "data", "code", "reason"),
    [
        (
            "source",
            {"name": "", "version": "3.9"},
            "type",
            "name: String should have at least 1 character",
        ),
        ("source", {"name": "ecoinvent"}, "type", "version: missing"),
        ("source", {"name": 3, "version": "3.9"}, "type", "name: expected a string, got a number"),
        (
            "rule",
            {"operator": "ISO", "ruleNames": ["PCR"]},
            "enum",
            "operator: 'ISO' is not one of 'PEF', 'EPD International' or 'Other'",
        ),
        (
            "rule",
            {"operator": 1, "ruleNames": ["PCR"]},
            "type",
            "operator: expected one of 'PEF', 'EPD International' or 'Other', got a number",
        ),
        (
            "rule",
            {"operator": "PEF", "ruleNames": []},
            "type",
            "ruleNames: List should have at least 1 item after validation, not 0",
        ),
    ],
)
def test_the_pact_objects_name_the_member_at_fault(
    name: str, data: Any, code: str, reason: str
) -> None:
    assert errors_of(name, data) == [FieldError(name, INDEX[name], reason, code)]


def test_the_pact_objects_accept_what_pact_allows() -> None:
    assert errors_of("source", {"name": "ecoinvent", "version": "3.9"}) == []
    rule = {"operator": "Other", "ruleNames": ["PCR"], "otherOperatorName": "CNCA"}
    assert errors_of("rule", rule) == []


def test_every_error_inside_one_list_item_is_named_by_its_path() -> None:
    supply = [
        {"id": "88.1/ore", "quantity": {"value": "1", "unit": "t"}},
        {"id": 5, "quantity": {"value": 1.5, "unit": 5}},
    ]
    assert reasons_of("inputs", supply) == [
        ("type", "[1].id: expected a string, got a number"),
        (
            "float",
            "[1].quantity.value: 1.5 is a JSON float where a decimal string is required:"
            ' send "1.5"',
        ),
        ("type", "[1].quantity.unit: expected a string, got a number"),
    ]


MALFORMED_REASON = (
    'record value #{} is not of the form {{"index": int, "type": str, "data": '
    '{{"format": str, "value": ...}}}}'
)


@pytest.mark.parametrize(
    ("item", "name", "index"),
    [
        ({"index": True, "type": "text", "data": {"format": "string", "value": "x"}}, "text", -1),
        ({"index": 2000, "type": 5, "data": {"format": "string", "value": "x"}}, "#0", 2000),
        ({"index": 2000.0, "type": "text", "data": {"format": "string", "value": "x"}}, "text", -1),
        ({"index": 2000, "type": "text", "data": "x"}, "text", 2000),
        (["text"], "#0", -1),
    ],
)
def test_a_value_not_shaped_like_a_record_value_is_named_as_far_as_it_can_be(
    item: Any, name: str, index: int
) -> None:
    assert validate_values(RULES_EFFECTIVE, [item]) == [
        FieldError(name, index, MALFORMED_REASON.format(0), "malformed")
    ]


def test_a_value_without_a_data_format_is_told_the_format_it_needs() -> None:
    item = value(2000, "text", "x")
    del item["data"]["format"]
    assert validate_values(RULES_EFFECTIVE, [item]) == [
        FieldError(
            "text",
            2000,
            "data.format is None but the value calls for 'string'"
            ' ("string" for a JSON string, "json" otherwise)',
            "format",
        )
    ]


def test_the_template_may_be_named_with_its_prefix_in_any_case() -> None:
    values = [value(1001, "TEMPLATE", "88.CN/tpl.rules@1.0.0"), value(2000, "text", "x")]
    assert validate_values(RULES_EFFECTIVE, values) == []
    assert referenced_template(values) == "88.cn/tpl.rules@1.0.0"


@pytest.mark.parametrize("named", [5, None, "88.cn/tpl.rules", "88.cn/tpl.rules@1.0"])
def test_a_template_value_that_is_no_template_reference_is_refused(named: Any) -> None:
    values = [value(1001, "TEMPLATE", named), value(2000, "text", "x")]
    assert validate_values(RULES_EFFECTIVE, values) == [
        FieldError(
            "TEMPLATE",
            1001,
            f"the record names template {named!r} but is checked against 88.cn/tpl.rules@1.0.0",
            "template",
        )
    ]


def test_values_given_as_a_one_pass_iterator_are_all_checked() -> None:
    values = [value(2000, "text", 7), value(2005, "open", 1)]
    assert [error.code for error in validate_values(RULES_EFFECTIVE, iter(values))] == [
        "type",
        "bounds",
    ]
    assert validate_values(RULES_EFFECTIVE, iter([value(2000, "text", "x")])) == []


def test_records_of_two_templates_checked_in_turn_are_each_held_to_their_own() -> None:
    other = effective(template("88.cn/tpl.other", [field("text", 2000, "integer")]))
    as_text, as_number = [value(2000, "text", "x")], [value(2000, "text", 7)]
    for _ in range(2):
        assert validate_values(RULES_EFFECTIVE, as_text) == []
        assert validate_values(other, as_number) == []
        assert [error.code for error in validate_values(other, as_text)] == ["type"]
        assert [error.code for error in validate_values(RULES_EFFECTIVE, as_number)] == ["type"]


def test_an_identifier_field_checks_its_own_pattern_after_the_identifier_shape() -> None:
    assert errors_of("code", "88.1/coil") == []
    assert reasons_of("code", "99.1/coil") == [
        ("pattern", "'99.1/coil' does not match the pattern ^88[.]")
    ]
    assert reasons_of("code", "88.1") == [
        ("type", "'88.1' is not an identifier of the form PREFIX/SUFFIX")
    ]


@pytest.mark.parametrize(
    ("name", "text"), [("floor", "1\ud800"), ("day", "\ud800"), ("code", "88.1/\ud800")]
)
def test_text_with_a_lone_surrogate_is_refused_where_its_shape_is_checked(
    name: str, text: str
) -> None:
    """JSON's "\\ud800" decodes to a str no UTF-8 encoder takes; a shaped field says so."""
    assert reasons_of(name, text) == [
        ("type", "Input should be a valid string, unable to parse raw data as a unicode string")
    ]
