"""Carbon efficiency (碳效) and its grade (碳效码), after the Zhejiang method.

L = energy-related CO2 (combustion + purchased − exported electricity and heat − zero-
carbon electricity at the grid factor) / value added, in tCO2 per 10k CNY;
K = L / the industry benchmark L; the grade is 1 (best) to 5 by thresholds on K.

Boundary convention (as in 规上工业企业碳效等级评价方法 and DB33/T 1347-2023): each
upper bound belongs to the better grade — K ≤ 0.6 is grade 1, 0.6 < K ≤ 0.8 grade 2,
0.8 < K ≤ 1.2 grade 3, 1.2 < K ≤ 2.0 grade 4, K > 2.0 grade 5. L and K are computed
in exact decimal arithmetic from the factor terms, so a K that is exactly on a bound is
graded as the rule says and not by the accident of a float's last bit.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from accounting.activity import Readings
from accounting.benchmarks import Benchmark, benchmark
from accounting.emissions import EmissionResult, Settings, build, compute
from accounting.enterprise import EnterpriseData
from accounting.errors import FieldError, ZeroValueAddedError
from accounting.factors import FactorLibrary, Override, Overrides

DEFAULT_THRESHOLDS = (Decimal("0.6"), Decimal("0.8"), Decimal("1.2"), Decimal("2.0"))
# 碳效水平 by L alone (tCO2/10k CNY): ≤ 0.6 low carbon, ≤ 2.0 medium, above high.
LEVEL_BOUNDS = (Decimal("0.6"), Decimal("2.0"))
LEVELS = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Four increasing upper bounds on K for grades 1 to 4; above the last is grade 5."""

    bounds: tuple[Decimal, ...] = DEFAULT_THRESHOLDS

    def __post_init__(self) -> None:
        if len(self.bounds) != 4:
            raise FieldError(f"grade thresholds: need 4 bounds, got {len(self.bounds)}")
        if any(b <= 0 for b in self.bounds) or any(
            a >= b for a, b in zip(self.bounds, self.bounds[1:], strict=False)
        ):
            raise FieldError(
                f"grade thresholds {', '.join(map(str, self.bounds))} must be positive "
                "and strictly increasing"
            )

    @classmethod
    def parse(cls, texts: Sequence[str]) -> "Thresholds":
        try:
            return cls(tuple(Decimal(t) for t in texts))
        except ArithmeticError:
            raise FieldError(f"grade thresholds {list(texts)} are not decimals") from None

    def grade(self, k: Decimal) -> int:
        """1 + the number of bounds strictly below K (a bound itself is the better grade)."""
        return 1 + sum(1 for bound in self.bounds if bound < k)


def level(intensity: Decimal) -> str:
    return LEVELS[sum(1 for bound in LEVEL_BOUNDS if bound < intensity)]


@dataclass(frozen=True)
class CarbonEfficiency:
    enterprise: EnterpriseData
    emissions: EmissionResult
    energy_co2: Decimal  # tCO2, energy-related, after deductions
    intensity: Decimal  # L, tCO2 per 10k CNY
    benchmark: Benchmark
    k: Decimal
    grade: int
    level: str
    thresholds: Thresholds

    def to_json(self) -> dict[str, Any]:
        return {
            "enterprise_name": self.enterprise.enterprise_name,
            "year": self.enterprise.year,
            "industry_code": self.enterprise.industry_code,
            "energy_co2": _places(self.energy_co2, 6),
            "energy_co2_unit": "tCO2",
            "value_added": str(self.enterprise.value_added),
            "value_added_unit": "10k CNY",
            "L": _places(self.intensity, 6),
            "L_unit": "tCO2/10k CNY",
            "K": _places(self.k, 6),
            "grade": self.grade,
            "level": self.level,
            "thresholds": [str(b) for b in self.thresholds.bounds],
            "benchmark": self.benchmark.to_json(),
        }


def _places(value: Decimal, places: int) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-places)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def evaluate(
    enterprise: EnterpriseData,
    thresholds: Thresholds | None = None,
    library: FactorLibrary | None = None,
    overrides: Iterable[Override] = (),
) -> CarbonEfficiency:
    """Compute L, K, the grade and the full emission breakdown for one enterprise-year.

    ``overrides`` add to the enterprise's own (a record carries none; the grading
    authority may supply, say, the grid factor of a year not yet published)."""
    if enterprise.value_added <= 0:
        raise ZeroValueAddedError(
            f"{enterprise.enterprise_name} ({enterprise.year}): value added is "
            f"{enterprise.value_added} 10k CNY; carbon intensity per value added needs a "
            "positive value added — check the income-method value added in the file"
        )
    thresholds = thresholds or Thresholds()
    settings = Settings(
        year=enterprise.year,
        grid_basis=enterprise.grid_basis,
        grid_region=enterprise.grid_region,
        overrides=Overrides.of((*enterprise.overrides, *overrides)),
    )
    model = build(enterprise.sources(), settings, library)
    quantities = enterprise.quantities()
    result = compute(model, Readings.totals([float(q) for q in quantities]))
    energy_co2 = sum(
        (
            factor.coefficient * quantity * factor.source.category.sign
            for factor, quantity in zip(model.factors, quantities, strict=True)
            if factor.source.category.energy_related
        ),
        Decimal(0),
    )
    intensity = energy_co2 / enterprise.value_added
    bench = enterprise.benchmark or benchmark(enterprise.industry_code, enterprise.year)
    k = intensity / bench.value
    return CarbonEfficiency(
        enterprise=enterprise,
        emissions=result,
        energy_co2=energy_co2,
        intensity=intensity,
        benchmark=bench,
        k=k,
        grade=thresholds.grade(k),
        level=level(intensity),
        thresholds=thresholds,
    )
