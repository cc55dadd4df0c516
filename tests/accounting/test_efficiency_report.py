"""The carbon-efficiency result as a report reads it: every member of its JSON, the grid and
library it was computed under, and the exact words of its refusals."""

from dataclasses import replace
from decimal import Decimal

import pytest

from accounting.efficiency import Thresholds, evaluate
from accounting.enterprise import from_json
from accounting.errors import FieldError, ZeroValueAddedError
from accounting.factors import FactorLibrary
from tests.accounting.test_efficiency import enterprise, hand_computed, q


def test_every_member_of_the_result_json() -> None:
    body = evaluate(from_json(hand_computed())).to_json()
    benchmark = body.pop("benchmark")
    # the figures of test_efficiency.test_hand_computed_grade, to six places, zeros cut
    assert body == {
        "enterprise_name": "测试企业",
        "year": 2023,
        "industry_code": "C3311",
        "energy_co2": "713.509885",
        "energy_co2_unit": "tCO2",
        "value_added": "500",
        "value_added_unit": "10k CNY",
        "L": "1.42702",
        "L_unit": "tCO2/10k CNY",
        "K": "2.378366",
        "grade": 5,
        "level": "medium",
        "thresholds": ["0.6", "0.8", "1.2", "2.0"],
    }
    assert (benchmark["industry_code"], benchmark["value"]) == ("C33", "0.60")


def test_whole_figures_lose_their_decimal_point() -> None:
    # 5000 MWh × 0.5306 = 2653 tCO2 exactly; L = 2653 / 5306 = 0.5
    data = enterprise(value_added=q("5306", "10k CNY"), purchased_electricity=q("5000", "MWh"))
    body = evaluate(from_json(data)).to_json()
    assert (body["energy_co2"], body["L"], body["K"]) == ("2653", "0.5", "0.833333")


def test_the_enterprise_grid_region_and_basis_are_used() -> None:
    east = enterprise(
        value_added=q("100", "10k CNY"),
        purchased_electricity=q("1000", "MWh"),
        grid={"basis": "national_average", "region": "east"},
    )
    assert evaluate(from_json(east)).energy_co2 == Decimal("550.0000")  # 0.5500 tCO2/MWh
    ets = enterprise(
        year=2022,
        value_added=q("100", "10k CNY"),
        purchased_electricity=q("1000", "MWh"),
        grid={"basis": "ets", "region": "national"},
    )
    assert evaluate(from_json(ets)).energy_co2 == Decimal("570.3000")  # 0.5703, not 0.5366


def test_the_library_given_is_the_one_used() -> None:
    default = FactorLibrary.default()
    doubled = [
        replace(f, term=replace(f.term, value=f.term.value * 2)) for f in default.electricity
    ]
    library = FactorLibrary(default.fuels, default.processes, doubled, default.heat)
    data = enterprise(value_added=q("100", "10k CNY"), purchased_electricity=q("1000", "MWh"))
    assert evaluate(from_json(data), library=library).energy_co2 == Decimal("1061.2000")


def test_an_enterprise_with_no_energy_use_reports_zero() -> None:
    body = evaluate(from_json(enterprise(value_added=q("100", "10k CNY")))).to_json()
    assert (body["energy_co2"], body["L"], body["grade"]) == ("0", "0", 1)


def test_refusals_say_what_to_fix() -> None:
    data = enterprise(value_added=q("0", "10k CNY"), purchased_electricity=q("1", "MWh"))
    with pytest.raises(ZeroValueAddedError) as zero:
        evaluate(from_json(data))
    assert str(zero.value) == (
        "测试企业 (2023): value added is 0 10k CNY; carbon intensity per value added needs a "
        "positive value added — check the income-method value added in the file"
    )
    with pytest.raises(FieldError) as unordered:
        Thresholds.parse(["0.8", "0.8", "1.2", "2.0"])  # equal bounds are not increasing
    assert str(unordered.value) == (
        "grade thresholds 0.8, 0.8, 1.2, 2.0 must be positive and strictly increasing"
    )
    with pytest.raises(FieldError, match="must be positive"):
        Thresholds.parse(["0", "0.8", "1.2", "2.0"])
    with pytest.raises(FieldError) as not_decimal:
        Thresholds.parse(["0.6", "x", "1.2", "2.0"])
    assert str(not_decimal.value) == (
        "grade thresholds ['0.6', 'x', '1.2', '2.0'] are not decimals"
    )
