"""The emission result as a report reads it, member by member, and the exact words of the
engine's refusals. tests/accounting/expected/emission_report.json holds the full JSON of
one calculation over every kind of source; its figures are worked by hand below."""

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from accounting.activity import Category, Readings, Source
from accounting.emissions import EmissionResult, Settings, build, calculate, compute
from accounting.errors import ActivityDataError, PeriodMismatchError
from accounting.factors import FactorLibrary, Override, Overrides
from accounting.provenance import Term

EXPECTED = Path(__file__).parent / "expected" / "emission_report.json"

SOURCES = [
    Source("boiler", Category.COMBUSTION, "kg", "raw_coal", name="Boiler 1"),
    Source("kiln", Category.PROCESS, "kg", "calcite"),
    Source("leak", Category.GAS, "kg", "CH4"),
    Source("grid", Category.ELECTRICITY_PURCHASED, "kWh"),
    Source("solar", Category.ZERO_CARBON_ELECTRICITY, "MWh"),
    Source("steam-in", Category.HEAT_PURCHASED, "MJ"),
    Source("steam-out", Category.HEAT_EXPORTED, "GJ"),
]
OVERRIDES = Overrides.of(
    [
        Override("fuel.raw_coal.carbon_content", Decimal("27"), "kg/GJ", "lab 1"),
        Override("fuel.raw_coal.oxidation", Decimal("1"), "1", "lab 2"),
        Override("process.calcite.emission_factor", Decimal("440"), "kgCO2/t", "lab 3"),
        Override("heat.emission_factor", Decimal("0.1"), "tCO2/GJ", "supplier"),
    ]
)


def every_kind() -> EmissionResult:
    readings = Readings.totals([1000.0, 2000.0, 10.0, 1000.0, 1.0, 1000.0, 2.0])
    return calculate(SOURCES, readings, Settings(year=2023, overrides=OVERRIDES))


def test_the_full_json_of_every_kind_of_source() -> None:
    # coal 1 t × 20.908 GJ/t × 0.027 t/GJ (27 kg/GJ overridden) × 1 (overridden) × 44/12
    #   = 2.069892; calcite 2 t × 0.440 (440 kg/t overridden) = 0.88; CH4 0.01 t × 29.8 (AR6)
    #   = 0.298; grid 1 MWh × 0.5306 = 0.5306; zero-carbon −1 MWh × 0.5306; heat bought
    #   1 GJ × 0.1 (overridden) = 0.1, exported −2 GJ × 0.1 = −0.2.
    # scope 1 = 3.247892, scope 2 = −0.1, total 3.147892, energy-related (all but process
    # and gas) 1.969892.
    assert every_kind().to_json() == json.loads(EXPECTED.read_text())


def test_totals_by_category_and_scope() -> None:
    result = every_kind()
    assert result.by_category() == pytest.approx(
        {
            "combustion": 2.069892,
            "process": 0.88,
            "gas": 0.298,
            "electricity_purchased": 0.5306,
            "zero_carbon_electricity": -0.5306,
            "heat_purchased": 0.1,
            "heat_exported": -0.2,
        }
    )
    two_meters = [
        Source("a", Category.ELECTRICITY_PURCHASED, "MWh"),
        Source("b", Category.ELECTRICITY_PURCHASED, "MWh"),
    ]
    both = calculate(two_meters, Readings.totals([1.0, 2.0]), Settings(year=2023))
    assert both.by_category() == pytest.approx({"electricity_purchased": 3 * 0.5306})


def test_factor_terms_quoted_in_other_units_are_converted() -> None:
    # A library whose raw coal NCV is a measured 22000 MJ/t (22 GJ/t), its carbon content
    # 26.37 kg/GJ (0.02637 t/GJ) and its grid factor 0.6 kgCO2/kWh (0.6 tCO2/MWh):
    # 1000 t × 22 × 0.02637 × 0.94 × 44/12 = 1999.5492 tCO2, and 10 MWh × 0.6 = 6 tCO2.
    default = FactorLibrary.default()
    coal = default.fuel("raw_coal")
    quoted = replace(
        coal,
        ncv=replace(coal.ncv, value=Decimal(22000), unit="MJ/t"),
        carbon_content=replace(coal.carbon_content, value=Decimal("26.37"), unit="kg/GJ"),
    )
    grid = [
        replace(f, term=replace(f.term, value=Decimal("0.6"), unit="kgCO2/kWh"))
        for f in default.electricity
    ]
    library = FactorLibrary(
        {**default.fuels, "raw_coal": quoted}, default.processes, grid, default.heat
    )
    sources = [
        Source("boiler", Category.COMBUSTION, "t", "raw_coal"),
        Source("grid", Category.ELECTRICITY_PURCHASED, "MWh"),
    ]
    result = calculate(sources, Readings.totals([1000.0, 10.0]), Settings(year=2023), library)
    assert result.emissions.tolist() == pytest.approx([1999.5492, 6.0])


@pytest.mark.parametrize(("rate", "accepted"), [("0", True), ("1", True), ("1.0001", False)])
def test_an_oxidation_rate_must_lie_in_the_unit_interval(rate: str, accepted: bool) -> None:
    override = Override("fuel.raw_coal.oxidation", Decimal(rate), "1", "lab")
    settings = Settings(year=2023, overrides=Overrides.of([override]))
    source = [Source("boiler", Category.COMBUSTION, "t", "raw_coal")]
    if accepted:
        assert build(source, settings).factors[0].terms[2].value == Decimal(rate)
        return
    with pytest.raises(ActivityDataError) as refused:
        build(source, settings)
    assert str(refused.value) == "source 'boiler': oxidation rate 1.0001 must lie in [0, 1]"


def test_reading_refusals_name_the_reading_the_source_and_the_fix() -> None:
    model = build(
        [
            Source("grid", Category.ELECTRICITY_PURCHASED, "MWh"),
            Source("pv", Category.ZERO_CARBON_ELECTRICITY, "MWh"),
        ],
        Settings(year=2023),
    )
    cases = [
        ([0, 1], [1.0, -0.5], "reading 1 of source 'pv' is negative (-0.5)"),
        ([1, 0], [np.inf, 1.0], "reading 0 of source 'pv' is not a finite number (inf)"),
        ([0], [np.nan], "reading 0 of source 'grid' is not a finite number (nan)"),
    ]
    for index, quantity, start in cases:
        with pytest.raises(ActivityDataError) as refused:
            compute(model, Readings(np.array(index, dtype=np.intp), np.array(quantity)))
        assert str(refused.value) == (
            f"{start}; quantities are >= 0 — record exports as an exported-energy source "
            "instead of a negative reading"
        )
    for index, named in (([0, 2], 2), ([-1, 1], -1), ([1, 0, -2, 5], -2)):
        with pytest.raises(ActivityDataError) as refused:
            compute(model, Readings(np.array(index, dtype=np.intp), np.ones(len(index))))
        assert str(refused.value) == f"readings refer to source index {named}; there are 2 sources"
    zero = compute(model, Readings(np.array([0, 0], dtype=np.intp), np.array([0.0, 1.0])))
    assert zero.activity.tolist() == [1.0, 0.0]  # a zero reading is a reading, not an error


def test_readings_at_the_year_boundaries() -> None:
    model = build([Source("grid", Category.ELECTRICITY_PURCHASED, "MWh")], Settings(year=2023))
    inside = np.array(["2023-01-01T00:00:00", "2023-12-31T23:59:59"], dtype="datetime64[s]")
    result = compute(model, Readings(np.zeros(2, dtype=np.intp), np.ones(2), inside))
    assert result.total == pytest.approx(2 * 0.5306)
    before = np.array(["2023-06-01T00:00:00", "2022-12-31T23:59:59"], dtype="datetime64[s]")
    with pytest.raises(PeriodMismatchError) as refused:
        compute(model, Readings(np.zeros(2, dtype=np.intp), np.ones(2), before))
    assert str(refused.value) == (
        "1 reading(s) fall outside reporting year 2023; the first is reading 1 of source "
        "'grid' at 2022-12-31T23:59:59"
    )


def test_model_arrays_have_the_documented_types() -> None:
    model = every_kind().model
    assert (model.signed.dtype, model.scope.dtype, model.energy_related.dtype) == (
        np.float64,
        np.int8,
        np.bool_,
    )
    assert model.scope.tolist() == [1, 1, 1, 2, 2, 2, 2]
    assert model.energy_related.tolist() == [True, False, False, True, True, True, True]
    gwp = model.factors[2].terms[0]
    assert gwp == Term("gwp", Decimal("29.8"), "1", gwp.citation)
