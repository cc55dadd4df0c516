"""validate_values answers at once for a record that follows its template, and walks every
other: the two ways must agree on every record, and the benchmark's hand-written floor
must refuse exactly the item values the node refuses (else its speed says nothing)."""

import warnings
from enum import IntEnum
from typing import Any

import pydantic
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.template_validation import REF, hand_validate
from templates_meta.builtin import builtin_example, builtin_lookup, builtin_templates
from templates_meta.inherit import effective_template
from templates_meta.validate import (
    _compiled,
    _follows,
    all_errors,
    compiled_model,
    validate_values,
)
from tests.templates_meta.builders import effective, field, value
from tests.templates_meta.builders import template as make_template
from tests.templates_meta.test_validate import SAMPLE_EFFECTIVE, record

FOOTPRINT = effective_template(REF, builtin_lookup)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "a", "12.5", "-0", "+1", "1e3", "2026-02-28", "2026-02-30", "t", "kg"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["value", "unit", "id", "quantity", "x"]), inner, max_size=3
        ),
    ),
    max_leaves=6,
)


class Index(IntEnum):
    COUNT = 2002


class Text(str):
    """A str subclass: counts as a str on both ways."""


def mutated(values: list[dict[str, Any]], data: st.DataObject) -> list[Any]:
    """The record with a few structural or value changes of the kinds the walk words."""
    values = [{**item, "data": dict(item["data"])} for item in values]
    for _ in range(data.draw(st.integers(0, 3))):
        position = data.draw(st.integers(0, len(values) - 1))
        target = values[position]
        change = data.draw(st.sampled_from(range(14)))
        if not (isinstance(target, dict) and isinstance(target.get("data"), dict)):
            continue  # an earlier change already broke this value
        if change == 0:
            target["index"] = data.draw(
                st.sampled_from([2000.0, True, False, "2000", None, 1, 2099, Index.COUNT])
            )
        elif change == 1:
            target["type"] = data.draw(
                st.sampled_from(["name", "count", "colour", 7, Text("kind")])
            )
        elif change == 2:
            target["data"].pop("format", None)
        elif change == 3:
            target["data"]["format"] = data.draw(st.sampled_from(["string", "json", "text", 1]))
        elif change == 4:
            target["data"]["value"] = data.draw(json_values)
        elif change == 5:
            target["data"].pop("value", None)
        elif change == 6:
            values.append({**target, "data": dict(target["data"])})
        elif change == 7 and len(values) > 1:
            del values[position]
        elif change == 8:
            values.insert(0, value(1, "URL", "https://example.com/coil"))
        elif change == 9:
            values[position] = data.draw(st.sampled_from(["text", 3, None, [], {"index": 2000}]))
        elif change == 10:
            target["data"] = data.draw(st.sampled_from(["text", [], None]))
        elif change == 11:
            ref = data.draw(st.sampled_from(["88/TPL.sample@1.0.0", "88/tpl.other@1.0.0", 1]))
            values.insert(0, value(1001, "TEMPLATE", ref))
        elif change == 12:
            values.reverse()
        elif isinstance(target["data"].get("value"), str):
            target["data"]["value"] = Text(target["data"]["value"])
    return values


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_short_way_and_the_walk_agree_on_every_record(data: st.DataObject) -> None:
    values = mutated(record(), data)
    assert validate_values(SAMPLE_EFFECTIVE, values) == all_errors(SAMPLE_EFFECTIVE, values)


def test_a_record_that_follows_its_template_is_accepted_either_way() -> None:
    values = builtin_example(REF)
    assert validate_values(FOOTPRINT, values) == all_errors(FOOTPRINT, values) == []
    assert validate_values(FOOTPRINT, iter(values)) == []


def test_every_built_in_example_takes_the_short_way() -> None:
    # The short way may always give up (the walk answers the same), so only this sees it
    # giving up on a record it should take: bench.template_validation would, in its speed.
    for template in builtin_templates():
        merged = effective_template(template.ref, builtin_lookup)
        values = builtin_example(template.ref)
        values.insert(0, value(1, "URL", "https://example.com/product"))
        assert _follows(merged, _compiled(merged), values), template.ref


def test_a_float_or_bool_index_is_malformed_either_way() -> None:
    for index in (2000.0, True):
        values = record()
        values[1]["index"] = index
        errors = validate_values(SAMPLE_EFFECTIVE, values)
        assert [error.code for error in errors] == ["malformed", "missing"]


def test_subclasses_of_str_and_int_count_as_them_either_way() -> None:
    values = record()
    values[3] = value(Index.COUNT, Text("count"), 3)
    values[1]["data"]["value"] = Text("coil")
    assert validate_values(SAMPLE_EFFECTIVE, values) == all_errors(SAMPLE_EFFECTIVE, values) == []


SHADOWING = effective(
    make_template(
        "88/tpl.shadowing",
        [
            field("json", 2000, "string", required=True),
            field("copy", 2001, "integer", min="1"),
            field("model_size", 2002, "decimal"),
            field("model", 2003, "string"),
        ],
    )
)


def test_a_field_named_like_a_model_attribute_is_checked_under_its_name() -> None:
    # json and copy are BaseModel's, model_ its namespace: the model names them otherwise
    # and reads them by alias, without a warning; the errors still name the field.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = compiled_model(SHADOWING)
    assert set(model.model_fields) == {"f2000", "f2001", "f2002", "model"}
    good = [
        value(1001, "TEMPLATE", SHADOWING.ref),
        value(2000, "json", "text"),
        value(2001, "copy", 2),
        value(2002, "model_size", "1.5"),
        value(2003, "model", "Q235B"),
    ]
    assert _follows(SHADOWING, _compiled(SHADOWING), good)
    assert validate_values(SHADOWING, good) == []
    bad = [good[0], value(2001, "copy", 0), value(2002, "model_size", 1.5)]
    errors = validate_values(SHADOWING, bad)
    assert [(error.name, error.code) for error in errors] == [
        ("json", "missing"),
        ("copy", "bounds"),
        ("model_size", "float"),
    ]
    assert errors == all_errors(SHADOWING, bad)


# -- the benchmark's floor refuses what the node refuses ----------------------------------

FOOTPRINT_ITEMS: dict[str, Any] = {
    "declared_unit_amount": st.sampled_from(["0", "0.001", "-1", "1e2", "12", 12]),
    "pcf_excluding_biogenic": st.fixed_dictionaries(
        {
            "value": st.sampled_from(["-0.5", "0", "0.0001", "1000.5", "1,5", 3]),
            "unit": st.sampled_from(["kgCO2e", "tCO2e", "gCO2e", "kWh", "stone"]),
        }
    ),
    "own_fossil_emissions": st.one_of(
        st.none(), st.fixed_dictionaries({"value": st.just("-1"), "unit": st.just("tCO2e")})
    ),
    "primary_data_share": st.sampled_from(["0", "100", "100.5", "-0", "50", "+7", None]),
    "dqr_temporal": st.sampled_from(["1", "3", "0.9", "3.01", "2"]),
    "reference_period_start": st.sampled_from(
        ["2025-01-01", "0000-01-01", "2025-02-29", "2024-02-29", "2025-01-01T00:00:00", 20250101]
    ),
    "gtin": st.sampled_from(["12345678", "1234567", "12345678901234", "12345678\n", "", None]),
    "declared_unit": st.sampled_from(["t", "kg", "tonne", 1]),
    "inputs": st.lists(
        st.fixed_dictionaries(
            {
                "id": st.sampled_from(["88.1/ore", "no-prefix", "88.1/x"]),
                "quantity": st.fixed_dictionaries(
                    {
                        "value": st.sampled_from(["1", "1.0", "x"]),
                        "unit": st.sampled_from(["t", "MJ", "furlong"]),
                    }
                ),
            }
        ),
        max_size=2,
    ),
    "standards": st.one_of(st.lists(st.sampled_from(["ISO 14067", 3]), max_size=2), st.just("ISO")),
    "model": st.one_of(st.none(), st.just("Q235B"), st.just(5)),
}


def floor_accepts(values: list[dict[str, Any]]) -> bool:
    try:
        hand_validate(values)
    except pydantic.ValidationError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional=FOOTPRINT_ITEMS))
def test_the_floor_refuses_exactly_what_the_node_refuses(changes: dict[str, Any]) -> None:
    values = builtin_example(REF)
    present = {item["type"] for item in values}
    for name, item in changes.items():
        if name not in present:
            index = FOOTPRINT.by_name[name].index
            values.append(value(index, name, item))
    for item in values:
        if item["type"] in changes:
            new = changes[item["type"]]
            item["data"] = {"format": "string" if isinstance(new, str) else "json", "value": new}
    assert floor_accepts(values) == (validate_values(FOOTPRINT, values) == [])
