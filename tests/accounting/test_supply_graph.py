"""The graph solver against a dense solve on many small graphs (loops, repeated edges,
self-loops, several components), and the exact words of a loop that has no answer."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounting.errors import CycleNotSolvableError
from accounting.supply_graph import Edges, solve

Edge = tuple[int, int, float]


def graph(n: int, edges: list[Edge]) -> Edges:
    return Edges(
        n,
        np.array([e[0] for e in edges], dtype=np.intp),
        np.array([e[1] for e in edges], dtype=np.intp),
        np.array([e[2] for e in edges], dtype=np.float64),
    )


def dense(n: int, edges: list[Edge], own: np.ndarray) -> np.ndarray:
    matrix = np.zeros((n, n))
    for i, j, c in edges:
        matrix[i, j] += c
    return np.linalg.solve(np.eye(n) - matrix, own)


@st.composite
def small_graphs(draw: st.DrawFn) -> tuple[int, list[Edge]]:
    """Up to 9 nodes and 24 edges (repeats and self-loops allowed); each node's inputs sum
    to less than one unit of anything per unit, so every loop has a finite answer."""
    n = draw(st.integers(1, 9))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=24))
    per_consumer = [sum(1 for i, _ in pairs if i == k) for k in range(n)]
    edges = [(i, j, draw(st.floats(0.01, 0.95)) / per_consumer[i]) for i, j in pairs]
    return n, edges


@settings(max_examples=200, deadline=None)
@given(small_graphs(), st.integers(0, 2**32 - 1))
def test_the_solver_agrees_with_a_dense_solve(shape: tuple[int, list[Edge]], seed: int) -> None:
    n, edges = shape
    own = np.random.default_rng(seed).uniform(0, 10, size=(n, 3))
    assert np.allclose(solve(graph(n, edges), own, str), dense(n, edges, own))


@pytest.mark.parametrize("cyclic", [False, True])
def test_a_large_graph_agrees_with_a_dense_solve(cyclic: bool) -> None:
    rng = np.random.default_rng(11 + cyclic)
    n = 300
    edges = []
    for i in range(n):
        for j in rng.choice(n, size=3, replace=False):
            if j > i or (cyclic and rng.random() < 0.05):
                edges.append((i, int(j), float(rng.uniform(0, 0.3))))
    own = rng.uniform(0, 10, size=(n, 3))
    assert np.allclose(solve(graph(n, edges), own, str), dense(n, edges, own))


def test_a_repeated_input_on_a_loop_counts_twice() -> None:
    # a takes 0.1 of b on two input lines, b takes 0.5 of a: a = 1 + 0.2 b, b = 1 + 0.5 a
    edges = [(0, 1, 0.1), (0, 1, 0.1), (1, 0, 0.5)]
    x = solve(graph(2, edges), np.ones((2, 1)), str)
    assert x[:, 0] == pytest.approx([1.2 / 0.9, 1 + 0.6 / 0.9])


def names(k: int) -> str:
    return f"88.1/p{k}"


@pytest.mark.parametrize(("coefficient", "shown"), [(1.0, "1"), (1.0 - 1e-12, "1"), (1.5, "1.5")])
def test_a_self_loop_of_one_unit_or_more_has_no_answer(coefficient: float, shown: str) -> None:
    with pytest.raises(CycleNotSolvableError) as refused:
        solve(graph(1, [(0, 0, coefficient)]), np.ones((1, 1)), names)
    assert str(refused.value) == (
        f"supply-chain cycle through 88.1/p0 has spectral radius {shown} >= 1: each unit needs "
        "at least one unit of itself, so its footprint diverges; check the input quantities "
        "and units on this cycle"
    )


@pytest.mark.parametrize("size", [8, 9])
def test_a_long_loop_is_named_by_its_first_eight_members(size: int) -> None:
    ring = [(k, (k + 1) % size, 1.0) for k in range(size)]
    with pytest.raises(CycleNotSolvableError) as refused:
        solve(graph(size, ring), np.ones((size, 1)), names)
    listed = str(refused.value).removeprefix("supply-chain cycle through ").split(" has ")[0]
    members = listed.removesuffix(" …").split(", ")
    assert len(members) == 8 and set(members) <= {names(k) for k in range(size)}
    assert listed.endswith(" …") == (size > 8)


def test_each_consumer_keeps_its_inputs_in_the_callers_order() -> None:
    """A report lists a product's inputs as its record lists them, whatever the order in
    which the caller handed over the edges of different consumers."""
    consumer = np.array([1, 0] * 30, dtype=np.intp)
    edges = Edges(61, consumer, np.arange(60, dtype=np.intp) + 1, np.ones(60))
    assert edges.indptr[:3].tolist() == [0, 30, 60]
    assert edges.supplier[:30].tolist() == list(range(2, 61, 2))
    assert edges.order[30:].tolist() == list(range(0, 60, 2))
    assert sorted(edges.of_suppliers(np.array([60], dtype=np.intp)).tolist()) == [29]


def test_a_node_that_supplies_nothing_may_come_last() -> None:
    # node 2 consumes 0.5 of node 0 and supplies no one: x = (1, 1, 1.5)
    edges = Edges(3, np.array([2], dtype=np.intp), np.array([0], dtype=np.intp), np.array([0.5]))
    assert solve(edges, np.ones((3, 1)), str)[:, 0].tolist() == [1.0, 1.0, 1.5]


def test_every_loop_left_after_the_frontiers_is_solved() -> None:
    # 0 takes 1, 1 and 2 each take half a unit of themselves: x1 = x2 = 2, x0 = 1 + x1 = 3
    edges = [(0, 1, 1.0), (1, 1, 0.5), (2, 2, 0.5)]
    assert solve(graph(3, edges), np.ones((3, 1)), str)[:, 0].tolist() == [3.0, 2.0, 2.0]


def test_two_separate_loops_are_each_solved() -> None:
    # 0 and 1 take half a unit of each other, as do 2 and 3: every footprint is 2
    edges = [(0, 1, 0.5), (1, 0, 0.5), (2, 3, 0.5), (3, 2, 0.5)]
    assert solve(graph(4, edges), np.ones((4, 1)), str)[:, 0].tolist() == [2.0] * 4
