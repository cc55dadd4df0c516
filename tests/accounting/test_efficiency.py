"""Carbon efficiency L, K and grade against hand computations, and its refusals."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accounting.efficiency import Thresholds, evaluate, level
from accounting.enterprise import from_json, from_record
from accounting.errors import (
    ActivityDataError,
    BenchmarkError,
    FieldError,
    PeriodMismatchError,
    ZeroValueAddedError,
)
from accounting.factors import Override
from templates_meta.errors import UnitError

BUILTIN = Path(__file__).parents[2] / "templates_meta" / "builtin"


def enterprise(**fields: Any) -> dict[str, Any]:
    return {
        "format": "glid.enterprise/1",
        "enterprise_name": "测试企业",
        "year": 2023,
        "industry_code": "C3311",  # benchmark row C33: 0.60 tCO2/10k CNY
        "region": "330000",
        **fields,
    }


def q(value: str, unit: str) -> dict[str, str]:
    return {"value": value, "unit": unit}


def hand_computed() -> dict[str, Any]:
    """Coal, electricity with a zero-carbon deduction, and heat bought and exported."""
    return enterprise(
        value_added=q("500", "10k CNY"),
        raw_coal=q("100", "t"),
        purchased_electricity=q("1000", "MWh"),
        zero_carbon_electricity=q("200", "MWh"),
        purchased_heat=q("1000", "GJ"),
        exported_heat=q("100", "GJ"),
    )


def test_hand_computed_grade() -> None:
    result = evaluate(from_json(hand_computed()))
    # coal 100 t × 20.908 × 0.02637 × 0.94 × 44/12 = 190.02988488 tCO2
    # electricity 1000 MWh × 0.5306 (2023 national average) = 530.6
    # zero-carbon deduction −200 × 0.5306 = −106.12
    # heat (1000 − 100) GJ × 0.11 = 99
    # energy CO2 = 713.50988488; L = 713.50988488 / 500 = 1.42701976976
    # K = 1.42701976976 / 0.60 = 2.3783662829 > 2.0 → grade 5
    assert result.energy_co2 == Decimal("713.50988488")
    assert result.intensity == Decimal("1.42701976976")
    assert result.k == Decimal("1.42701976976") / Decimal("0.60")
    assert result.grade == 5
    assert result.level == "medium"  # 0.6 < L ≤ 2.0
    assert result.benchmark.code == "C33" and result.benchmark.citation.illustrative
    assert result.emissions.total == pytest.approx(713.50988488)


@pytest.mark.parametrize(
    ("bound", "grade_at", "grade_above"),
    [("0.6", 1, 2), ("0.8", 2, 3), ("1.2", 3, 4), ("2.0", 4, 5)],
)
def test_each_side_of_each_threshold(bound: str, grade_at: int, grade_above: int) -> None:
    # Only purchased electricity, value added 5306 (10k CNY), benchmark 0.60:
    # K = E × 0.5306 / 5306 / 0.60 = E / 6000, so E = bound × 6000 MWh gives K = bound
    # exactly (graded as the better grade) and one MWh more gives K just above it.
    energy = Decimal(bound) * 6000
    for mwh, expected in ((energy, grade_at), (energy + 1, grade_above)):
        data = enterprise(
            value_added=q("5306", "10k CNY"), purchased_electricity=q(str(mwh), "MWh")
        )
        result = evaluate(from_json(data))
        assert result.k == mwh / 6000
        assert result.grade == expected


def test_threshold_function_and_configuration() -> None:
    default = Thresholds()
    assert [default.grade(Decimal(k)) for k in ("0", "0.6", "0.6001", "2.0", "2.0001")] == [
        1,
        1,
        2,
        4,
        5,
    ]
    strict = Thresholds.parse(["0.5", "0.7", "1.0", "1.5"])
    assert strict.grade(Decimal("0.6")) == 2 and strict.grade(Decimal("1.6")) == 5
    with pytest.raises(FieldError, match="strictly increasing"):
        Thresholds.parse(["0.8", "0.6", "1.2", "2.0"])
    with pytest.raises(FieldError, match="need 4 bounds"):
        Thresholds((Decimal(1),))
    assert [level(Decimal(x)) for x in ("0.6", "0.61", "2.0", "2.01")] == [
        "low",
        "medium",
        "medium",
        "high",
    ]


def test_zero_value_added_is_an_error() -> None:
    data = enterprise(value_added=q("0", "10k CNY"), purchased_electricity=q("1", "MWh"))
    with pytest.raises(ZeroValueAddedError, match="value added is 0"):
        evaluate(from_json(data))


def test_value_added_in_yuan_is_converted() -> None:
    # 53,060,000 CNY = 5306 (10k CNY); 6000 MWh → K = 1.0 → grade 3
    data = enterprise(value_added=q("53060000", "CNY"), purchased_electricity=q("6000", "MWh"))
    assert evaluate(from_json(data)).k == Decimal(1)


def test_bad_enterprise_data_is_refused() -> None:
    with pytest.raises(ActivityDataError, match="raw_coal is negative"):
        from_json(enterprise(value_added=q("1", "10k CNY"), raw_coal=q("-3", "t")))
    with pytest.raises(UnitError, match="value_added: unit MWh measures energy"):
        from_json(enterprise(value_added=q("1", "MWh")))
    with pytest.raises(FieldError, match="format must be"):
        from_json({**enterprise(value_added=q("1", "10k CNY")), "format": "other"})
    with pytest.raises(FieldError, match="field year"):
        from_json(enterprise(value_added=q("1", "10k CNY"), year="last year"))
    data = enterprise(value_added=q("1", "10k CNY"), raw_coal=q("1", "MWh"))
    with pytest.raises(UnitError, match=r"source 'raw_coal'.*MWh"):
        evaluate(from_json(data))


def test_unknown_industry_and_own_benchmark() -> None:
    data = enterprise(
        industry_code="B0610", value_added=q("100", "10k CNY"), purchased_electricity=q("1", "MWh")
    )
    with pytest.raises(BenchmarkError, match="'B0610'"):
        evaluate(from_json(data))
    own = {**data, "benchmark": {"value": "0.5306", "document": "行业主管部门 2023 基准"}}
    # L = 1 × 0.5306 / 100 = 0.005306; K = 0.005306 / 0.5306 = 0.01
    result = evaluate(from_json(own))
    assert result.k == Decimal("0.01") and result.benchmark.citation.document.startswith("行业")


def test_carbon_efficiency_record_of_the_builtin_example() -> None:
    values = json.loads((BUILTIN / "carbon-efficiency.example.json").read_text("utf-8"))
    data = from_record(values, id="88.1/ce-2025")
    assert data.year == 2025 and data.energy["natural_gas"] == (Decimal("85.5"), "10k Nm3")
    with pytest.raises(PeriodMismatchError, match="reporting year 2025"):
        evaluate(data)
    grid = Override("electricity.emission_factor", Decimal("0.5306"), "tCO2/MWh", "2023 value")
    result = evaluate(data, overrides=[grid])
    # natural gas 85.5 × 389.31 × 0.0153 × 0.99 × 44/12; diesel 12.3 × 42.652 × 0.0202 × 0.98;
    # gasoline 4.1 × 43.07 × 0.0189 × 0.98; LPG 1.2 × 50.179 × 0.0172 × 0.98 (each × 44/12);
    # electricity (6800 − 900) × 0.5306; heat 42000 × 0.11
    c = Decimal(44) / 12
    expected = (
        Decimal("85.5") * Decimal("389.31") * Decimal("0.0153") * Decimal("0.99") * c
        + Decimal("12.3") * Decimal("42.652") * Decimal("0.0202") * Decimal("0.98") * c
        + Decimal("4.1") * Decimal("43.070") * Decimal("0.0189") * Decimal("0.98") * c
        + Decimal("1.2") * Decimal("50.179") * Decimal("0.0172") * Decimal("0.98") * c
        + 5900 * Decimal("0.5306")
        + 42000 * Decimal("0.11")
    )
    assert result.energy_co2 == pytest.approx(expected, rel=Decimal("1e-20"))
    assert result.benchmark.code == "C17"


def test_the_shipped_example_file_grades() -> None:
    path = Path(__file__).parents[2] / "accounting" / "data" / "examples" / "enterprise.json"
    result = evaluate(from_json(json.loads(path.read_text("utf-8"))))
    assert 1 <= result.grade <= 5
    ncv = result.emissions.sources[0].factor.terms[0]
    assert ncv.overridden and ncv.value == Decimal("21.5")
