"""Record validation throughput: product-footprint records against their template.

Prints records/s of templates_meta.validate.validate_values with the model compiled from
88/tpl.product-footprint@1.0.0 (its 26 inherited and own fields), and its ratio to a
pydantic model of the same fields written by hand, checking the same things (strict
types, decimal strings, bounds, unit dimensions with conversion, enums, dates,
identifiers), fed the same Handle values. Both are measured in this run, medians of
several repetitions.

Run from the checkout: .venv/bin/python -m bench.template_validation
"""

import re
import time
from decimal import Decimal
from typing import Annotated, Any, Literal, NotRequired

import pydantic
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)
from typing_extensions import TypedDict

from bench.timing import median_seconds, paired
from templates_meta.builtin import builtin_example, builtin_lookup
from templates_meta.inherit import EffectiveTemplate, effective_template
from templates_meta.model import DECIMAL_PATTERN, IDENTIFIER_PATTERN
from templates_meta.units import UNITS, conversion_factor
from templates_meta.validate import DateText, compiled_model, validate_values

REF = "88/tpl.product-footprint@1.0.0"
RECORDS = 2_000
REPEAT = 11

# -- the hand-written model -----------------------------------------------------------------
# The floor: the leanest honest model of the same fields. Every bound is a Decimal made once,
# every unit's conversion to kgCO2e is looked up once, each check is one call at most, dates
# are checked in pydantic-core, and the record's items are picked out by one comprehension
# with none of the node's per-value checks (index against name, data format, duplicates, the
# TEMPLATE value). It refuses the same item values the compiled model refuses (an optional
# item may be left out, never sent as null; tests/templates_meta/test_short_way.py checks
# the two agree), and does less work on the way, so it is a floor for the compiled path,
# not a rival to it.

Text = Annotated[str, Strict()]
DecimalText = Annotated[str, Strict(), StringConstraints(pattern=DECIMAL_PATTERN)]
FORBID = ConfigDict(extra="forbid")
TO_KG = {
    symbol: conversion_factor(symbol, "kgCO2e")
    for symbol, unit in UNITS.items()
    if unit.dimension == "emissions"
}


def bounded(low: str | None, high: str | None, *, exclusive_low: bool = False) -> Any:
    floor = None if low is None else Decimal(low)
    ceiling = None if high is None else Decimal(high)

    def check(text: str) -> str:
        number = Decimal(text)
        if floor is not None and (number <= floor if exclusive_low else number < floor):
            raise ValueError(f"{text} is below {low}")
        if ceiling is not None and number > ceiling:
            raise ValueError(f"{text} is above {high}")
        return text

    return Annotated[DecimalText, AfterValidator(check)]


class Quantity(TypedDict):
    __pydantic_config__ = FORBID  # type: ignore[misc]
    value: DecimalText
    unit: Text


def emissions(low: str | None = None) -> Any:
    floor = None if low is None else Decimal(low)

    def check(quantity: Quantity) -> Quantity:
        factor = TO_KG.get(quantity["unit"])
        if factor is None:
            raise ValueError(f"unit {quantity['unit']} is not an emissions unit")
        if floor is not None and Decimal(quantity["value"]) * factor < floor:
            raise ValueError(f"{quantity['value']} {quantity['unit']} is below {low} kgCO2e")
        return quantity

    return Annotated[Quantity, AfterValidator(check)]


GTIN = re.compile(r"^([0-9]{8}|[0-9]{12,14})$")


def gtin_shape(text: str) -> str:
    # A template's pattern is matched with Python's re (docs/formats/templates.md).
    if GTIN.search(text) is None:
        raise ValueError(f"{text!r} is not a GTIN")
    return text


def known_unit(quantity: Quantity) -> Quantity:
    if quantity["unit"] not in UNITS:
        raise ValueError(f"unknown unit {quantity['unit']}")
    return quantity


class Input(TypedDict):
    __pydantic_config__ = FORBID  # type: ignore[misc]
    id: Annotated[str, Strict(), StringConstraints(pattern=IDENTIFIER_PATTERN)]
    quantity: Annotated[Quantity, AfterValidator(known_unit)]
    material: NotRequired[Text]


class HandFootprint(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, protected_namespaces=())
    product_name: Text
    manufacturer: Text
    model: Text = Field(None)
    gtin: Annotated[Text, AfterValidator(gtin_shape)] = Field(None)
    category: Text = Field(None)
    description: Text = Field(None)
    declared_unit: Literal["kg", "t", "piece", "kWh", "MJ", "m3", "m2", "L", "tkm"]
    declared_unit_amount: bounded("0", None, exclusive_low=True)  # type: ignore[valid-type]
    pcf_excluding_biogenic: emissions("0")  # type: ignore[valid-type]
    pcf_including_biogenic: emissions() = Field(None)  # type: ignore[valid-type]
    fossil_ghg_emissions: emissions("0")  # type: ignore[valid-type]
    biogenic_emissions: emissions() = Field(None)  # type: ignore[valid-type]
    own_fossil_emissions: emissions("0") = Field(None)  # type: ignore[valid-type]
    own_biogenic_emissions: emissions() = Field(None)  # type: ignore[valid-type]
    allocation_method: Literal["mass", "economic", "physical", "none"] = Field(None)
    inputs: list[Input] = Field(None)
    primary_data_share: bounded("0", "100") = Field(None)  # type: ignore[valid-type]
    dqr_technological: bounded("1", "3") = Field(None)  # type: ignore[valid-type]
    dqr_temporal: bounded("1", "3") = Field(None)  # type: ignore[valid-type]
    dqr_geographical: bounded("1", "3") = Field(None)  # type: ignore[valid-type]
    reference_period_start: DateText = Field(None)
    reference_period_end: DateText = Field(None)
    geography: Text = Field(None)
    boundary: Literal["cradle-to-gate", "cradle-to-grave", "gate-to-gate"] = Field(None)
    standards: list[Text] = Field(None)
    characterization_factors: Literal["AR5", "AR6"] = Field(None)


def hand_validate(values: list[dict[str, Any]]) -> None:
    HandFootprint.model_validate(
        {value["type"]: value["data"]["value"] for value in values if value["index"] >= 2000}
    )


# -- the run ----------------------------------------------------------------------------------


def records() -> list[list[dict[str, Any]]]:
    """Distinct records: the example with its emission figures varied."""
    made = []
    for number in range(RECORDS):
        values = builtin_example(REF)
        for value in values:
            if value["type"] in ("pcf_excluding_biogenic", "fossil_ghg_emissions"):
                value["data"]["value"] = {"value": f"{1000 + number}.5", "unit": "kgCO2e"}
        made.append(values)
    return made


def refused_by_both(effective: EffectiveTemplate, values: list[dict[str, Any]]) -> bool:
    """Whether both paths refuse ``values``: the floor must check what the node checks."""
    try:
        hand_validate(values)
    except pydantic.ValidationError:
        return validate_values(effective, values) != []
    return False


BAD_ITEMS: dict[str, Any] = {
    "pcf_excluding_biogenic": {"value": "-1", "unit": "kgCO2e"},
    "fossil_ghg_emissions": {"value": "12", "unit": "kWh"},
    "declared_unit_amount": "0",
    "primary_data_share": "100.5",
    "dqr_temporal": "1e2",
    "inputs": [{"id": "no-prefix", "quantity": {"value": "1", "unit": "t"}}],
    "reference_period_start": 20260101,
}


def bad_records() -> list[list[dict[str, Any]]]:
    """The example with one item made wrong, once for each item of BAD_ITEMS."""
    made = []
    for name, bad in BAD_ITEMS.items():
        values = builtin_example(REF)
        for value in values:
            if value["type"] == name:
                value["data"]["value"] = bad
                value["data"]["format"] = "string" if isinstance(bad, str) else "json"
        made.append(values)
    return made


def main() -> None:
    effective = effective_template(REF, builtin_lookup)
    batch = records()
    for values in batch[:50]:  # both paths accept every record, and compile before timing
        assert validate_values(effective, values) == []
        hand_validate(values)
    assert all(refused_by_both(effective, values) for values in bad_records())
    model = compiled_model(effective)
    items = [
        {value["type"]: value["data"]["value"] for value in values if value["index"] >= 2000}
        for values in batch
    ]

    def compiled() -> None:
        for values in batch:
            validate_values(effective, values)

    def hand() -> None:
        for values in batch:
            hand_validate(values)

    def model_alone() -> None:
        for record in items:
            model.model_validate(record)

    hand_s, compiled_s, ratio = paired(hand, compiled, REPEAT)
    hand_cpu, compiled_cpu, cpu_ratio = paired(hand, compiled, REPEAT, clock=time.thread_time)
    model_s = median_seconds(model_alone, REPEAT)
    print(f"records per run:                  {RECORDS} ({len(effective.fields)} fields each)")
    print(f"compiled template path:           {RECORDS / compiled_s:,.0f} records/s")
    print(f"  its pydantic model alone:       {RECORDS / model_s:,.0f} records/s")
    print(f"lean hand-written model (floor):  {RECORDS / hand_s:,.0f} records/s")
    print(f"ratio compiled / floor:           {ratio:.2f} (median of pairs; target >= 0.8)")
    print(
        f"  by CPU time:                    {cpu_ratio:.2f} (compiled"
        f" {compiled_cpu / RECORDS * 1e6:.1f} µs, floor {hand_cpu / RECORDS * 1e6:.1f} µs a record)"
    )


if __name__ == "__main__":
    main()
