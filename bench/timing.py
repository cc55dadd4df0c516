"""Timing helpers shared by the benchmarks: medians of repeated runs, printed ratios."""

import statistics
import time
from collections.abc import Callable


def median_seconds(work: Callable[[], object], repeats: int = 5) -> float:
    """The median wall time of ``repeats`` runs of ``work``."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def rate_line(label: str, count: int, seconds: float) -> str:
    return f"{label:44} {count / seconds:>12,.0f} /s"
