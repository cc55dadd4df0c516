"""A reduction-potential scenario file (``glid.reduction-scenario/1``), read into the model.

The model of accounting/reduction.py takes numbers; an operator writes them in a JSON file
(docs/formats/accounting.md §6) and runs ``glid potential --file F`` or attaches the
projection to an evaluation report with ``glid report ... --potential F``. Every field
error names the field, so a scenario is fixed in one pass.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from accounting.errors import FieldError
from accounting.records import to_decimal
from accounting.reduction import Projection, ReductionModel, Saving
from glid_core.errors import GlidError

SCENARIO_FORMAT = "glid.reduction-scenario/1"
MAX_YEARS = 200


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    model: ReductionModel
    years: tuple[int, ...]

    def project(self) -> Projection:
        return self.model.project(self.years)

    def to_json(self) -> dict[str, Any]:
        """The scenario's name, base year and projection, as a report carries them."""
        return {"name": self.name, "base_year": self.model.base_year, **self.project().to_json()}


def _number(data: Mapping[str, Any], name: str) -> float:
    return float(to_decimal(data.get(name), where=f"scenario: {name}"))


def _year(raw: Any, where: str) -> int:
    if type(raw) is not int or not 1900 <= raw <= 2200:
        raise FieldError(f"scenario: {where} must be a year such as 2030, got {raw!r}")
    return raw


def _saving(raw: Any, position: int) -> Saving:
    where = f"scenario: savings[{position}]"
    if not isinstance(raw, Mapping):
        raise FieldError(f"{where} must be an object {{name, amount, unit, factor, factor_unit}}")
    for name in ("name", "unit", "factor_unit"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise FieldError(f"{where}.{name} is missing or not a string")
    saving = Saving(
        name=raw["name"],
        amount=to_decimal(raw.get("amount"), where=f"{where}.amount"),
        unit=raw["unit"],
        factor=to_decimal(raw.get("factor"), where=f"{where}.factor"),
        factor_unit=raw["factor_unit"],
    )
    try:
        saving.potential()
    except GlidError as exc:
        raise FieldError(
            f"{where}.factor_unit {saving.factor_unit!r} is not emissions per {saving.unit!r}:"
            f" {exc}"
        ) from exc
    return saving


def from_json(data: Any) -> Scenario:
    """Read a scenario document; FieldError names the first field that cannot be used."""
    if not isinstance(data, Mapping) or data.get("format") != SCENARIO_FORMAT:
        raise FieldError(f"scenario: format must be {SCENARIO_FORMAT!r}")
    savings, years = data.get("savings"), data.get("years")
    if not isinstance(savings, list) or not savings:
        raise FieldError("scenario: savings must be a non-empty list of reduction levers")
    if not isinstance(years, list) or not 1 <= len(years) <= MAX_YEARS:
        raise FieldError(f"scenario: years must be a list of 1 to {MAX_YEARS} scenario years")
    model = ReductionModel(
        base_year=_year(data.get("base_year"), "base_year"),
        penetration=_number(data, "penetration"),
        saturation=_number(data, "saturation"),
        spread=_number(data, "spread"),
        alpha=_number(data, "alpha"),
        beta=_number(data, "beta"),
        base_reduction=_number(data, "base_reduction"),
        savings=tuple(_saving(raw, position) for position, raw in enumerate(savings)),
    )
    name = data.get("name", "scenario")
    if not isinstance(name, str):
        raise FieldError("scenario: name must be a string")
    return Scenario(name, model, tuple(_year(y, f"years[{i}]") for i, y in enumerate(years)))
