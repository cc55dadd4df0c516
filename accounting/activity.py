"""Activity data: the emission sources of a boundary and the readings taken on them.

A source is one thing that emits (a boiler burning raw coal, the grid meter, a lime kiln)
and fixes the category, the factor key and the unit of its readings. Readings are
columns of equal length (source index, quantity, optional timestamp), so a year of meter
data for thousands of sources is a few NumPy arrays rather than a million objects.
"""

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from accounting.errors import ActivityDataError


class Category(StrEnum):
    """What kind of activity a source records, which fixes its formula and scope."""

    COMBUSTION = "combustion"
    PROCESS = "process"
    GAS = "gas"
    ELECTRICITY_PURCHASED = "electricity_purchased"
    ELECTRICITY_EXPORTED = "electricity_exported"
    HEAT_PURCHASED = "heat_purchased"
    HEAT_EXPORTED = "heat_exported"
    ZERO_CARBON_ELECTRICITY = "zero_carbon_electricity"

    @property
    def scope(self) -> int:
        """GHG scope: direct emissions are scope 1, bought (net of sold) energy scope 2."""
        return 1 if self in (Category.COMBUSTION, Category.PROCESS, Category.GAS) else 2

    @property
    def sign(self) -> int:
        """Exported energy is deducted, as GB/T 32150 nets purchased against exported;
        zero-carbon (hydro, wind, solar) electricity is deducted at the grid factor, as the
        carbon-efficiency method requires."""
        deducted = (
            Category.ELECTRICITY_EXPORTED,
            Category.HEAT_EXPORTED,
            Category.ZERO_CARBON_ELECTRICITY,
        )
        return -1 if self in deducted else 1

    @property
    def energy_related(self) -> bool:
        """Counted in carbon-efficiency L (energy use), unlike process and direct gas releases."""
        return self not in (Category.PROCESS, Category.GAS)


@dataclass(frozen=True, slots=True)
class Source:
    """One emission source. ``key`` is a fuel code, process code or gas; electricity and
    heat sources take their key from the calculation settings and leave it empty."""

    id: str
    category: Category
    unit: str
    key: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Readings:
    """Columns of activity readings; ``time`` (datetime64) is optional."""

    source: npt.NDArray[np.intp]
    quantity: npt.NDArray[np.float64]
    time: npt.NDArray[np.datetime64] | None = None

    def __post_init__(self) -> None:
        if self.source.shape != self.quantity.shape or self.source.ndim != 1:
            raise ActivityDataError(
                f"readings: source {self.source.shape} and quantity {self.quantity.shape} "
                "must be one-dimensional columns of the same length"
            )
        if self.time is not None and self.time.shape != self.quantity.shape:
            raise ActivityDataError(
                f"readings: time {self.time.shape} and quantity {self.quantity.shape} differ"
            )

    @classmethod
    def totals(cls, quantities: list[float]) -> "Readings":
        """One reading per source, in source order: the shape of an annual report."""
        return cls(
            source=np.arange(len(quantities), dtype=np.intp),
            quantity=np.asarray(quantities, dtype=np.float64),
        )
