"""Product carbon footprint roll-up over a supply chain of resolved records.

PCF(product) = own gate-to-gate emissions allocated to the product (the record states
its allocation method: mass, economic, physical, or none for a single product)
+ Σ input quantity × PCF(input), where each input's PCF comes from its supplier's own
record, resolved through ``fetch``. As in PACT and the ``88/tpl.product-footprint``
template, own emissions, input quantities and the result are all per ONE declared unit.
A computed node's own claimed PCF is kept next to the computed one, for comparison.

accounting never imports the resolver: the caller passes ``fetch(ids) -> {id: Fetched}``,
called once per level of the graph so a network client can resolve a whole level in one
batch request. Fossil and biogenic parts are kept apart; the primary-data share is
carried up weighted by fossil emissions; each node keeps the version and verification
verdict of the record it was read from. An input that cannot be resolved or fails
verification is replaced by a secondary (database) factor for the ``material`` its
consumer names, and flagged — or the roll-up fails if ``verified_only`` is set.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from accounting.errors import (
    FieldError,
    UnresolvedInputError,
    UnverifiedInputError,
)
from accounting.figures import decimal_text
from accounting.provenance import Citation
from accounting.rates import quantity_factor
from accounting.records import template_fields, template_of, to_quantity
from accounting.secondary import secondary_factor
from accounting.supply_graph import Edges, solve
from templates_meta.errors import UnitError
from templates_meta.units import dimension_of, unit

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


Fetch = Callable[[list[str]], Mapping[str, Fetched]]


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
    inputs: list["_InputEntry"] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _InputEntry:
    id: str
    quantity: Decimal
    unit: str
    material: str | None


@dataclass(frozen=True, slots=True)
class Footprint:
    id: str
    declared_unit: str
    fossil: float  # kgCO2e per declared unit (pcf excluding biogenic)
    biogenic: float
    primary_share: float  # percent of fossil emissions from primary data

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "declared_unit": self.declared_unit,
            "pcf_excluding_biogenic": decimal_text(self.fossil),
            "biogenic_emissions": decimal_text(self.biogenic),
            "unit": f"{EMISSION_UNIT}/{self.declared_unit}",
            "primary_data_share": decimal_text(self.primary_share, 2),
        }


class RollupResult:
    """Footprints of every node reached, plus the graph to explain each one."""

    def __init__(
        self,
        roots: tuple[str, ...],
        nodes: list[ProductNode],
        edges: Edges,
        quantities: list[tuple[Decimal, str]],
        values: np.ndarray[Any, np.dtype[np.float64]],
    ) -> None:
        self.roots = roots
        self.nodes = nodes
        self.index = {node.id: i for i, node in enumerate(nodes)}
        self.edges = edges
        self.quantities = quantities  # per original edge: (quantity, unit) as declared
        self.values = values

    def footprint(self, id: str) -> Footprint:
        i = self._position(id)
        fossil, biogenic, weighted = (float(v) for v in self.values[i])
        share = weighted / fossil * 100.0 if fossil > 0 else self.nodes[i].primary_share
        return Footprint(id, self.nodes[i].declared_unit, fossil, biogenic, share)

    @property
    def secondary(self) -> list[str]:
        """Ids whose footprint came from a secondary factor instead of their own record."""
        return [node.id for node in self.nodes if node.kind == "secondary"]

    @property
    def warnings(self) -> list[str]:
        """Conditions that do not stop the calculation but a reader must see."""
        sets = sorted({n.characterization for n in self.nodes if n.characterization})
        if len(sets) > 1:
            return [f"records use different GWP sets ({', '.join(sets)}); the footprint mixes them"]
        return []

    def _position(self, id: str) -> int:
        try:
            return self.index[id]
        except KeyError:
            raise FieldError(f"{id} is not part of this roll-up") from None

    def node_json(self, id: str) -> dict[str, Any]:
        """One node with its own part and each input's contribution, without recursion."""
        i = self._position(id)
        node = self.nodes[i]
        data: dict[str, Any] = {
            **self.footprint(id).to_json(),
            "kind": node.kind,
            "version": node.version,
            "verified": node.verified,
            "verdict": node.verdict,
            "template": node.template,
            "characterization_factors": node.characterization,
        }
        if node.kind == "computed":
            data["allocation_method"] = node.allocation_method
            data["own"] = {
                "fossil": decimal_text(node.own[0]),
                "biogenic": decimal_text(node.own[1]),
            }
            if node.declared_pcf is not None:
                data["declared_pcf_excluding_biogenic"] = decimal_text(node.declared_pcf)
        if node.kind == "secondary":
            data["material"] = node.material
            data["secondary_source"] = node.citation.to_json() if node.citation else None
            data["reason"] = node.error
        inputs = []
        start, stop = int(self.edges.indptr[i]), int(self.edges.indptr[i + 1])
        for e in range(start, stop):
            supplier = int(self.edges.supplier[e])
            coef = float(self.edges.coef[e])
            quantity, symbol = self.quantities[int(self.edges.order[e])]
            inputs.append(
                {
                    "id": self.nodes[supplier].id,
                    "quantity": {"value": str(quantity), "unit": symbol},
                    "per_declared_unit": decimal_text(coef, 9),
                    "fossil": decimal_text(coef * float(self.values[supplier, 0])),
                    "biogenic": decimal_text(coef * float(self.values[supplier, 1])),
                }
            )
        data["inputs"] = inputs
        return data

    def tree(self, root: str, max_depth: int = 6) -> dict[str, Any]:
        """The footprint explained as a nested tree (for reports), cut at ``max_depth``;
        a node already on the path (a cycle) is shown once more and not expanded."""

        def walk(id: str, depth: int, path: frozenset[str]) -> dict[str, Any]:
            data = self.node_json(id)
            if id in path:
                data["cycle"] = True
                data["inputs"] = []
                return data
            if depth >= max_depth:
                data["truncated"] = bool(data["inputs"])
                data["inputs"] = []
                return data
            for entry in data["inputs"]:
                entry["node"] = walk(entry["id"], depth + 1, path | {id})
            return data

        return walk(root, 0, frozenset())

    def to_json(self, max_depth: int = 6) -> dict[str, Any]:
        return {
            "unit": EMISSION_UNIT,
            "roots": [self.tree(root, max_depth) for root in self.roots],
            "secondary": self.secondary,
            "warnings": self.warnings,
            "nodes": len(self.nodes),
        }


def rollup(roots: Iterable[str], fetch: Fetch, *, verified_only: bool = False) -> RollupResult:
    """Resolve the supply chain under ``roots`` level by level and compute every footprint."""
    root_ids = tuple(dict.fromkeys(roots))
    nodes: list[ProductNode] = []
    index: dict[str, int] = {}
    wanted_by: dict[str, tuple[str, str | None]] = {}  # id → (first consumer, its material)
    frontier = list(root_ids)
    while frontier:
        answers = fetch(frontier)
        following: list[str] = []
        for id in frontier:
            fetched = answers.get(id) or Fetched.missing(id, "not returned by fetch")
            node = _node(fetched, id in root_ids, wanted_by.get(id), verified_only)
            index[id] = len(nodes)
            nodes.append(node)
            for entry in node.inputs:
                if entry.id not in index and entry.id not in wanted_by:
                    wanted_by[entry.id] = (id, entry.material)
                    following.append(entry.id)
        frontier = following
    return _compute(root_ids, nodes, index)


def _node(
    fetched: Fetched, is_root: bool, wanted: tuple[str, str | None] | None, verified_only: bool
) -> ProductNode:
    id = fetched.id
    problem = None
    if fetched.error is not None:
        problem = f"{id} could not be resolved: {fetched.error}"
    elif not fetched.verified and (verified_only or not is_root):
        problem = f"{id} failed verification: {fetched.verdict or 'no verdict given'}"
    if problem is None:
        return _read_product(fetched)
    error_type = UnresolvedInputError if fetched.error is not None else UnverifiedInputError
    if is_root or verified_only or wanted is None:
        raise error_type(problem)
    consumer, material = wanted
    if material is None:
        raise error_type(
            f"{problem}; its consumer {consumer} names no 'material' for a secondary factor, "
            "so the footprint cannot be completed"
        )
    factor = secondary_factor(material)
    return ProductNode(
        id=id,
        kind="secondary",
        declared_unit=factor.unit,
        version=fetched.version,
        verified=fetched.verified,
        verdict=fetched.verdict,
        primary_share=0.0,
        material=material,
        citation=factor.citation,
        error=problem,
        own=(float(factor.fossil), float(factor.biogenic)),
    )


def _emissions(fields: Mapping[str, Any], name: str, where: str) -> float | None:
    raw = fields.get(name)
    if raw is None:
        return None
    value, symbol = to_quantity(raw, where=f"{where}.{name}", default_unit=EMISSION_UNIT)
    return float(value * quantity_factor(symbol, EMISSION_UNIT))


def _read_product(fetched: Fetched) -> ProductNode:
    where = fetched.id
    fields = template_fields(fetched.values, record=where)
    declared_unit = fields.get("declared_unit")
    if not isinstance(declared_unit, str):
        raise FieldError(f"{where}: field declared_unit is missing or not a unit symbol")
    try:
        unit(declared_unit)
    except UnitError as exc:
        raise UnitError(f"{where}.declared_unit: {exc}") from None
    share = 100.0
    if fields.get("primary_data_share") is not None:
        value, symbol = to_quantity(
            fields["primary_data_share"], where=f"{where}.primary_data_share", default_unit="%"
        )
        share = float(value * quantity_factor(symbol, "%"))
        if not 0 <= share <= 100:
            raise FieldError(f"{where}.primary_data_share must lie in 0–100 %, got {share}")
    characterization = fields.get("characterization_factors")
    node = ProductNode(
        id=where,
        kind="computed",
        declared_unit=declared_unit,
        version=fetched.version,
        verified=fetched.verified,
        verdict=fetched.verdict,
        template=template_of(fetched.values),
        primary_share=share,
        characterization=characterization if isinstance(characterization, str) else None,
    )
    declared = _emissions(fields, "fossil_ghg_emissions", where)
    if declared is None:
        declared = _emissions(fields, "pcf_excluding_biogenic", where)
    own_fossil = _emissions(fields, "own_fossil_emissions", where)
    own_biogenic = _emissions(fields, "own_biogenic_emissions", where)
    node.inputs = _inputs(fields.get("inputs"), where)
    if own_fossil is not None or own_biogenic is not None or node.inputs:
        method = fields.get("allocation_method")
        if method not in ALLOCATION_METHODS:
            raise FieldError(
                f"{where}.allocation_method must be one of {', '.join(ALLOCATION_METHODS)} "
                f"when own emissions or inputs are given, got {method!r}"
            )
        node.allocation_method = method
        node.own = (own_fossil or 0.0, own_biogenic or 0.0)
        node.declared_pcf = declared
        return node
    if declared is None:
        raise FieldError(
            f"{where}: a product without own emissions or inputs must declare "
            "pcf_excluding_biogenic or fossil_ghg_emissions"
        )
    node.kind = "declared"
    node.own = (declared, _emissions(fields, "biogenic_emissions", where) or 0.0)
    return node


def _inputs(raw: Any, where: str) -> list[_InputEntry]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FieldError(f"{where}.inputs must be a list, got {type(raw).__name__}")
    entries = []
    for k, item in enumerate(raw):
        here = f"{where}.inputs[{k}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise FieldError(f"{here}: expected {{'id', 'quantity'}}, got {item!r}")
        quantity, symbol = to_quantity(item.get("quantity"), where=f"{here}.quantity")
        if quantity < 0:
            raise FieldError(f"{here}.quantity must be >= 0, got {quantity}")
        material = item.get("material")
        entries.append(
            _InputEntry(
                item["id"], quantity, symbol, material if isinstance(material, str) else None
            )
        )
    return entries


def _compute(
    roots: tuple[str, ...], nodes: list[ProductNode], index: dict[str, int]
) -> RollupResult:
    n = len(nodes)
    consumer: list[int] = []
    supplier: list[int] = []
    coef: list[float] = []
    quantities: list[tuple[Decimal, str]] = []
    own = np.empty((n, 3), dtype=np.float64)
    for i, node in enumerate(nodes):
        fossil, biogenic = node.own
        own[i] = (fossil, biogenic, fossil * node.primary_share / 100.0)
        for entry in node.inputs:
            j = index[entry.id]
            target = nodes[j].declared_unit
            try:
                factor = quantity_factor(entry.unit, target)
            except UnitError:
                raise UnitError(
                    f"{node.id}: input {entry.id} is given in {entry.unit} "
                    f"({dimension_of(entry.unit)}) but its declared unit is {target} "
                    f"({dimension_of(target)})"
                ) from None
            consumer.append(i)
            supplier.append(j)
            coef.append(float(entry.quantity * factor))
            quantities.append((entry.quantity, entry.unit))
    edges = Edges(
        n,
        np.asarray(consumer, dtype=np.intp),
        np.asarray(supplier, dtype=np.intp),
        np.asarray(coef, dtype=np.float64),
    )
    values = solve(edges, own, lambda k: nodes[k].id)
    return RollupResult(roots, nodes, edges, quantities, values)
