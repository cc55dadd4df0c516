"""The reduction-potential model: hand values and its limiting behaviour."""

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from accounting.errors import FieldError
from accounting.reduction import ReductionModel, Saving, logistic
from templates_meta.errors import UnitError

SAVINGS = (
    # 5000 MWh × 0.5306 tCO2/MWh = 2653; 200 t coal saved × 1.9 tCO2/t = 380 → RF = 3033
    Saving("smart metering", Decimal(5000), "MWh", Decimal("0.5306"), "tCO2/MWh"),
    Saving("kiln control", Decimal(200000), "kg", Decimal("1.9"), "tCO2/t"),
)


def model(**changes: Any) -> ReductionModel:
    params = {
        "base_year": 2024,
        "penetration": 0.2,
        "saturation": 0.8,
        "spread": 5.0,
        "alpha": -2.0,
        "beta": 4.0,
        "base_reduction": 100.0,
        "savings": SAVINGS,
    }
    params.update(changes)
    return ReductionModel(**params)  # type: ignore[arg-type]


def test_reduction_factor_is_the_sum_of_savings_times_factors() -> None:
    assert model().reduction_factor() == pytest.approx(3033.0)


def test_hand_computed_year() -> None:
    # Δt = 5, s = 5: K = (0.2 − 0.8) · e^(−25/50) + 0.8 = 0.8 − 0.6 · 0.60653066 = 0.43608160
    # z = −2 + 4 · 0.43608160 = −0.25567359; σ(z) = 1 / (1 + e^0.25567359) = 0.43642735
    # ER = 100 + 0.43642735 · 3033 = 1423.6842
    projection = model().project([2029])
    k = 0.8 - 0.6 * math.exp(-0.5)
    sigma = 1 / (1 + math.exp(-(-2 + 4 * k)))
    assert projection.penetration[0] == pytest.approx(k)
    assert projection.reduction[0] == pytest.approx(100 + sigma * 3033)
    assert projection.reduction[0] == pytest.approx(1423.684, abs=1e-3)


def test_limits() -> None:
    m = model()
    at_base = m.project([2024])
    # Δt → 0: K stays K(t); ER = ER(t) + σ(α + β K(t)) RF
    assert at_base.penetration[0] == pytest.approx(0.2)
    assert at_base.reduction[0] == pytest.approx(100 + 3033 / (1 + math.exp(2 - 0.8)))
    # Δt → ∞: K → Km
    far = m.project([2024 + 1000])
    assert far.penetration[0] == pytest.approx(0.8)
    assert far.reduction[0] == pytest.approx(100 + 3033 / (1 + math.exp(2 - 3.2)))
    # β → −∞ (with K > 0): nothing of the potential is realised, ER = ER(t)
    assert model(beta=-1e9).project([2030]).reduction[0] == 100.0
    # RF = 0: ER = ER(t) for every year
    flat = model(savings=()).project([2025, 2030, 2060])
    assert np.all(flat.reduction == 100.0)


def test_logistic_is_stable_at_extremes() -> None:
    values = logistic(np.array([-1e6, 0.0, 1e6]))
    assert values.tolist() == [0.0, 0.5, 1.0]


def test_projection_is_monotone_towards_saturation() -> None:
    projection = model().project(list(range(2024, 2051)))
    assert np.all(np.diff(projection.penetration) >= 0)
    assert projection.to_json()["years"][0]["year"] == 2024


def test_bad_inputs() -> None:
    with pytest.raises(FieldError, match="spread"):
        model(spread=0.0)
    with pytest.raises(FieldError, match="base year 2024"):
        model().project([2020])
    wrong = Saving("x", Decimal(1), "MWh", Decimal(1), "tCO2/t")
    with pytest.raises(UnitError):
        wrong.potential()
