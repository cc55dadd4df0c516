"""Footprint roll-up of a 100,000-node supply-chain graph from in-memory records.

Prints the median seconds of accounting.rollup.rollup (batched fetch per level, reading
every record's fields by name, unit conversion, and the graph solve) and of the graph
solve alone, each as a ratio to a bare loop that visits the same nodes in topological
order and does one NumPy dot per node, measured in the same run.

Run from the checkout: .venv/bin/python -m bench.rollup
"""

import statistics
import time
from collections.abc import Callable

import numpy as np

from accounting.rollup import Fetched, rollup
from accounting.supply_graph import Edges, solve
from bench.supply_chain import computed, leaf, values

NODES = 100_000
LEVELS = 10
INPUTS = 3
REPEAT = 3


def median_seconds(fn: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU seconds: on a shared machine the CPU figure is the steadier."""
    wall, cpu = [], []
    for _ in range(REPEAT):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def graph() -> tuple[list[str], dict[str, Fetched]]:
    """LEVELS layers of NODES/LEVELS products; each non-leaf uses INPUTS from the next layer."""
    rng = np.random.default_rng(3)
    width = NODES // LEVELS
    ids = [[f"88.{level}/p{k}" for k in range(width)] for level in range(LEVELS)]
    records: dict[str, Fetched] = {}
    for level in range(LEVELS):
        for k, id in enumerate(ids[level]):
            if level == LEVELS - 1:
                fields = leaf("kg", f"{rng.uniform(1, 5):.3f}", primary_data_share="40")
            else:
                # input k keeps every node of the next layer reachable; the rest are random
                picks = [k, *rng.choice(width, size=INPUTS - 1, replace=False)]
                inputs = [
                    (ids[level + 1][int(j)], f"{rng.uniform(0.1, 0.5):.3f}", "kg") for j in picks
                ]
                fields = computed("kg", f"{rng.uniform(0, 2):.3f}", inputs)
            records[id] = Fetched(
                id=id, version=1, values=values(**fields), verified=True, verdict="ok"
            )
    return ids[0], records


def main() -> None:
    roots, records = graph()

    def fetch(batch: list[str]) -> dict[str, Fetched]:
        return {id: records[id] for id in batch}

    result = rollup(roots, fetch)
    # The same graph as arrays, for the solver and the bare loop; the node objects are
    # dropped before timing so that they do not weigh on the collector during it.
    nodes = result.nodes
    assert len(nodes) == NODES
    own = np.array([(*n.own, n.own[0] * n.primary_share / 100) for n in nodes])
    order = np.argsort([-int(n.id.split("/")[0].split(".")[1]) for n in nodes], kind="stable")
    del nodes
    edges: Edges = result.edges

    full = median_seconds(lambda: rollup(roots, fetch))
    solver = median_seconds(lambda: solve(edges, own, str))

    indptr, supplier, coef = edges.indptr, edges.supplier, edges.coef

    def bare_loop() -> np.ndarray:
        x = own.copy()
        for i in order:
            start, stop = indptr[i], indptr[i + 1]
            if stop > start:
                x[i] += coef[start:stop] @ x[supplier[start:stop]]
        return x

    assert np.allclose(bare_loop(), result.values)
    bare = median_seconds(bare_loop)

    print(f"nodes {NODES:,}  edges {len(edges.coef):,}  levels {LEVELS}  medians of {REPEAT}")
    print(f"{'':38} {'wall s':>8} {'cpu s':>8}")
    for label, (wall, cpu) in (
        ("rollup (fetch + read records + solve)", full),
        ("graph solve alone", solver),
        ("bare topological-order numpy loop", bare),
    ):
        print(f"{label:<38} {wall:8.3f} {cpu:8.3f}")
    print(f"ratio rollup / bare loop (wall)        {full[0] / bare[0]:8.2f}x")
    print(f"ratio solve / bare loop (wall)         {solver[0] / bare[0]:8.3f}x")


if __name__ == "__main__":
    main()
