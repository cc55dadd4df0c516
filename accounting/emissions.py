"""The emission engine: activity data × factors → tCO2e per source, per scope, in total.

Following GB/T 32150-2015 and the sector parts of GB/T 32151:

* fuel combustion    E = AD × NCV × CC × OF × 44/12
* process            E = AD × EF
* direct gas release E = m × GWP (GWP set chosen per calculation)
* electricity, heat  E = AD × EF, purchased added and exported deducted
  (zero-carbon electricity is deducted at the grid factor for carbon efficiency)

The work is split as bw2calc splits an LCA: :func:`build` turns sources and settings into
a coefficient per source (tCO2e per unit of that source's readings, each with its terms
and their citations); :func:`compute` is pure array arithmetic over readings — one
``bincount`` sums the activity per source and one multiply gives emissions, however
many readings there are.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from accounting.activity import Category, Readings, Source
from accounting.errors import ActivityDataError, PeriodMismatchError
from accounting.factors import FactorLibrary, GridFactor, Overrides
from accounting.figures import decimal_text
from accounting.gwp import gwp_set
from accounting.provenance import Term
from accounting.rates import rate_factor, split
from templates_meta.errors import UnitError
from templates_meta.units import conversion_factor

_ELECTRICITY = (
    Category.ELECTRICITY_PURCHASED,
    Category.ELECTRICITY_EXPORTED,
    Category.ZERO_CARBON_ELECTRICITY,
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The choices a calculation is made under; all of them appear in its result."""

    year: int
    gwp: str = "AR6"
    grid_basis: str = "national_average"
    grid_region: str = "national"
    overrides: Overrides = field(default_factory=Overrides)

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "gwp": self.gwp,
            "grid_basis": self.grid_basis,
            "grid_region": self.grid_region,
            "overrides": [o.to_json() for o in self.overrides.by_key.values()],
        }


@dataclass(frozen=True, slots=True)
class SourceFactor:
    """How one source's activity becomes tCO2e: the coefficient and the terms behind it."""

    source: Source
    coefficient: Decimal  # tCO2e per one unit of the source's readings, before the sign
    terms: tuple[Term, ...]
    formula: str
    activity_scale: Decimal  # readings unit → the unit the factor is quoted per

    def to_json(self) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "coefficient": str(self.coefficient),
            "coefficient_unit": f"tCO2e/{self.source.unit}",
            "activity_scale": str(self.activity_scale),
            "terms": [t.to_json() for t in self.terms],
        }


@dataclass(frozen=True)
class EmissionModel:
    """Per-source coefficients, built once and applied to any number of readings."""

    settings: Settings
    factors: tuple[SourceFactor, ...]
    signed: npt.NDArray[np.float64]
    scope: npt.NDArray[np.int8]
    energy_related: npt.NDArray[np.bool_]


def build(
    sources: Sequence[Source], settings: Settings, library: FactorLibrary | None = None
) -> EmissionModel:
    """Resolve every source's factors (with overrides) into one coefficient each."""
    library = library or FactorLibrary.default()
    used: set[str] = set()
    seen: set[str] = set()
    factors = []
    for source in sources:
        if source.id in seen:
            raise ActivityDataError(f"source id {source.id!r} appears twice; ids must be unique")
        seen.add(source.id)
        try:
            factors.append(_source_factor(source, settings, library, used))
        except UnitError as exc:
            raise UnitError(f"source {source.id!r}: {exc}") from None
    settings.overrides.check_used(used)
    signed = np.array(
        [float(f.coefficient) * f.source.category.sign for f in factors], dtype=np.float64
    )
    scope = np.array([f.source.category.scope for f in factors], dtype=np.int8)
    energy = np.array([f.source.category.energy_related for f in factors], dtype=np.bool_)
    return EmissionModel(settings, tuple(factors), signed, scope, energy)


def _source_factor(
    source: Source, settings: Settings, library: FactorLibrary, used: set[str]
) -> SourceFactor:
    def term(key: str, default: Term) -> Term:
        used.add(key)
        return settings.overrides.apply(key, default, settings.year, default.unit)

    def grid_term(key: str, lookup: Callable[[], GridFactor], unit: str) -> Term:
        """A grid or heat factor; an override may stand in for a year not yet published."""
        used.add(key)
        try:
            default: Term | None = lookup().term
        except PeriodMismatchError:
            if key not in settings.overrides:
                raise
            default = None
        return settings.overrides.apply(key, default, settings.year, unit)

    category = source.category
    if category is Category.COMBUSTION:
        fuel = library.fuel(source.key)
        scale = conversion_factor(source.unit, fuel.unit)
        ncv = term(f"fuel.{fuel.code}.ncv", fuel.ncv)
        cc = term(f"fuel.{fuel.code}.carbon_content", fuel.carbon_content)
        oxidation = term(f"fuel.{fuel.code}.oxidation", fuel.oxidation)
        if not 0 <= oxidation.value <= 1:
            raise ActivityDataError(
                f"source {source.id!r}: oxidation rate {oxidation.value} must lie in [0, 1]"
            )
        per_fuel_unit = (
            ncv.value
            * rate_factor(ncv.unit, f"GJ/{fuel.unit}")
            * cc.value
            * rate_factor(cc.unit, "t/GJ")
            * oxidation.value
            * 44
            / 12
        )
        return SourceFactor(
            source,
            scale * per_fuel_unit,
            (ncv, cc, oxidation),
            "E = AD × NCV × CC × OF × 44/12",
            scale,
        )
    if category is Category.PROCESS:
        process = library.process(source.key)
        ef = term(f"process.{process.code}.emission_factor", process.factor)
        return _per_unit(source, ef, "E = AD × EF")
    if category is Category.GAS:
        gwps = gwp_set(settings.gwp)
        gwp = Term("gwp", gwps.of(source.key), "1", gwps.citation)
        scale = conversion_factor(source.unit, "t")
        return SourceFactor(source, scale * gwp.value, (gwp,), f"E = m({source.key}) × GWP", scale)
    if category in _ELECTRICITY:
        ef = grid_term(
            "electricity.emission_factor",
            lambda: library.electricity_factor(
                settings.year, settings.grid_basis, settings.grid_region
            ),
            "tCO2/MWh",
        )
        return _per_unit(source, ef, "E = AD × EF")
    ef = grid_term("heat.emission_factor", lambda: library.heat_factor(settings.year), "tCO2/GJ")
    return _per_unit(source, ef, "E = AD × EF")


def _per_unit(source: Source, ef: Term, formula: str) -> SourceFactor:
    """A factor quoted as tCO2 per some unit, applied to readings in the source's unit."""
    _, denominator = split(ef.unit)
    scale = conversion_factor(source.unit, denominator)
    coefficient = ef.value * rate_factor(ef.unit, f"tCO2/{denominator}") * scale
    return SourceFactor(source, coefficient, (ef,), formula, scale)


@dataclass(frozen=True, slots=True)
class SourceEmission:
    factor: SourceFactor
    activity: float  # summed readings, in the source's unit
    emissions: float  # tCO2e, negative for exports

    def to_json(self) -> dict[str, Any]:
        source = self.factor.source
        return {
            "id": source.id,
            "name": source.name,
            "category": source.category.value,
            "key": source.key,
            "scope": source.category.scope,
            "activity": decimal_text(self.activity),
            "activity_unit": source.unit,
            "emissions": decimal_text(self.emissions),
            "emissions_unit": "tCO2e",
            **self.factor.to_json(),
        }


@dataclass(frozen=True)
class EmissionResult:
    """Totals by scope, per-source arrays, and the audit trail of every factor used."""

    model: EmissionModel
    activity: npt.NDArray[np.float64]
    emissions: npt.NDArray[np.float64]

    @property
    def total(self) -> float:
        return float(self.emissions.sum())

    def scope_total(self, scope: int) -> float:
        return float(self.emissions[self.model.scope == scope].sum())

    @property
    def energy_related(self) -> float:
        return float(self.emissions[self.model.energy_related].sum())

    @cached_property
    def sources(self) -> tuple[SourceEmission, ...]:
        return tuple(
            SourceEmission(f, float(a), float(e))
            for f, a, e in zip(self.model.factors, self.activity, self.emissions, strict=True)
        )

    def by_category(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for item in self.sources:
            key = item.factor.source.category.value
            totals[key] = totals.get(key, 0.0) + item.emissions
        return totals

    def to_json(self) -> dict[str, Any]:
        gwps = gwp_set(self.model.settings.gwp)
        return {
            "unit": "tCO2e",
            "total": decimal_text(self.total),
            "scope1": decimal_text(self.scope_total(1)),
            "scope2": decimal_text(self.scope_total(2)),
            "energy_related": decimal_text(self.energy_related),
            "settings": self.model.settings.to_json(),
            "gwp_source": gwps.citation.to_json(),
            "sources": [s.to_json() for s in self.sources],
        }


def compute(model: EmissionModel, readings: Readings) -> EmissionResult:
    """Check the readings and sum them into per-source emissions (pure array work)."""
    count = len(model.factors)
    source, quantity = readings.source, readings.quantity
    if source.size:
        low, high = int(source.min()), int(source.max())
        if low < 0 or high >= count:
            raise ActivityDataError(
                f"readings refer to source index {low if low < 0 else high}; "
                f"there are {count} sources"
            )
        valid = (quantity >= 0) & (quantity < np.inf)
        if not valid.all():
            row = int(np.argmin(valid))
            sid = model.factors[int(source[row])].source.id
            value = float(quantity[row])
            what = "negative" if value < 0 else "not a finite number"
            raise ActivityDataError(
                f"reading {row} of source {sid!r} is {what} ({value}); quantities are >= 0 — "
                "record exports as an exported-energy source instead of a negative reading"
            )
        if readings.time is not None:
            _check_period(model, readings.time, source)
    activity = np.bincount(source, weights=quantity, minlength=count).astype(np.float64)
    return EmissionResult(model, activity, activity * model.signed)


def _check_period(
    model: EmissionModel, time: npt.NDArray[np.datetime64], source: npt.NDArray[np.intp]
) -> None:
    year = model.settings.year
    start, end = np.datetime64(f"{year}-01-01", "s"), np.datetime64(f"{year + 1}-01-01", "s")
    outside = (time < start) | (time >= end)
    if outside.any():
        row = int(np.argmax(outside))
        sid = model.factors[int(source[row])].source.id
        raise PeriodMismatchError(
            f"{int(outside.sum())} reading(s) fall outside reporting year {year}; the first is "
            f"reading {row} of source {sid!r} at {time[row]}"
        )


def calculate(
    sources: Sequence[Source],
    readings: Readings,
    settings: Settings,
    library: FactorLibrary | None = None,
) -> EmissionResult:
    """:func:`build` then :func:`compute`."""
    return compute(build(sources, settings, library), readings)
