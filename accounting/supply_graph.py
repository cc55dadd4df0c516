"""Solving x = own + A·x over a supply-chain graph, in topological order where possible.

Node i's footprint per declared unit is its own emissions plus, for each edge
(i consumes ``coef`` units of j), ``coef × x[j]``. Stated as a matrix problem the answer
is (I − A) x = own, but a 100,000-node supply chain is mostly acyclic and shallow, so:

1. Kahn's algorithm runs a whole frontier at a time: every node whose inputs are all
   known is computed in one vectorised step (gather, multiply, segment sums);
2. what is left are strongly connected components (real cycles, such as a steel plant
   buying back its own scrap) and the nodes downstream of them. Tarjan's algorithm orders
   those components inputs-first; each cyclic component is solved as its own small dense
   system — never inverted — after checking that its spectral radius is below 1, because
   a loop that needs one unit or more of itself per unit produced has no finite answer.

Values are columns (fossil, biogenic, primary-weighted fossil), solved together.
"""

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from accounting.errors import CycleNotSolvableError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


class Edges:
    """Edges sorted by consumer (CSR), with the reverse index by supplier."""

    def __init__(self, n: int, consumer: IntArray, supplier: IntArray, coef: FloatArray) -> None:
        order = np.argsort(consumer, kind="stable")
        self.n = n
        self.consumer = consumer[order]
        self.supplier = supplier[order]
        self.coef = coef[order]
        self.order = order  # position in the caller's edge list of each sorted edge
        self.indptr = np.zeros(n + 1, dtype=np.intp)
        np.cumsum(np.bincount(self.consumer, minlength=n), out=self.indptr[1:])
        self.by_supplier = np.argsort(self.supplier, kind="stable")
        self.supplier_indptr = np.zeros(n + 1, dtype=np.intp)
        np.cumsum(np.bincount(self.supplier, minlength=n), out=self.supplier_indptr[1:])

    def of_consumers(self, nodes: IntArray) -> IntArray:
        """Indexes (into the sorted edges) of all edges whose consumer is in ``nodes``."""
        return _ranges(self.indptr[nodes], self.indptr[nodes + 1])

    def of_suppliers(self, nodes: IntArray) -> IntArray:
        return self.by_supplier[
            _ranges(self.supplier_indptr[nodes], self.supplier_indptr[nodes + 1])
        ]


def _ranges(starts: IntArray, stops: IntArray) -> IntArray:
    """Concatenate ``arange(s, e)`` for each pair, without a Python loop."""
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.intp)
    nonempty = lengths > 0
    starts, lengths = starts[nonempty], lengths[nonempty]
    steps = np.ones(total, dtype=np.intp)
    steps[0] = starts[0]
    offsets = np.cumsum(lengths)[:-1]
    steps[offsets] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    return np.cumsum(steps)


def solve(edges: Edges, own: FloatArray, name_of: Callable[[int], str]) -> FloatArray:
    """Return x with x = own + A·x; ``name_of`` names nodes in error messages."""
    x = own.copy()
    remaining = np.diff(edges.indptr)
    done = np.zeros(edges.n, dtype=np.bool_)
    ready = np.flatnonzero(remaining == 0)
    while ready.size:
        consumed = edges.of_consumers(ready)
        if consumed.size:
            contributions = edges.coef[consumed, None] * x[edges.supplier[consumed]]
            counts = edges.indptr[ready + 1] - edges.indptr[ready]
            with_inputs = ready[counts > 0]
            starts = np.concatenate(([0], np.cumsum(counts[counts > 0])[:-1]))
            x[with_inputs] += np.add.reduceat(contributions, starts, axis=0)
        done[ready] = True
        supplied = edges.of_suppliers(ready)
        consumers, hits = np.unique(edges.consumer[supplied], return_counts=True)
        remaining[consumers] -= hits
        ready = consumers[(remaining[consumers] == 0) & ~done[consumers]]
    if not done.all():
        _solve_cyclic(edges, x, done, name_of)
    return x


def _solve_cyclic(
    edges: Edges, x: FloatArray, done: npt.NDArray[np.bool_], name_of: Callable[[int], str]
) -> None:
    for component in _components(edges, np.flatnonzero(~done)):
        members = np.asarray(component, dtype=np.intp)
        incoming = edges.of_consumers(members)
        internal = ~done[edges.supplier[incoming]]  # not yet known: inside this component
        external = incoming[~internal]
        rhs = x[members]  # own emissions, still unchanged for unfinished nodes
        if external.size:
            position = {node: k for k, node in enumerate(component)}
            rows = np.fromiter((position[c] for c in edges.consumer[external]), np.intp)
            np.add.at(rhs, rows, edges.coef[external, None] * x[edges.supplier[external]])
        inside = incoming[internal]
        if inside.size == 0:
            x[members] = rhs
        else:
            x[members] = _solve_component(edges, component, inside, rhs, name_of)
        done[members] = True


def _solve_component(
    edges: Edges,
    component: list[int],
    inside: IntArray,
    rhs: FloatArray,
    name_of: Callable[[int], str],
) -> FloatArray:
    position = {node: k for k, node in enumerate(component)}
    size = len(component)
    matrix = np.zeros((size, size))
    for e in inside.tolist():
        matrix[position[int(edges.consumer[e])], position[int(edges.supplier[e])]] += edges.coef[e]
    names = ", ".join(name_of(node) for node in component[:8]) + (" …" if size > 8 else "")
    radius = float(np.max(np.abs(np.linalg.eigvals(matrix))))
    if radius >= 1.0 - 1e-12:
        raise CycleNotSolvableError(
            f"supply-chain cycle through {names} has spectral radius {radius:.6g} >= 1: each "
            "unit needs at least one unit of itself, so its footprint diverges; check the "
            "input quantities and units on this cycle"
        )
    try:
        solution = np.asarray(np.linalg.solve(np.eye(size) - matrix, rhs), dtype=np.float64)
    except np.linalg.LinAlgError:
        raise CycleNotSolvableError(
            f"supply-chain cycle through {names} gives a singular system; check its inputs"
        ) from None
    return solution


def _components(edges: Edges, nodes: IntArray) -> list[list[int]]:
    """Tarjan's strongly connected components of the subgraph on ``nodes``, inputs first."""
    pending = set(nodes.tolist())
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    result: list[list[int]] = []
    counter = 0
    indptr, supplier = edges.indptr, edges.supplier
    for root in nodes.tolist():
        if root in index:
            continue
        work: list[tuple[int, int]] = [(root, int(indptr[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edge = work[-1]
            if edge < indptr[node + 1]:
                work[-1] = (node, edge + 1)
                nxt = int(supplier[edge])
                if nxt not in pending:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, int(indptr[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
    return result
