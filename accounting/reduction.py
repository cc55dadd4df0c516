"""The digital-technology reduction-potential model of the 2024 digital carbon-neutrality report.

Penetration of a digital technology moves from K(t) towards a saturation level Km along
a Gaussian approach curve, and the share of the reduction potential realised follows a
logistic function of penetration:

    K(t+Δt)  = (K(t) − Km) · exp(−Δt² / (2 s²)) + Km
    ER(t+Δt) = ER(t) + σ(α + β·K(t+Δt)) · RF,   σ(z) = eᶻ / (1 + eᶻ)
    RF       = Σ_w RA_w · EF_w

RA_w is the activity a measure saves (energy, material, transport) and EF_w that
activity's emission factor, so RF is the full reduction potential in tCO2e. The
projection for many scenario years is one vectorised evaluation.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from accounting.errors import FieldError
from accounting.figures import decimal_text
from accounting.rates import rate_factor

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Saving:
    """One reduction lever w: the activity it saves (RA_w) and that activity's factor (EF_w)."""

    name: str
    amount: Decimal
    unit: str
    factor: Decimal
    factor_unit: str  # emissions per unit of activity, e.g. tCO2/MWh

    def potential(self) -> Decimal:
        """RA_w · EF_w in tCO2e, after checking that the factor is per the amount's unit."""
        return self.amount * self.factor * rate_factor(self.factor_unit, f"tCO2e/{self.unit}")


def logistic(z: FloatArray) -> FloatArray:
    """σ(z) = eᶻ/(1+eᶻ), written with tanh so large |z| neither overflows nor loses 0 and 1."""
    result: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * z))
    return result


@dataclass(frozen=True, slots=True)
class Projection:
    years: tuple[int, ...]
    penetration: FloatArray  # K(t+Δt)
    realised: FloatArray  # σ(α + β K)
    reduction: FloatArray  # ER(t+Δt), tCO2e
    reduction_factor: float  # RF, tCO2e

    def to_json(self) -> dict[str, Any]:
        return {
            "reduction_factor": decimal_text(self.reduction_factor),
            "unit": "tCO2e",
            "years": [
                {
                    "year": year,
                    "penetration": decimal_text(float(k)),
                    "realised_share": decimal_text(float(p)),
                    "reduction": decimal_text(float(er)),
                }
                for year, k, p, er in zip(
                    self.years, self.penetration, self.realised, self.reduction, strict=True
                )
            ],
        }


@dataclass(frozen=True, slots=True)
class ReductionModel:
    base_year: int  # t
    penetration: float  # K(t)
    saturation: float  # Km
    spread: float  # s, in years
    alpha: float
    beta: float
    base_reduction: float  # ER(t), tCO2e
    savings: tuple[Saving, ...]

    def __post_init__(self) -> None:
        if not self.spread > 0:
            raise FieldError(f"reduction model: spread s must be > 0 years, got {self.spread}")

    def reduction_factor(self) -> float:
        return float(sum((s.potential() for s in self.savings), Decimal(0)))

    def penetration_after(self, dt: FloatArray) -> FloatArray:
        decay = np.exp(-(dt**2) / (2.0 * self.spread**2))
        result: FloatArray = (self.penetration - self.saturation) * decay + self.saturation
        return result

    def project(self, years: Sequence[int]) -> Projection:
        if any(year < self.base_year for year in years):
            raise FieldError(
                f"reduction model: scenario years must not precede the base year {self.base_year}"
            )
        dt = np.asarray(years, dtype=np.float64) - self.base_year
        k = self.penetration_after(dt)
        realised = logistic(self.alpha + self.beta * k)
        rf = self.reduction_factor()
        return Projection(tuple(years), k, realised, self.base_reduction + realised * rf, rf)
