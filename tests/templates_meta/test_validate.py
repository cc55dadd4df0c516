from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from templates_meta.errors import RecordInvalid
from templates_meta.validate import (
    FieldError,
    check_values,
    compiled_model,
    referenced_template,
    validate_values,
)
from tests.templates_meta.builders import effective, field, template, value

SAMPLE = template(
    "88/tpl.sample",
    [
        field("name", 2000, "string", required=True),
        field("mass", 2001, "quantity", unit="kg", min="0", max="500", required=True),
        field("count", 2002, "integer", min="1", max="5"),
        field("share", 2003, "decimal", min="0", max="100", exclusive_min=True),
        field("kind", 2004, "enum", enum=["a", "b"]),
        field("flag", 2005, "boolean"),
        field("day", 2006, "date"),
        field("at", 2007, "datetime"),
        field("code", 2008, "string", pattern="^C[0-9]{4}$"),
        field("supplier", 2009, "identifier"),
        field("inputs", 2010, "list", item_type="input"),
        field("energy", 2011, "list", item_type="quantity", unit="MJ", min="0"),
        field("tags", 2012, "list", item_type="string"),
        field("supply", 2013, "input", unit="t"),
    ],
)
SAMPLE_EFFECTIVE = effective(SAMPLE)

GOOD = {
    "name": "coil",
    "mass": {"value": "0.25", "unit": "t"},
    "count": 3,
    "share": "12.5",
    "kind": "a",
    "flag": True,
    "day": "2026-02-28",
    "at": "2026-01-01T08:00:00+08:00",
    "code": "C3110",
    "supplier": "88.101.8/plant-1",
    "inputs": [{"id": "88.101.7/slab-1", "quantity": {"value": "1.02", "unit": "t"}}],
    "energy": [{"value": "3.6", "unit": "MJ"}, {"value": "1", "unit": "kWh"}],
    "tags": ["x", "y"],
    "supply": {"id": "88.1/ore", "quantity": {"value": "7", "unit": "kg"}},
}


def record(**fields: Any) -> list[dict[str, Any]]:
    """The GOOD record with some fields replaced (or removed, when given as ...)."""
    merged = {**GOOD, **fields}
    values = [value(1001, "TEMPLATE", SAMPLE.ref)]
    for item in SAMPLE.fields:
        if item.name in merged and merged[item.name] is not ...:
            values.append(value(item.index, item.name, merged[item.name]))
    return values


def only(errors: list[FieldError]) -> FieldError:
    assert len(errors) == 1, errors
    return errors[0]


def test_a_record_that_follows_its_template_has_no_errors() -> None:
    assert validate_values(SAMPLE_EFFECTIVE, record()) == []
    check_values(SAMPLE_EFFECTIVE, record())


def test_optional_fields_may_be_left_out() -> None:
    assert validate_values(SAMPLE_EFFECTIVE, record(count=..., tags=..., supply=...)) == []


@pytest.mark.parametrize(
    ("changes", "name", "index", "code", "reason"),
    [
        ({"name": ...}, "name", 2000, "missing", "required field is missing"),
        ({"name": 7}, "name", 2000, "type", "expected a string, got a number"),
        ({"count": "3"}, "count", 2002, "type", "expected an integer, got a string"),
        ({"count": True}, "count", 2002, "type", "expected an integer, got a boolean"),
        ({"count": 3.0}, "count", 2002, "type", "expected an integer, got a number"),
        ({"count": 6}, "count", 2002, "bounds", "out of bounds: 6 must be at most 5"),
        ({"count": 0}, "count", 2002, "bounds", "out of bounds: 0 must be at least 1"),
        (
            {"share": 12.5},
            "share",
            2003,
            "float",
            '12.5 is a JSON float where a decimal string is required: send "12.5"',
        ),
        (
            {"share": 12},
            "share",
            2003,
            "type",
            "12 is a JSON number where a decimal string is required",
        ),
        ({"share": "1e3"}, "share", 2003, "type", "'1e3' is not a decimal string like \"12.5\""),
        ({"share": "0"}, "share", 2003, "bounds", "out of bounds: 0 must be above 0"),
        ({"share": "100.01"}, "share", 2003, "bounds", "out of bounds: 100.01 must be at most 100"),
        ({"kind": "c"}, "kind", 2004, "enum", "'c' is not one of a, b"),
        ({"kind": 1}, "kind", 2004, "type", "expected one of a, b, got a number"),
        ({"flag": "true"}, "flag", 2005, "type", "expected a boolean, got a string"),
        ({"day": "2026-02-30"}, "day", 2006, "type", "'2026-02-30' is not a calendar date"),
        (
            {"day": "20260201"},
            "day",
            2006,
            "type",
            "'20260201' is not a date of the form YYYY-MM-DD",
        ),
        (
            {"at": "2026-01-01T08:00:00"},
            "at",
            2007,
            "type",
            "'2026-01-01T08:00:00' is not a date-time like 2026-01-01T00:00:00Z (with a zone)",
        ),
        (
            {"code": "C311"},
            "code",
            2008,
            "pattern",
            "'C311' does not match the pattern ^C[0-9]{4}$",
        ),
        (
            {"supplier": "plant-1"},
            "supplier",
            2009,
            "type",
            "'plant-1' is not an identifier of the form PREFIX/SUFFIX",
        ),
        (
            {"mass": {"value": "1", "unit": "kWh"}},
            "mass",
            2001,
            "unit",
            "unit kWh measures energy; expected a unit of mass like kg",
        ),
        (
            {"mass": {"value": "1", "unit": "stone"}},
            "mass",
            2001,
            "unit",
            "unknown unit 'stone'; expected a unit of mass like kg",
        ),
        (
            {"mass": {"value": "0.6", "unit": "t"}},
            "mass",
            2001,
            "bounds",
            "out of bounds: 0.6 t (= 600 kg) must be at most 500 kg",
        ),
        (
            {"mass": {"value": 0.6, "unit": "t"}},
            "mass",
            2001,
            "float",
            'value: 0.6 is a JSON float where a decimal string is required: send "0.6"',
        ),
        ({"mass": {"value": "1"}}, "mass", 2001, "type", "unit: missing"),
        (
            {"mass": {"value": "1", "unit": "kg", "note": "x"}},
            "mass",
            2001,
            "type",
            "note: is not expected here",
        ),
        ({"mass": "1 kg"}, "mass", 2001, "type", "expected an object, got a string"),
        (
            {"energy": [{"value": "-1", "unit": "kWh"}]},
            "energy",
            2011,
            "bounds",
            "[0]: out of bounds: -1 kWh (= -3.6 MJ) must be at least 0 MJ",
        ),
        ({"tags": "x"}, "tags", 2012, "type", "expected a list, got a string"),
        ({"tags": ["x", 1]}, "tags", 2012, "type", "[1]: expected a string, got a number"),
        (
            {"inputs": [{"id": "88.1/x", "quantity": {"value": "1", "unit": "furlong"}}]},
            "inputs",
            2010,
            "unit",
            "[0]: unknown unit 'furlong'; expected a known unit",
        ),
        (
            {"inputs": [{"id": "88.1/x", "quantity": {"value": "1", "unit": "t"}, "material": 7}]},
            "inputs",
            2010,
            "type",
            "[0].material: expected a string, got a number",
        ),
        (
            {"inputs": [{"id": "88.1/x", "quantity": {"value": "1", "unit": "t"}, "grade": "a"}]},
            "inputs",
            2010,
            "type",
            "[0].grade: is not expected here",
        ),
        (
            {"supply": {"id": "88.1/ore", "quantity": {"value": "7", "unit": "kWh"}}},
            "supply",
            2013,
            "unit",
            "unit kWh measures energy; expected a unit of mass like t",
        ),
    ],
)
def test_each_kind_of_mistake_names_its_field_index_and_reason(
    changes: dict[str, Any], name: str, index: int, code: str, reason: str
) -> None:
    error = only(validate_values(SAMPLE_EFFECTIVE, record(**changes)))
    assert error == FieldError(name, index, reason, code)


def test_an_input_may_name_the_material_of_its_secondary_factor() -> None:
    supply = {"id": "88.1/x", "quantity": {"value": "1", "unit": "t"}, "material": "steel"}
    assert validate_values(SAMPLE_EFFECTIVE, record(inputs=[supply])) == []


def test_values_that_do_not_belong_to_the_template_are_named() -> None:
    values = [
        *record(),
        value(2099, "colour", "red"),
        value(2002, "amount", 3),
        value(2500, "count", 3),
        value(2000, "name", "twice"),
    ]
    errors = validate_values(SAMPLE_EFFECTIVE, values)
    assert errors == [
        FieldError(
            "colour",
            2099,
            "88/tpl.sample@1.0.0 has no field 'colour' and no field at index 2099",
            "unknown_field",
        ),
        FieldError(
            "amount",
            2002,
            "index 2002 holds field 'count' in 88/tpl.sample@1.0.0, not 'amount'",
            "index_mismatch",
        ),
        FieldError(
            "count", 2500, "field 'count' belongs at index 2002, not 2500", "index_mismatch"
        ),
        FieldError("name", 2000, "the record carries this field twice", "duplicate"),
    ]


def test_every_error_of_a_record_is_reported_at_once() -> None:
    values = record(name=..., count=9, share=1.5, kind="z")
    errors = validate_values(SAMPLE_EFFECTIVE, values)
    assert [(error.name, error.code) for error in errors] == [
        ("name", "missing"),
        ("count", "bounds"),
        ("share", "float"),
        ("kind", "enum"),
    ]
    with pytest.raises(RecordInvalid) as caught:
        check_values(SAMPLE_EFFECTIVE, values)
    assert caught.value.errors == errors
    assert str(caught.value).splitlines() == [
        "record does not follow the fields of template 88/tpl.sample@1.0.0 (4 errors):",
        "  - field name (index 2000): required field is missing",
        "  - field count (index 2002): out of bounds: 9 must be at most 5",
        "  - field share (index 2003): 1.5 is a JSON float where a decimal string is required:"
        ' send "1.5"',
        "  - field kind (index 2004): 'z' is not one of a, b",
    ]


def test_a_wrong_data_format_is_named() -> None:
    values = record()
    values[1]["data"]["format"] = "json"
    error = only(validate_values(SAMPLE_EFFECTIVE, values))
    assert (error.name, error.index, error.code) == ("name", 2000, "format")
    assert error.reason.startswith("data.format is 'json' but the value calls for 'string'")


def test_a_number_sent_as_a_string_format_is_named() -> None:
    values = record()
    count = next(item for item in values if item["type"] == "count")
    count["data"]["format"] = "string"
    error = only(validate_values(SAMPLE_EFFECTIVE, values))
    assert (error.name, error.index, error.code) == ("count", 2002, "format")
    assert error.reason == (
        "data.format is 'string' but the value calls for 'json'"
        ' ("string" for a JSON string, "json" otherwise)'
    )


@pytest.mark.parametrize(("number", "codes"), [(1, ["bounds"]), (2, []), (9, []), (10, ["bounds"])])
def test_exclusive_integer_bounds_leave_out_the_bound_itself(number: int, codes: list[str]) -> None:
    strict = effective(
        template(
            "88/tpl.open-range",
            [
                field(
                    "count",
                    2000,
                    "integer",
                    min="1",
                    max="10",
                    exclusive_min=True,
                    exclusive_max=True,
                )
            ],
        )
    )
    errors = validate_values(strict, [value(2000, "count", number)])
    assert [error.code for error in errors] == codes


def test_a_value_that_is_not_handle_shaped_is_named_by_position() -> None:
    values = [*record(), {"index": 2099, "type": "x"}, "text"]
    errors = validate_values(SAMPLE_EFFECTIVE, values)
    assert [(error.name, error.index, error.code) for error in errors] == [
        ("x", 2099, "malformed"),
        ("#16", -1, "malformed"),
    ]
    assert errors[0].reason.startswith("record value #15 is not of the form")


def test_a_record_naming_another_template_is_refused() -> None:
    values = record()
    values[0] = value(1001, "TEMPLATE", "88/tpl.other@1.0.0")
    error = only(validate_values(SAMPLE_EFFECTIVE, values))
    assert error == FieldError(
        "TEMPLATE",
        1001,
        "the record names template '88/tpl.other@1.0.0' but is checked against 88/tpl.sample@1.0.0",
        "template",
    )


def test_values_below_the_item_range_are_left_to_the_record_machinery() -> None:
    values = [*record(), value(100, "HS_ADMIN", {"index": 200}), value(1, "URL", "https://x")]
    assert validate_values(SAMPLE_EFFECTIVE, values) == []


def test_the_record_names_its_template() -> None:
    assert referenced_template(record()) == "88/tpl.sample@1.0.0"
    assert referenced_template(record()[1:]) is None


def test_the_template_is_found_past_values_that_are_not_handle_shaped() -> None:
    assert referenced_template(["text", 3, *record()]) == "88/tpl.sample@1.0.0"
    bare = {"index": 1001, "type": "TEMPLATE", "data": "88/tpl.sample@1.0.0"}
    assert referenced_template([bare]) is None


def test_the_compiled_model_is_built_once_per_template() -> None:
    assert compiled_model(SAMPLE_EFFECTIVE) is compiled_model(effective(SAMPLE))
    other = effective(template("88/tpl.sample", [field("name", 2000, "integer")]))
    assert compiled_model(other) is not compiled_model(SAMPLE_EFFECTIVE)


def test_field_names_that_shadow_pydantic_attributes_work() -> None:
    tricky = effective(
        template(
            "88/tpl.tricky",
            [field("json", 2000, "string"), field("copy", 2001, "integer", required=True)],
        )
    )
    assert validate_values(tricky, [value(2000, "json", "x"), value(2001, "copy", 1)]) == []
    assert only(validate_values(tricky, [value(2000, "json", "x")])).name == "copy"


# -- properties of the value validators -----------------------------------------------------

decimals = st.decimals(
    min_value=Decimal("-1000"), max_value=Decimal("1000"), allow_nan=False, places=3
)


def share_errors(text: object) -> list[FieldError]:
    return validate_values(SAMPLE_EFFECTIVE, record(share=text))


@given(decimals)
def test_a_decimal_string_is_accepted_exactly_when_it_lies_in_its_bounds(number: Decimal) -> None:
    text = f"{number:f}"
    errors = share_errors(text)
    if Decimal(0) < number <= Decimal(100):
        assert errors == []
    else:
        assert [error.code for error in errors] == ["bounds"]


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_is_never_a_decimal(number: float) -> None:
    assert [error.code for error in share_errors(number)] == ["float"]


@given(st.text(max_size=12))
def test_text_is_a_decimal_only_in_the_plain_decimal_form(text: str) -> None:
    digits = "0123456789"
    body = text[1:] if text[:1] in ("+", "-") else text
    whole, dot, fraction = body.partition(".")
    plain = (
        whole != ""
        and all(char in digits for char in whole)
        and (not dot or (fraction != "" and all(char in digits for char in fraction)))
    )
    codes = [error.code for error in share_errors(text)]
    if not plain:
        assert codes == ["type"]
    else:
        assert codes in ([], ["bounds"])


@given(st.integers(-20, 20))
def test_an_integer_is_checked_against_inclusive_bounds(number: int) -> None:
    codes = [error.code for error in validate_values(SAMPLE_EFFECTIVE, record(count=number))]
    assert codes == ([] if 1 <= number <= 5 else ["bounds"])


mass_units = st.sampled_from([("g", Decimal("0.001")), ("kg", Decimal(1)), ("t", Decimal(1000))])


@given(st.decimals(min_value=0, max_value=Decimal("1e6"), places=3), mass_units)
def test_quantity_bounds_hold_in_the_fields_unit_whatever_unit_the_value_uses(
    number: Decimal, unit: tuple[str, Decimal]
) -> None:
    symbol, kilograms_per_unit = unit
    errors = validate_values(
        SAMPLE_EFFECTIVE, record(mass={"value": f"{number:f}", "unit": symbol})
    )
    in_kilograms = number * kilograms_per_unit
    assert [error.code for error in errors] == ([] if in_kilograms <= 500 else ["bounds"])
