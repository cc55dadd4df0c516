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

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from accounting.errors import FieldError, UnresolvedInputError, UnverifiedInputError
from accounting.figures import decimal_text
from accounting.input_columns import InputColumns, read_inputs
from accounting.rates import quantity_factor
from accounting.supply_graph import Edges, solve
from accounting.supply_records import (
    BIOGENIC,
    CHARACTERIZATION,
    DECLARED_UNIT,
    EMISSION_UNIT,
    FOSSIL,
    ID,
    PRIMARY_SHARE,
    Fetched,
    NodeRow,
    NodeTable,
    ProductNode,
    StandIn,
    read_product,
    secondary_node,
)
from templates_meta.errors import UnitError
from templates_meta.units import dimension_of

__all__ = ["Fetch", "Fetched", "Footprint", "ProductNode", "RollupResult", "rollup"]

Fetch = Callable[[list[str]], Mapping[str, Fetched]]


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
        table: NodeTable,
        stand_ins: dict[int, StandIn],
        index: dict[str, int],
        edges: Edges,
        quantities: tuple[list[str], list[str]],
        values: np.ndarray[Any, np.dtype[np.float64]],
    ) -> None:
        self.roots = roots
        self.table = table  # each node as read
        self.stand_ins = stand_ins  # node position → why a secondary factor stands in
        self.index = index
        self.edges = edges
        # each input's quantity as written and its unit, in the order the edges were built
        self.quantity_texts, self.quantity_units = quantities
        self.values = values

    @property
    def nodes(self) -> list[ProductNode]:
        """Every node, built on each call (a roll-up keeps columns, not objects)."""
        return [self.node(i) for i in range(len(self.table))]

    def node(self, i: int) -> ProductNode:
        return ProductNode.from_row(self.table.row(i), self.stand_ins.get(i))

    def footprint(self, id: str) -> Footprint:
        i = self._position(id)
        fossil, biogenic, weighted = (float(v) for v in self.values[i])
        share = weighted / fossil * 100.0 if fossil > 0 else self.table.column(PRIMARY_SHARE)[i]
        return Footprint(id, self.table.column(DECLARED_UNIT)[i], fossil, biogenic, share)

    @property
    def secondary(self) -> list[str]:
        """Ids whose footprint came from a secondary factor instead of their own record."""
        return [self.table.column(ID)[i] for i in sorted(self.stand_ins)]

    @property
    def warnings(self) -> list[str]:
        """Conditions that do not stop the calculation but a reader must see."""
        sets = sorted({s for s in self.table.column(CHARACTERIZATION) if s})
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
        node = self.node(i)
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
            k = int(self.edges.order[e])
            text, symbol = self.quantity_texts[k], self.quantity_units[k]
            inputs.append(
                {
                    "id": self.table.column(ID)[supplier],
                    "quantity": {"value": text, "unit": symbol},
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
            "nodes": len(self.table),
        }


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading records.

    Reading 100,000 records allocates millions of small tuples and dicts that hold no
    reference cycles; left on, the collector rescans the growing heap again and again and
    costs about a third of the roll-up. It is restored, as it was, on the way out."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def rollup(roots: Iterable[str], fetch: Fetch, *, verified_only: bool = False) -> RollupResult:
    """Resolve the supply chain under ``roots`` level by level and compute every footprint."""
    with _collector_paused():
        return _rollup(tuple(dict.fromkeys(roots)), fetch, verified_only)


def _rollup(root_ids: tuple[str, ...], fetch: Fetch, verified_only: bool) -> RollupResult:
    """Breadth first: fetch a level, read its records, then read all of the level's inputs
    at once; the suppliers not seen before make the next level."""
    root_set = set(root_ids)
    seen = set(root_ids)
    asked: list[str] = []  # the id each node was fetched by, in node order
    table = NodeTable()
    stand_ins: dict[int, StandIn] = {}
    levels: list[InputColumns] = []
    frontier = list(root_ids)
    named_by: InputColumns | None = None  # the level whose inputs named this frontier
    while frontier:
        answers = fetch(frontier)
        rows: list[NodeRow] = []
        lists: list[list[Any]] = []
        owners: list[int] = []
        base = len(table)
        for id in frontier:
            fetched = answers.get(id) or Fetched.missing(id, "not returned by fetch")
            if fetched.error is None and (
                fetched.verified or (id in root_set and not verified_only)
            ):
                row, inputs = read_product(fetched)
                if inputs:
                    lists.append(inputs)
                    owners.append(base + len(rows))
            else:
                row, stand_ins[base + len(rows)] = _stand_in(
                    fetched, id in root_set, verified_only, named_by, table
                )
            rows.append(row)
        table.extend(rows)
        asked += frontier
        named_by = read_inputs(lists, owners, [table.column(ID)[k] for k in owners])
        levels.append(named_by)
        frontier = [s for s in dict.fromkeys(named_by.ids) if s not in seen]
        seen.update(frontier)
    index = dict(zip(asked, range(len(asked)), strict=True))
    return _compute(root_ids, table, stand_ins, index, levels)


def _stand_in(
    fetched: Fetched,
    is_root: bool,
    verified_only: bool,
    named_by: InputColumns | None,
    table: NodeTable,
) -> tuple[NodeRow, StandIn]:
    """The secondary node for a record that cannot be used, or the error that stops."""
    id = fetched.id
    if fetched.error is not None:
        problem = f"{id} could not be resolved: {fetched.error}"
    else:
        problem = f"{id} failed verification: {fetched.verdict or 'no verdict given'}"
    error_type = UnresolvedInputError if fetched.error is not None else UnverifiedInputError
    if is_root or verified_only or named_by is None:
        raise error_type(problem)
    consumer, material = named_by.first_use(id)
    if material is None:
        raise error_type(
            f"{problem}; its consumer {table.column(ID)[consumer]} names no 'material' for a "
            "secondary factor, so the footprint cannot be completed"
        )
    return secondary_node(fetched, material, problem)


def _compute(
    roots: tuple[str, ...],
    table: NodeTable,
    stand_ins: dict[int, StandIn],
    index: dict[str, int],
    levels: list[InputColumns],
) -> RollupResult:
    """Turn the nodes and input columns into arrays — own emissions and edges with
    coefficients in the supplier's declared unit — and solve. Per-edge work is C loops
    and NumPy; unit scales are looked up once per distinct (input unit, declared unit)."""
    n = len(table)
    fossil, biogenic, shares = (
        np.array(table.column(k), dtype=np.float64).reshape(n)
        for k in (FOSSIL, BIOGENIC, PRIMARY_SHARE)
    )
    own = np.column_stack((fossil, biogenic, fossil * shares / 100.0))
    ids = list(chain.from_iterable(level.ids for level in levels))
    units = list(chain.from_iterable(level.units for level in levels))
    texts = list(chain.from_iterable(level.texts for level in levels))
    # (no levels only when there are no roots)
    consumer = np.concatenate([level.consumer for level in levels] or [np.zeros(0, np.intp)])
    quantity = np.concatenate([level.quantity for level in levels] or [np.zeros(0)])
    supplier = np.fromiter(map(index.__getitem__, ids), dtype=np.intp, count=len(ids))
    declared = table.column(DECLARED_UNIT)
    symbols = sorted(set(units) | set(declared))
    code = {symbol: k for k, symbol in enumerate(symbols)}
    unit_of_node = np.fromiter(map(code.__getitem__, declared), dtype=np.intp, count=n)
    source_unit = np.fromiter(map(code.__getitem__, units), dtype=np.intp, count=len(units))
    pair = source_unit * len(symbols) + unit_of_node[supplier]
    present, first = np.unique(pair, return_index=True)
    scale_of_pair = np.zeros(len(symbols) ** 2)
    for p, e in zip(present.tolist(), first.tolist(), strict=True):
        scale_of_pair[p] = _scale(
            table.column(ID)[int(consumer[e])],
            ids[e],
            symbols[p // len(symbols)],
            symbols[p % len(symbols)],
        )
    edges = Edges(n, consumer, supplier, quantity * scale_of_pair[pair])
    values = solve(edges, own, lambda k: table.column(ID)[k])
    return RollupResult(roots, table, stand_ins, index, edges, (texts, units), values)


def _scale(consumer: str, supplier: str, symbol: str, target: str) -> float:
    """How many of the supplier's declared unit one ``symbol`` of input is."""
    try:
        return float(quantity_factor(symbol, target))
    except UnitError:
        raise UnitError(
            f"{consumer}: input {supplier} is given in {symbol} ({dimension_of(symbol)}) "
            f"but its declared unit is {target} ({dimension_of(target)})"
        ) from None
