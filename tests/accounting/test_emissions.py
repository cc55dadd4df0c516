"""Emission engine against hand-computed GB/T 32150 oracles, and its refusals."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounting.activity import Category, Readings, Source
from accounting.emissions import Settings, build, calculate, compute
from accounting.errors import (
    ActivityDataError,
    PeriodMismatchError,
    UnknownFactorError,
    UnknownFuelError,
)
from accounting.factors import Override, Overrides
from templates_meta.errors import UnitError


def one(source: Source, quantity: float, settings: Settings) -> float:
    return calculate([source], Readings.totals([quantity]), settings).total


def test_raw_coal_combustion_matches_the_standard_formula() -> None:
    # GB/T 32150: E = AD × NCV × CC × OF × 44/12, raw-coal defaults 20.908 GJ/t,
    # 0.02637 tC/GJ, OF 0.94.  1000 t × 20.908 = 20908 GJ; × 0.02637 = 551.34396 tC;
    # × 0.94 = 518.2633224 tC; × 44/12 = 1900.2988488 tCO2.
    source = Source("boiler-1", Category.COMBUSTION, "t", "raw_coal")
    result = calculate([source], Readings.totals([1000.0]), Settings(year=2023))
    assert result.total == pytest.approx(1900.2988488, abs=1e-6)
    assert result.scope_total(1) == pytest.approx(1900.2988488, abs=1e-6)
    assert result.scope_total(2) == 0
    factor = result.model.factors[0]
    assert factor.coefficient == Decimal("20.908") * Decimal("0.02637") * Decimal("0.94") * 44 / 12
    assert [t.name for t in factor.terms] == ["ncv", "carbon_content", "oxidation"]
    assert "GB/T 32150" in factor.terms[0].citation.document


def test_readings_in_kilograms_are_converted_to_tonnes() -> None:
    # 500,000 kg = 500 t → half of the 1000 t oracle: 950.1494244 tCO2
    source = Source("boiler-1", Category.COMBUSTION, "kg", "raw_coal")
    assert one(source, 500_000.0, Settings(year=2023)) == pytest.approx(950.1494244, abs=1e-6)


def test_natural_gas_in_normal_cubic_metres() -> None:
    # 100,000 Nm3 = 10 (10^4 Nm3) × 389.31 GJ = 3893.1 GJ; × 0.0153 = 59.56443 tC;
    # × 0.99 = 58.9687857 tC; × 44/12 = 216.2188809 tCO2
    source = Source("kiln", Category.COMBUSTION, "Nm3", "natural_gas")
    assert one(source, 100_000.0, Settings(year=2023)) == pytest.approx(216.2188809, abs=1e-6)


def test_purchased_electricity_with_the_2022_grid_factors() -> None:
    # 1000 MWh × 0.5703 tCO2/MWh (2022 ETS reporting value) = 570.3 tCO2;
    # 1000 MWh × 0.5366 (MEE/NBS 2022 national average) = 536.6 tCO2;
    # 2,500,000 kWh = 2500 MWh × 0.5703 = 1425.75 tCO2
    meter = Source("grid", Category.ELECTRICITY_PURCHASED, "MWh")
    ets = Settings(year=2022, grid_basis="ets")
    assert one(meter, 1000.0, ets) == pytest.approx(570.3)
    assert one(meter, 1000.0, Settings(year=2022)) == pytest.approx(536.6)
    kwh = Source("grid", Category.ELECTRICITY_PURCHASED, "kWh")
    result = calculate([kwh], Readings.totals([2_500_000.0]), ets)
    assert result.total == pytest.approx(1425.75)
    assert result.scope_total(2) == pytest.approx(1425.75)
    assert result.sources[0].factor.terms[0].citation.document.startswith("生态环境部")


def test_2023_national_and_regional_factors() -> None:
    meter = Source("grid", Category.ELECTRICITY_PURCHASED, "MWh")
    assert one(meter, 100.0, Settings(year=2023)) == pytest.approx(53.06)  # 100 × 0.5306
    east = Settings(year=2023, grid_region="east")
    assert one(meter, 100.0, east) == pytest.approx(55.0)  # 100 × 0.5500


@pytest.mark.parametrize(
    ("gwp", "gas", "expected"),
    [
        ("AR5", "CH4", 280.0),  # 10 t × 28
        ("AR6", "CH4", 298.0),  # 10 t × 29.8 (fossil)
        ("AR6", "CH4_non_fossil", 270.0),  # 10 t × 27.0
        ("AR5", "N2O", 2650.0),  # 10 t × 265
        ("AR6", "N2O", 2730.0),  # 10 t × 273
        ("AR6", "SF6", 252000.0),  # 10 t × 25200
        ("AR5", "HFC-134a", 13000.0),  # 10 t × 1300
    ],
)
def test_direct_gas_to_co2e_with_the_chosen_gwp_set(gwp: str, gas: str, expected: float) -> None:
    source = Source("leak", Category.GAS, "t", gas)
    assert one(source, 10.0, Settings(year=2023, gwp=gwp)) == pytest.approx(expected)


def test_methane_in_kilograms_ar5_versus_ar6() -> None:
    # 2500 kg = 2.5 t CH4: AR5 2.5 × 28 = 70 tCO2e; AR6 2.5 × 29.8 = 74.5 tCO2e
    source = Source("digester", Category.GAS, "kg", "CH4")
    assert one(source, 2500.0, Settings(year=2023, gwp="AR5")) == pytest.approx(70.0)
    assert one(source, 2500.0, Settings(year=2023, gwp="AR6")) == pytest.approx(74.5)


def test_process_and_exports_and_scopes() -> None:
    # calcite 100 t × 0.43971 = 43.971 (scope 1);
    # heat bought 1000 GJ × 0.11 = 110, exported 200 GJ × 0.11 = −22 (scope 2 = 88)
    sources = [
        Source("kiln", Category.PROCESS, "t", "calcite"),
        Source("steam-in", Category.HEAT_PURCHASED, "GJ"),
        Source("steam-out", Category.HEAT_EXPORTED, "GJ"),
    ]
    result = calculate(sources, Readings.totals([100.0, 1000.0, 200.0]), Settings(year=2023))
    assert result.scope_total(1) == pytest.approx(43.971)
    assert result.scope_total(2) == pytest.approx(88.0)
    assert result.total == pytest.approx(131.971)
    assert result.energy_related == pytest.approx(88.0)
    assert result.by_category()["heat_exported"] == pytest.approx(-22.0)


def test_override_replaces_a_term_and_is_recorded() -> None:
    # measured NCV 22 GJ/t (given as 22000 MJ/t) instead of 20.908: 100 t × 22 = 2200 GJ;
    # × 0.02637 = 58.014 tC; × 0.94 = 54.53316 tC; × 44/12 = 199.95492 tCO2
    override = Override("fuel.raw_coal.ncv", Decimal("22000"), "MJ/t", "lab report 7", 2023)
    settings = Settings(year=2023, overrides=Overrides.of([override]))
    source = Source("boiler", Category.COMBUSTION, "t", "raw_coal")
    result = calculate([source], Readings.totals([100.0]), settings)
    assert result.total == pytest.approx(199.95492, abs=1e-6)
    ncv = result.sources[0].factor.terms[0]
    assert ncv.overridden and ncv.value == Decimal(22) and ncv.default_value == Decimal("20.908")
    assert ncv.citation.document == "lab report 7"
    dumped = result.to_json()["sources"][0]["terms"][0]
    assert dumped["overridden"] is True and dumped["default_value"] == "20.908"


def test_a_year_of_readings_is_one_array_operation() -> None:
    sources = [Source(f"s{i}", Category.ELECTRICITY_PURCHASED, "kWh") for i in range(100)]
    rng = np.random.default_rng(7)
    index = rng.integers(0, 100, size=50_000)
    quantity = rng.uniform(0, 10, size=50_000)
    times = np.datetime64("2023-01-01T00:00:00") + rng.integers(0, 365 * 86400, 50_000).astype(
        "timedelta64[s]"
    )
    result = compute(build(sources, Settings(year=2023)), Readings(index, quantity, times))
    # every source has the same factor: total = Σ kWh / 1000 × 0.5306
    assert result.total == pytest.approx(quantity.sum() / 1000 * 0.5306)
    per_source = np.bincount(index, weights=quantity, minlength=100) / 1000 * 0.5306
    assert np.allclose(result.emissions, per_source)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30))
def test_splitting_readings_does_not_change_the_total(parts: list[float]) -> None:
    source = Source("boiler", Category.COMBUSTION, "t", "diesel")
    model = build([source], Settings(year=2023))
    split = compute(model, Readings(np.zeros(len(parts), dtype=np.intp), np.array(parts)))
    whole = compute(model, Readings.totals([sum(parts)]))
    assert split.total == pytest.approx(whole.total, rel=1e-9, abs=1e-9)


def test_unknown_fuel_gas_and_process_are_refused() -> None:
    with pytest.raises(UnknownFuelError, match=r"'peat'.*known fuels"):
        build([Source("b", Category.COMBUSTION, "t", "peat")], Settings(year=2023))
    with pytest.raises(UnknownFactorError, match=r"gas 'HFC-999'"):
        build([Source("b", Category.GAS, "t", "HFC-999")], Settings(year=2023))
    with pytest.raises(UnknownFactorError, match=r"process 'clinker'"):
        build([Source("b", Category.PROCESS, "t", "clinker")], Settings(year=2023))
    with pytest.raises(UnknownFactorError, match=r"GWP set 'SAR'"):
        build([Source("b", Category.GAS, "t", "CH4")], Settings(year=2023, gwp="SAR"))


def test_unit_of_the_wrong_dimension_names_the_source() -> None:
    with pytest.raises(UnitError, match=r"source 'boiler'.*kWh"):
        build([Source("boiler", Category.COMBUSTION, "kWh", "raw_coal")], Settings(year=2023))
    with pytest.raises(UnitError, match=r"source 'meter'"):
        build([Source("meter", Category.ELECTRICITY_PURCHASED, "t")], Settings(year=2023))


def test_negative_and_non_finite_readings_are_refused() -> None:
    model = build([Source("grid", Category.ELECTRICITY_PURCHASED, "MWh")], Settings(year=2023))
    with pytest.raises(ActivityDataError, match=r"reading 1 of source 'grid' is negative"):
        compute(model, Readings(np.zeros(2, dtype=np.intp), np.array([1.0, -5.0])))
    with pytest.raises(ActivityDataError, match=r"not a finite number"):
        compute(model, Readings(np.zeros(1, dtype=np.intp), np.array([np.nan])))
    with pytest.raises(ActivityDataError, match=r"source index 3"):
        compute(model, Readings(np.array([3]), np.array([1.0])))


def test_reference_period_mismatches_are_refused() -> None:
    meter = [Source("grid", Category.ELECTRICITY_PURCHASED, "MWh")]
    with pytest.raises(PeriodMismatchError, match=r"reporting year 2019.*2022, 2023"):
        build(meter, Settings(year=2019))
    model = build(meter, Settings(year=2023))
    times = np.array(["2023-12-31T23:59:59", "2024-01-01T00:00:00"], dtype="datetime64[s]")
    with pytest.raises(PeriodMismatchError, match=r"1 reading.*outside reporting year 2023"):
        compute(model, Readings(np.zeros(2, dtype=np.intp), np.array([1.0, 1.0]), times))
    stale = Override("electricity.emission_factor", Decimal("0.6"), "tCO2/MWh", "contract", 2021)
    with pytest.raises(PeriodMismatchError, match=r"for 2021 but the calculation is for 2023"):
        build(meter, Settings(year=2023, overrides=Overrides.of([stale])))


def test_an_override_of_a_year_without_published_factor_is_accepted() -> None:
    own = Override("electricity.emission_factor", Decimal("0.52"), "kgCO2/kWh", "PPA 2025", 2025)
    meter = [Source("grid", Category.ELECTRICITY_PURCHASED, "MWh")]
    with pytest.raises(PeriodMismatchError):
        build(meter, Settings(year=2025))
    model = build(meter, Settings(year=2025, overrides=Overrides.of([own])))
    assert compute(model, Readings.totals([10.0])).total == pytest.approx(5.2)  # 10 × 0.52


def test_override_mistakes_are_refused() -> None:
    meter = [Source("grid", Category.ELECTRICITY_PURCHASED, "MWh")]
    typo = Override("fuel.raw_cole.ncv", Decimal(20), "GJ/t", "lab")
    with pytest.raises(UnknownFactorError, match=r"fuel.raw_cole.ncv match no factor"):
        build(meter, Settings(year=2023, overrides=Overrides.of([typo])))
    wrong = Override("electricity.emission_factor", Decimal("0.5"), "tCO2/t", "x")
    with pytest.raises(UnitError, match=r"override electricity.emission_factor"):
        build(meter, Settings(year=2023, overrides=Overrides.of([wrong])))
    with pytest.raises(ActivityDataError, match=r"appears twice"):
        build(meter * 2, Settings(year=2023))
