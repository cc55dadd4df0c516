"""Record validation throughput: product-footprint records against their template.

Prints records/s of templates_meta.validate.validate_values with the model compiled from
88/tpl.product-footprint@1.0.0 (its 26 inherited and own fields), and its ratio to a
pydantic model of the same fields written by hand, checking the same things (strict
types, decimal strings, bounds, unit dimensions with conversion, enums, dates,
identifiers), fed the same Handle values. Both are measured in this run, medians of
several repetitions.

Run from the checkout: .venv/bin/python -m bench.template_validation
"""

import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Strict, StringConstraints

from templates_meta.builtin import builtin_example, builtin_lookup
from templates_meta.inherit import effective_template
from templates_meta.model import DECIMAL_PATTERN, IDENTIFIER_PATTERN
from templates_meta.units import UNITS, conversion_factor
from templates_meta.validate import validate_values

REF = "88/tpl.product-footprint@1.0.0"
RECORDS = 2_000
REPEAT = 11

# -- the hand-written model -----------------------------------------------------------------

Text = Annotated[str, Strict()]
DecimalText = Annotated[str, Strict(), StringConstraints(pattern=DECIMAL_PATTERN)]


def bounded(low: str | None, high: str | None, *, exclusive_low: bool = False) -> Any:
    def check(text: str) -> str:
        number = Decimal(text)
        if low is not None and (number <= Decimal(low) if exclusive_low else number < Decimal(low)):
            raise ValueError(f"{text} is below {low}")
        if high is not None and number > Decimal(high):
            raise ValueError(f"{text} is above {high}")
        return text

    return Annotated[DecimalText, AfterValidator(check)]


class Quantity(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    value: DecimalText
    unit: Text


def emissions(low: str | None = None) -> Any:
    def check(quantity: Quantity) -> Quantity:
        if quantity.unit not in UNITS or UNITS[quantity.unit].dimension != "emissions":
            raise ValueError(f"unit {quantity.unit} is not an emissions unit")
        in_kg = Decimal(quantity.value) * conversion_factor(quantity.unit, "kgCO2e")
        if low is not None and in_kg < Decimal(low):
            raise ValueError(f"{quantity.value} {quantity.unit} is below {low} kgCO2e")
        return quantity

    return Annotated[Quantity, AfterValidator(check)]


def known_unit(quantity: Quantity) -> Quantity:
    if quantity.unit not in UNITS:
        raise ValueError(f"unknown unit {quantity.unit}")
    return quantity


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    id: Annotated[str, Strict(), StringConstraints(pattern=IDENTIFIER_PATTERN)]
    quantity: Annotated[Quantity, AfterValidator(known_unit)]


class HandFootprint(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, protected_namespaces=())
    product_name: Text
    manufacturer: Text
    model: Text | None = None
    gtin: Annotated[str, StringConstraints(pattern=r"^([0-9]{8}|[0-9]{12,14})$")] | None = None
    category: Text | None = None
    description: Text | None = None
    declared_unit: Literal["kg", "t", "piece", "kWh", "MJ", "m3", "m2", "L", "tkm"]
    declared_unit_amount: bounded("0", None, exclusive_low=True)  # type: ignore[valid-type]
    pcf_excluding_biogenic: emissions("0")  # type: ignore[valid-type]
    pcf_including_biogenic: emissions() | None = None  # type: ignore[valid-type]
    fossil_ghg_emissions: emissions("0")  # type: ignore[valid-type]
    biogenic_emissions: emissions() | None = None  # type: ignore[valid-type]
    own_fossil_emissions: emissions("0") | None = None  # type: ignore[valid-type]
    own_biogenic_emissions: emissions() | None = None  # type: ignore[valid-type]
    allocation_method: Literal["mass", "economic", "physical", "none"] | None = None
    inputs: list[Input] | None = None
    primary_data_share: bounded("0", "100") | None = None  # type: ignore[valid-type]
    dqr_technological: bounded("1", "3") | None = None  # type: ignore[valid-type]
    dqr_temporal: bounded("1", "3") | None = None  # type: ignore[valid-type]
    dqr_geographical: bounded("1", "3") | None = None  # type: ignore[valid-type]
    reference_period_start: Annotated[date, Strict(False)] | None = None
    reference_period_end: Annotated[date, Strict(False)] | None = None
    geography: Text | None = None
    boundary: Literal["cradle-to-gate", "cradle-to-grave", "gate-to-gate"] | None = None
    standards: list[Text] | None = None
    characterization_factors: Literal["AR5", "AR6"] | None = None


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


def medians(first: Callable[[], object], second: Callable[[], object]) -> tuple[float, float]:
    """Median seconds of each, timed in alternation so load on the machine hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(REPEAT):
        for fn, sink in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            fn()
            sink.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    effective = effective_template(REF, builtin_lookup)
    batch = records()
    for values in batch[:50]:  # both paths accept every record, and compile before timing
        assert validate_values(effective, values) == []
        hand_validate(values)

    def compiled() -> None:
        for values in batch:
            validate_values(effective, values)

    def hand() -> None:
        for values in batch:
            hand_validate(values)

    compiled_s, hand_s = medians(compiled, hand)
    compiled_rate = RECORDS / compiled_s
    hand_rate = RECORDS / hand_s
    print(f"records per run:                  {RECORDS} ({len(effective.fields)} fields each)")
    print(f"compiled template model:          {compiled_rate:,.0f} records/s")
    print(f"hand-written pydantic model:      {hand_rate:,.0f} records/s")
    print(f"ratio compiled / hand-written:    {compiled_rate / hand_rate:.2f} (target >= 0.8)")


if __name__ == "__main__":
    main()
