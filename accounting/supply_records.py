"""One product-footprint record read into what the roll-up needs: a :data:`NodeRow`.

A roll-up reads every record of a supply chain, 100,000 of them for a large product, so
this reader is written for the common well-formed record: one pass over the record's
values, direct dict reads, a float per quantity and one dict lookup for its unit scale.
Anything unusual (a bare decimal string, an unknown unit, a missing field) takes the
checked readers of :mod:`accounting.records`, which name the field that is wrong. The
record's ``inputs`` list is returned as written; :mod:`accounting.input_columns` reads
the inputs of a whole level of the graph at once.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast, get_args

from accounting.errors import FieldError
from accounting.provenance import Citation
from accounting.rates import quantity_factor
from accounting.records import read_values, to_quantity
from accounting.secondary import secondary_factor
from templates_meta.errors import UnitError
from templates_meta.units import PACT_DECLARED_UNITS, UNITS, dimension_of, unit

ALLOCATION_METHODS = ("mass", "economic", "physical", "none")
EMISSION_UNIT = "kgCO2e"


@dataclass(frozen=True, slots=True)
class Fetched:
    """One resolved record as the roll-up needs it, or why it could not be resolved."""

    id: str
    version: int | str | None = None
    values: Sequence[Mapping[str, Any]] = ()
    verified: bool = False
    verdict: str = ""
    error: str | None = None

    @classmethod
    def missing(cls, id: str, error: str) -> "Fetched":
        return cls(id=id, verdict="unresolved", error=error)


@dataclass(slots=True)
class ProductNode:
    """What the roll-up read about one product: where from, and how it is computed."""

    id: str
    kind: str  # "computed", "declared" or "secondary"
    declared_unit: str
    version: int | str | None = None
    verified: bool = False
    verdict: str = ""
    template: str | None = None
    allocation_method: str | None = None
    primary_share: float = 100.0  # percent, for this node's own or declared part
    material: str | None = None
    citation: Citation | None = None
    error: str | None = None
    own: tuple[float, float] = (0.0, 0.0)  # (fossil, biogenic) kgCO2e per declared unit
    declared_pcf: float | None = None  # what a computed node's own record claims
    characterization: str | None = None  # the GWP set the record declares (AR5, AR6)

    @classmethod
    def from_row(cls, row: "NodeRow", stand_in: "StandIn | None" = None) -> "ProductNode":
        id, kind, declared_unit, version, verified, verdict, template, method, share = row[:9]
        fossil, biogenic, declared_pcf, characterization = row[9:]
        material, citation, error = stand_in or (None, None, None)
        return cls(
            id,
            kind,
            declared_unit,
            version,
            verified,
            verdict,
            template,
            method,
            share,
            material,
            citation,
            error,
            (fossil, biogenic),
            declared_pcf,
            characterization,
        )


# A node as read: (id, kind, declared_unit, version, verified, verdict, template,
# allocation_method, primary_share, own fossil, own biogenic, declared_pcf,
# characterization). Stored in a :class:`NodeTable`.
NodeRow = tuple[
    str,
    str,
    str,
    int | str | None,
    bool,
    str,
    str | None,
    str | None,
    float,
    float,
    float,
    float | None,
    str | None,
]
ID: Final = 0
DECLARED_UNIT: Final = 2
PRIMARY_SHARE: Final = 8
FOSSIL: Final = 9
BIOGENIC: Final = 10
CHARACTERIZATION: Final = 12


class NodeTable:
    """Every node of a roll-up as columns, one list per field of :data:`NodeRow`.

    A roll-up keeps 100,000 nodes; as objects (or tuples) each would be one more
    container for the cyclic garbage collector to walk after the roll-up, which cost
    about a tenth of it. A level's rows are moved into the columns and dropped."""

    def __init__(self) -> None:
        self._columns: list[list[Any]] = [[] for _ in get_args(NodeRow)]

    def __len__(self) -> int:
        return len(self._columns[ID])

    def extend(self, rows: list[NodeRow]) -> None:
        # (no values at all for a level without rows, hence not strict)
        for column, values in zip(self._columns, zip(*rows, strict=True), strict=False):
            column.extend(values)

    def column(self, field: int) -> list[Any]:
        return self._columns[field]

    def row(self, i: int) -> NodeRow:
        return cast(NodeRow, tuple(column[i] for column in self._columns))


# Why a secondary node stands in for a supplier's record: (material, citation, reason).
StandIn = tuple[str, Citation, str]


# How many kgCO2e one of each emission unit is, and how many percent one of each
# dimensionless unit is, so that the common quantity costs one dict lookup.
_TO_EMISSION_UNIT = {
    symbol: float(quantity_factor(symbol, EMISSION_UNIT))
    for symbol, known in UNITS.items()
    if known.dimension == dimension_of(EMISSION_UNIT)
}
_TO_PERCENT = {
    symbol: float(quantity_factor(symbol, "%"))
    for symbol, known in UNITS.items()
    if known.dimension == dimension_of("%")
}


def read_product(fetched: Fetched) -> tuple[NodeRow, list[Any]]:
    """The node for a usable record and its ``inputs`` list as written (empty if none)."""
    where = fetched.id
    fields, template = read_values(fetched.values, record=where)
    get = fields.get
    declared_unit = get("declared_unit")
    if type(declared_unit) is str:
        declared_unit = PACT_DECLARED_UNITS.get(declared_unit, declared_unit)
    if type(declared_unit) is not str or declared_unit not in UNITS:
        declared_unit = _check_unit(declared_unit, where)
    raw_share = get("primary_data_share")
    share = 100.0 if raw_share is None else _share(raw_share, where)
    characterization = _characterization(get("characterization_factors"))
    declared = _emissions(get("fossil_ghg_emissions"), where, "fossil_ghg_emissions")
    if declared is None:
        declared = _emissions(get("pcf_excluding_biogenic"), where, "pcf_excluding_biogenic")
    own_fossil = _emissions(get("own_fossil_emissions"), where, "own_fossil_emissions")
    own_biogenic = _emissions(get("own_biogenic_emissions"), where, "own_biogenic_emissions")
    inputs = get("inputs")
    if inputs is None:
        inputs = []
    elif type(inputs) is not list:
        raise FieldError(f"{where}.inputs must be a list, got {type(inputs).__name__}")
    if own_fossil is not None or own_biogenic is not None or inputs:
        method = get("allocation_method")
        if method not in ALLOCATION_METHODS:
            raise FieldError(
                f"{where}.allocation_method must be one of {', '.join(ALLOCATION_METHODS)} "
                f"when own emissions or inputs are given, got {method!r}"
            )
        row: NodeRow = (
            where,
            "computed",
            declared_unit,
            fetched.version,
            fetched.verified,
            fetched.verdict,
            template,
            method,
            share,
            own_fossil or 0.0,
            own_biogenic or 0.0,
            declared,
            characterization,
        )
        return row, inputs
    if declared is None:
        raise FieldError(
            f"{where}: a product without own emissions or inputs must declare "
            "pcf_excluding_biogenic or fossil_ghg_emissions"
        )
    biogenic = _emissions(get("biogenic_emissions"), where, "biogenic_emissions")
    row = (
        where,
        "declared",
        declared_unit,
        fetched.version,
        fetched.verified,
        fetched.verdict,
        template,
        None,
        share,
        declared,
        biogenic or 0.0,
        None,
        characterization,
    )
    return row, inputs


def secondary_node(fetched: Fetched, material: str, problem: str) -> tuple[NodeRow, StandIn]:
    """A leaf from the secondary factor of ``material``, flagged with why it stands in."""
    factor = secondary_factor(material)
    row: NodeRow = (
        fetched.id,
        "secondary",
        factor.unit,
        fetched.version,
        fetched.verified,
        fetched.verdict,
        None,
        None,
        0.0,
        float(factor.fossil),
        float(factor.biogenic),
        None,
        None,
    )
    return row, (material, factor.citation, problem)


def _characterization(raw: Any) -> str | None:
    """The GWP set(s) a record names: "AR6" (1.x) or a list such as ["AR5", "AR6"] (2.x)."""
    if type(raw) is list and raw and all(type(item) is str for item in raw):
        return ",".join(raw)
    return raw if type(raw) is str else None


def _check_unit(declared_unit: Any, where: str) -> str:
    if not isinstance(declared_unit, str):
        raise FieldError(f"{where}: field declared_unit is missing or not a unit symbol")
    try:
        unit(declared_unit)
    except UnitError as exc:
        raise UnitError(f"{where}.declared_unit: {exc}") from None
    return declared_unit


def _scaled(text: Any, symbol: Any, scales: Mapping[str, float]) -> float | None:
    """The fast read of a common quantity: a finite decimal string in a unit of ``scales``,
    as a float in the target unit; None sends the caller to the checked, exact reader."""
    if type(text) is not str or symbol not in scales:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number * scales[symbol] if math.isfinite(number) else None


def _emissions(raw: Any, where: str, name: str) -> float | None:
    """A kgCO2e quantity field (a bare decimal string is read as kgCO2e)."""
    if raw is None:
        return None
    if type(raw) is dict:
        fast = _scaled(raw.get("value"), raw.get("unit"), _TO_EMISSION_UNIT)
        if fast is not None:
            return fast
    value, symbol = to_quantity(raw, where=f"{where}.{name}", default_unit=EMISSION_UNIT)
    try:
        return float(value * quantity_factor(symbol, EMISSION_UNIT))
    except UnitError as exc:
        raise UnitError(f"{where}.{name}: {exc}") from None


def _share(raw: Any, where: str) -> float:
    """``primary_data_share`` in percent (a bare decimal string is read as %)."""
    text, symbol = (raw, "%") if type(raw) is str else (None, None)
    if type(raw) is dict:
        text, symbol = raw.get("value"), raw.get("unit")
    fast = _scaled(text, symbol, _TO_PERCENT)
    if fast is None:
        value, symbol = to_quantity(raw, where=f"{where}.primary_data_share", default_unit="%")
        try:
            fast = float(value * quantity_factor(symbol, "%"))
        except UnitError as exc:
            raise UnitError(f"{where}.primary_data_share: {exc}") from None
    if not 0 <= fast <= 100:
        raise FieldError(f"{where}.primary_data_share must lie in 0–100 %, got {fast}")
    return fast
