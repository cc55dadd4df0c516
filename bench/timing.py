"""Timing helpers shared by the benchmarks: medians of repeated runs, printed ratios."""

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

T = TypeVar("T")


def elapsed(work: Callable[[], object]) -> float:
    """The wall time of one run of ``work``, in seconds."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def median_seconds(work: Callable[[], object], repeats: int = 5) -> float:
    """The median wall time of ``repeats`` runs of ``work``."""
    return statistics.median(elapsed(work) for _ in range(repeats))


def median_after_setup(
    setup: Callable[[], T], work: Callable[[T], object], repeats: int = 5
) -> float:
    """Like :func:`median_seconds`, with a fresh ``setup()`` before each run, not timed."""
    return statistics.median(elapsed(partial(work, setup())) for _ in range(repeats))


def rate_line(label: str, count: int, seconds: float) -> str:
    return f"{label:44} {count / seconds:>12,.0f} /s"


def paired(
    baseline: Callable[[], object], work: Callable[[], object], repeats: int = 9
) -> tuple[float, float, float]:
    """Median seconds of ``baseline`` and of ``work``, and the median of their per-pair
    ratios (baseline / work).

    The two run alternately, so each ratio compares runs made under the same load: on a
    shared machine that is far steadier than a ratio of two separately taken medians.
    """
    base_times, work_times = [], []
    for _ in range(repeats):
        base_times.append(elapsed(baseline))
        work_times.append(elapsed(work))
    ratios = [b / w for b, w in zip(base_times, work_times, strict=True)]
    return statistics.median(base_times), statistics.median(work_times), statistics.median(ratios)
