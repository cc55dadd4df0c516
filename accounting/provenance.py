"""Where a number came from: the citation and the formula term every result carries.

An emission figure is only auditable if each factor in it can be traced to a document,
year and table, and if an enterprise's own measured value is visibly marked as replacing
the default. These two small types are that trail.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Citation:
    """A published (or plainly illustrative) source of a factor value."""

    document: str
    year: int | None
    table: str
    illustrative: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "year": self.year,
            "table": self.table,
            "illustrative": self.illustrative,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Citation":
        return cls(
            document=str(data["document"]),
            year=None if data.get("year") is None else int(data["year"]),
            table=str(data.get("table", "-")),
            illustrative=bool(data.get("illustrative", False)),
        )


@dataclass(frozen=True, slots=True)
class Term:
    """One factor of a formula, with its unit, its source, and whether it was overridden."""

    name: str
    value: Decimal
    unit: str
    citation: Citation
    overridden: bool = False
    default_value: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "value": str(self.value),
            "unit": self.unit,
            "source": self.citation.to_json(),
            "overridden": self.overridden,
        }
        if self.overridden and self.default_value is not None:
            data["default_value"] = str(self.default_value)
        return data
