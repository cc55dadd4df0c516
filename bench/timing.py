"""Timing helpers shared by the benchmarks: medians of repeated runs, printed ratios."""

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

T = TypeVar("T")


def elapsed(work: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    """The time of one run of ``work`` by ``clock`` (wall time unless told), in seconds."""
    started = clock()
    work()
    return clock() - started


def median_seconds(work: Callable[[], object], repeats: int = 5) -> float:
    """The median wall time of ``repeats`` runs of ``work``."""
    return statistics.median(elapsed(work) for _ in range(repeats))


def cpu_and_wall(work: Callable[[], object], repeats: int = 5) -> tuple[float, float]:
    """Median CPU seconds (every thread of this process) and wall seconds of ``work``: on a
    shared machine the CPU figure is the steadier."""
    cpu, wall = [], []
    for _ in range(repeats):
        started, used = time.perf_counter(), time.process_time()
        work()
        cpu.append(time.process_time() - used)
        wall.append(time.perf_counter() - started)
    return statistics.median(cpu), statistics.median(wall)


def median_after_setup(
    setup: Callable[[], T], work: Callable[[T], object], repeats: int = 5
) -> float:
    """Like :func:`median_seconds`, with a fresh ``setup()`` before each run, not timed."""
    return statistics.median(elapsed(partial(work, setup())) for _ in range(repeats))


def rate_line(label: str, count: int, seconds: float) -> str:
    return f"{label:44} {count / seconds:>12,.0f} /s"


def paired(
    baseline: Callable[[], object],
    work: Callable[[], object],
    repeats: int = 9,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[float, float, float]:
    """Median seconds of ``baseline`` and of ``work``, and the median of their per-pair
    ratios (baseline / work).

    The two run alternately, so each ratio compares runs made under the same load: on a
    shared machine that is far steadier than a ratio of two separately taken medians.
    ``clock=time.thread_time`` counts only the CPU time of the calling thread, which leaves
    out the time the scheduler gives other processes: the steadier measure for
    single-threaded work on a loaded machine.
    """
    base_times, work_times = [], []
    for _ in range(repeats):
        base_times.append(elapsed(baseline, clock))
        work_times.append(elapsed(work, clock))
    ratios = [b / w for b, w in zip(base_times, work_times, strict=True)]
    return statistics.median(base_times), statistics.median(work_times), statistics.median(ratios)
