"""Footprint roll-up of a 100,000-node supply-chain graph from in-memory records.

Prints the median seconds of accounting.rollup.rollup (batched fetch per level, reading
every record's fields by name, unit conversion, and the graph solve) against its floor:
accounting.supply_graph.solve on the same graph already built as arrays (edges and own
emissions), measured in the same run. The difference is the loading (reading records
into arrays), printed as its own line. solve is the floor because it is the computation
the roll-up cannot skip, done the leanest way the project knows (whole frontiers of the
graph per NumPy step; a per-node loop of NumPy dots over the same arrays is some 17 times
slower).

Run from the checkout: .venv/bin/python -m bench.rollup
"""

import numpy as np

from accounting.rollup import Fetched, rollup
from accounting.supply_graph import Edges, solve
from bench.supply_chain import computed, leaf, values
from bench.timing import cpu_and_wall

NODES = 100_000
LEVELS = 10
INPUTS = 3
REPEAT = 3


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
    # The same graph as arrays, for the solver; the node objects are dropped before timing
    # so that they do not weigh on the collector during it.
    nodes = result.nodes
    assert len(nodes) == NODES
    own = np.array([(*n.own, n.own[0] * n.primary_share / 100) for n in nodes])
    del nodes
    edges: Edges = result.edges

    full = cpu_and_wall(lambda: rollup(roots, fetch), REPEAT)
    solver = cpu_and_wall(lambda: solve(edges, own, str), REPEAT)
    assert np.allclose(solve(edges, own, str), result.values)
    loading = (full[0] - solver[0], full[1] - solver[1])

    print(f"nodes {NODES:,}  edges {len(edges.coef):,}  levels {LEVELS}  medians of {REPEAT}")
    print(f"{'':42} {'wall s':>8} {'cpu s':>8}")
    for label, (cpu, wall) in (
        ("rollup (fetch + read records + solve)", full),
        ("  of which loading (rollup - solve)", loading),
        ("floor: solve() on prebuilt arrays", solver),
    ):
        print(f"{label:<42} {wall:8.3f} {cpu:8.3f}")
    print(f"ratio rollup / floor (wall)                {full[1] / solver[1]:8.2f}x")


if __name__ == "__main__":
    main()
