"""The factor library: default fuel parameters, process, grid and heat factors, overrides.

Defaults come from the data files in accounting/data/ with their citations. An enterprise
that has measured its own value (a coal lab analysis, a supplier-specific grid contract)
passes an :class:`Override`; the library hands back a :class:`Term` that says it was
overridden and what the default would have been, so the override is never hidden.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from accounting.datafiles import load_json
from accounting.errors import (
    FieldError,
    PeriodMismatchError,
    UnknownFactorError,
    UnknownFuelError,
)
from accounting.provenance import Citation, Term
from accounting.rates import rate_factor
from templates_meta.errors import UnitError
from templates_meta.units import conversion_factor


@dataclass(frozen=True, slots=True)
class Fuel:
    code: str
    zh: str
    en: str
    unit: str  # the unit the NCV is quoted per (t or 10k Nm3)
    ncv: Term
    carbon_content: Term
    oxidation: Term


@dataclass(frozen=True, slots=True)
class Process:
    code: str
    zh: str
    en: str
    factor: Term  # tCO2 per tonne of material


@dataclass(frozen=True, slots=True)
class Override:
    """An enterprise's own value for one factor term, with the evidence for it.

    ``key`` names the term: ``fuel.<code>.ncv``, ``fuel.<code>.carbon_content``,
    ``fuel.<code>.oxidation``, ``process.<code>.emission_factor``,
    ``electricity.emission_factor`` or ``heat.emission_factor``.
    """

    key: str
    value: Decimal
    unit: str
    document: str
    year: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Override":
        try:
            key, value, unit, document = data["key"], data["value"], data["unit"], data["document"]
        except KeyError as exc:
            raise FieldError(f"override: field {exc.args[0]!r} is missing") from None
        if not isinstance(value, str):
            raise FieldError(f"override {key}: value must be a decimal string, got {value!r}")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise FieldError(f"override {key}: value {value!r} is not a decimal") from None
        if not number.is_finite() or number < 0:
            raise FieldError(f"override {key}: value {value} must be a finite number >= 0")
        year = data.get("year")
        return cls(str(key), number, str(unit), str(document), None if year is None else int(year))

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": str(self.value),
            "unit": self.unit,
            "document": self.document,
            "year": self.year,
        }


@dataclass(frozen=True, slots=True)
class Overrides:
    """The overrides of one calculation, by key; applying one checks its unit."""

    by_key: Mapping[str, Override] = field(default_factory=dict)

    @classmethod
    def of(cls, overrides: Iterable[Override]) -> "Overrides":
        by_key: dict[str, Override] = {}
        for override in overrides:
            if override.key in by_key:
                raise FieldError(f"override {override.key} is given twice; keep one")
            by_key[override.key] = override
        return cls(by_key)

    def __contains__(self, key: str) -> bool:
        return key in self.by_key

    def apply(self, key: str, default: Term | None, year: int, unit: str) -> Term:
        """The term to use for ``key`` in reporting year ``year``, in ``unit``: the
        override if there is one (its unit converted), else the default. ``default`` may
        be None only when an override exists (a year with no published factor)."""
        override = self.by_key.get(key)
        if override is None:
            if default is None:
                raise UnknownFactorError(f"no default and no override for {key}")
            return default
        if override.year is not None and override.year != year:
            raise PeriodMismatchError(
                f"override {key} is for {override.year} but the calculation is for {year}"
            )
        try:
            if "/" in unit:
                scale = rate_factor(override.unit, unit)
            else:
                scale = conversion_factor(override.unit, unit)
        except UnitError as exc:
            raise UnitError(f"override {key}: {exc}") from None
        citation = Citation(document=override.document, year=override.year, table="enterprise")
        return Term(
            name=key.rsplit(".", 1)[-1],
            value=override.value * scale,
            unit=unit,
            citation=citation,
            overridden=True,
            default_value=None if default is None else default.value,
        )

    def check_used(self, used: set[str]) -> None:
        """Refuse overrides that matched nothing: a typo must not silently keep the default."""
        unused = sorted(set(self.by_key) - used)
        if unused:
            raise UnknownFactorError(
                f"override key(s) {', '.join(unused)} match no factor used in this calculation"
            )


@dataclass(frozen=True, slots=True)
class GridFactor:
    basis: str
    region: str
    year: int | None
    term: Term


def _citations(data: Mapping[str, Any]) -> dict[str, Citation]:
    return {name: Citation.from_json(entry) for name, entry in data["sources"].items()}


class FactorLibrary:
    """Default factors, loaded once from the package's data files."""

    def __init__(
        self,
        fuels: Mapping[str, Fuel],
        processes: Mapping[str, Process],
        electricity: Iterable[GridFactor],
        heat: Iterable[GridFactor],
    ) -> None:
        self.fuels = dict(fuels)
        self.processes = dict(processes)
        self.electricity = list(electricity)
        self.heat = list(heat)

    @classmethod
    @cache
    def default(cls) -> "FactorLibrary":
        return cls(_load_fuels(), _load_processes(), *_load_grid())

    def fuel(self, code: str) -> Fuel:
        try:
            return self.fuels[code]
        except KeyError:
            raise UnknownFuelError(
                f"fuel {code!r} is not in the factor library; known fuels: "
                f"{', '.join(sorted(self.fuels))}"
            ) from None

    def process(self, code: str) -> Process:
        try:
            return self.processes[code]
        except KeyError:
            raise UnknownFactorError(
                f"process {code!r} has no default factor; known processes: "
                f"{', '.join(sorted(self.processes))}; or override process.{code}.emission_factor"
            ) from None

    def electricity_factor(self, year: int, basis: str, region: str) -> GridFactor:
        return _pick(self.electricity, "electricity", year, basis, region)

    def heat_factor(self, year: int) -> GridFactor:
        return _pick(self.heat, "heat", year, "default", "national")


def _pick(table: list[GridFactor], what: str, year: int, basis: str, region: str) -> GridFactor:
    candidates = [f for f in table if f.basis == basis and f.region == region]
    if not candidates:
        known = sorted({f"{f.basis}/{f.region}" for f in table})
        raise UnknownFactorError(
            f"no {what} factor for basis {basis!r}, region {region!r}; known: {', '.join(known)}"
        )
    for factor in candidates:
        if factor.year is None or factor.year == year:
            return factor
    years = sorted(f.year for f in candidates if f.year is not None)
    raise PeriodMismatchError(
        f"no {what} factor ({basis}/{region}) for reporting year {year}; published years: "
        f"{', '.join(map(str, years))}; give an override {what}.emission_factor with its source"
    )


@cache
def _load_fuels() -> dict[str, Fuel]:
    data = load_json("fuels.json", "glid.accounting.fuels/1")
    citations = _citations(data)
    fuels: dict[str, Fuel] = {}
    for row in data["fuels"]:
        cite = citations[row["source"]]
        fuels[row["code"]] = Fuel(
            code=row["code"],
            zh=row["zh"],
            en=row["en"],
            unit=row["unit"],
            ncv=Term("ncv", Decimal(row["ncv"]), row["ncv_unit"], cite),
            carbon_content=Term(
                "carbon_content", Decimal(row["carbon_content"]), row["carbon_content_unit"], cite
            ),
            oxidation=Term("oxidation", Decimal(row["oxidation"]), "1", cite),
        )
    return fuels


@cache
def _load_processes() -> dict[str, Process]:
    data = load_json("processes.json", "glid.accounting.processes/1")
    citations = _citations(data)
    return {
        row["code"]: Process(
            code=row["code"],
            zh=row["zh"],
            en=row["en"],
            factor=Term(
                "emission_factor", Decimal(row["value"]), row["unit"], citations[row["source"]]
            ),
        )
        for row in data["processes"]
    }


@cache
def _load_grid() -> tuple[list[GridFactor], list[GridFactor]]:
    data = load_json("grid.json", "glid.accounting.grid/1")
    citations = _citations(data)

    def read(rows: list[dict[str, Any]]) -> list[GridFactor]:
        return [
            GridFactor(
                basis=row["basis"],
                region=row["region"],
                year=row["year"],
                term=Term(
                    "emission_factor", Decimal(row["value"]), row["unit"], citations[row["source"]]
                ),
            )
            for row in rows
        ]

    return read(data["electricity"]), read(data["heat"])
