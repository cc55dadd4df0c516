"""An enterprise's annual energy data, from its JSON file or a carbon-efficiency record.

Both carry the same field names (those of the ``88/tpl.carbon-efficiency`` template), so
one reader serves the file a CLI user writes and the record a resolver returns. Each
energy field becomes one emission source of the carbon-efficiency boundary.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from accounting.activity import Category, Source
from accounting.benchmarks import Benchmark
from accounting.errors import ActivityDataError, FieldError
from accounting.factors import Override
from accounting.provenance import Citation
from accounting.records import template_fields, to_decimal, to_quantity
from templates_meta.units import convert, require_dimension

FILE_FORMAT = "glid.enterprise/1"

# field → (category, fuel code, default unit when the value is a bare decimal string)
ENERGY_FIELDS: dict[str, tuple[Category, str, str]] = {
    "raw_coal": (Category.COMBUSTION, "raw_coal", "t"),
    "coke": (Category.COMBUSTION, "coke", "t"),
    "natural_gas": (Category.COMBUSTION, "natural_gas", "10k Nm3"),
    "diesel": (Category.COMBUSTION, "diesel", "t"),
    "gasoline": (Category.COMBUSTION, "gasoline", "t"),
    "fuel_oil": (Category.COMBUSTION, "fuel_oil", "t"),
    "lpg": (Category.COMBUSTION, "lpg", "t"),
    "purchased_electricity": (Category.ELECTRICITY_PURCHASED, "", "MWh"),
    "zero_carbon_electricity": (Category.ZERO_CARBON_ELECTRICITY, "", "MWh"),
    "purchased_heat": (Category.HEAT_PURCHASED, "", "GJ"),
    "exported_electricity": (Category.ELECTRICITY_EXPORTED, "", "MWh"),
    "exported_heat": (Category.HEAT_EXPORTED, "", "GJ"),
}


@dataclass(frozen=True, slots=True)
class EnterpriseData:
    enterprise_name: str
    year: int
    industry_code: str
    region: str
    value_added: Decimal  # 10k CNY
    energy: dict[str, tuple[Decimal, str]]  # field → (quantity, unit), only fields present
    grid_basis: str = "national_average"
    grid_region: str = "national"
    overrides: tuple[Override, ...] = ()
    benchmark: Benchmark | None = None  # the grading authority's own value, if given

    def sources(self) -> list[Source]:
        return [
            Source(id=name, category=ENERGY_FIELDS[name][0], unit=unit, key=ENERGY_FIELDS[name][1])
            for name, (_, unit) in self.energy.items()
        ]

    def quantities(self) -> list[Decimal]:
        return [quantity for quantity, _ in self.energy.values()]

    def to_json(self) -> dict[str, Any]:
        return {
            "enterprise_name": self.enterprise_name,
            "year": self.year,
            "industry_code": self.industry_code,
            "region": self.region,
            "value_added": {"value": str(self.value_added), "unit": "10k CNY"},
            "energy": {
                name: {"value": str(quantity), "unit": unit}
                for name, (quantity, unit) in self.energy.items()
            },
            "grid": {"basis": self.grid_basis, "region": self.grid_region},
        }


def from_json(data: Mapping[str, Any]) -> EnterpriseData:
    """Read an enterprise file (format ``glid.enterprise/1``, see docs/formats/accounting.md)."""
    if data.get("format") != FILE_FORMAT:
        raise FieldError(
            f"enterprise file: format must be {FILE_FORMAT!r}, got {data.get('format')!r}"
        )
    grid = data.get("grid", {})
    if not isinstance(grid, Mapping):
        raise FieldError("enterprise file: 'grid' must be an object {basis, region}")
    raw_overrides = data.get("overrides", [])
    if not isinstance(raw_overrides, list):
        raise FieldError("enterprise file: 'overrides' must be a list")
    return _read(
        data,
        where="enterprise file",
        grid_basis=str(grid.get("basis", "national_average")),
        grid_region=str(grid.get("region", "national")),
        overrides=tuple(Override.from_json(o) for o in raw_overrides),
        benchmark=_benchmark(data.get("benchmark"), data.get("industry_code")),
    )


def from_record(values: Iterable[Mapping[str, Any]], *, id: str) -> EnterpriseData:
    """Read the values of a resolved ``88/tpl.carbon-efficiency`` record."""
    return _read(template_fields(values, record=id), where=id)


def _read(data: Mapping[str, Any], *, where: str, **extra: Any) -> EnterpriseData:
    for name in ("enterprise_name", "industry_code", "region"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise FieldError(f"{where}: field {name} is missing or not a string")
    year = data.get("year")
    if isinstance(year, str) and year.isdigit():
        year = int(year)
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 < year < 2200:
        raise FieldError(f"{where}: field year must be a calendar year, got {year!r}")
    if "value_added" not in data:
        raise FieldError(f"{where}: field value_added is missing")
    added, added_unit = to_quantity(
        data["value_added"], where=f"{where}.value_added", default_unit="10k CNY"
    )
    require_dimension(added_unit, "currency", field=f"{where}.value_added")
    energy: dict[str, tuple[Decimal, str]] = {}
    for name, (_, _, default_unit) in ENERGY_FIELDS.items():
        raw = data.get(name)
        if raw is None:
            continue
        quantity, unit = to_quantity(raw, where=f"{where}.{name}", default_unit=default_unit)
        if quantity < 0:
            raise ActivityDataError(
                f"{where}.{name} is negative ({quantity}); report exports in "
                "exported_electricity / exported_heat instead"
            )
        energy[name] = (quantity, unit)
    return EnterpriseData(
        enterprise_name=data["enterprise_name"],
        year=year,
        industry_code=data["industry_code"],
        region=data["region"],
        value_added=convert(added, added_unit, "10k CNY"),
        energy=energy,
        **extra,
    )


def _benchmark(raw: Any, industry_code: Any) -> Benchmark | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or "value" not in raw or "document" not in raw:
        raise FieldError("enterprise file: 'benchmark' needs at least 'value' and 'document'")
    value = to_decimal(raw["value"], where="enterprise file.benchmark.value")
    if value <= 0:
        raise FieldError(f"enterprise file: benchmark value must be > 0, got {value}")
    year = raw.get("year")
    return Benchmark(
        code=str(industry_code),
        zh=str(raw.get("zh", "")),
        en=str(raw.get("en", "")),
        value=value,
        year=None if year is None else int(year),
        citation=Citation(
            document=str(raw["document"]), year=year, table=str(raw.get("table", "-"))
        ),
    )
