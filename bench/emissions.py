"""Emission engine throughput: 1,000,000 activity readings over 5,000 sources.

Prints rows/s of accounting.emissions.compute (checks + per-source sums + factors) and
its ratio to its floor, measured in this run (medians of several repetitions): the same
per-source sums and emissions with no checks, one ``bincount`` and one multiply, the
leanest NumPy way to the same arrays. Beside it, the time of accounting.emissions.build
(resolving every source's factors, in exact decimals, with their citations), which a
calculation pays once whatever the number of readings; it has no baseline.

Run from the checkout: .venv/bin/python -m bench.emissions
"""

from collections.abc import Callable

import numpy as np

from accounting.activity import Category, Readings, Source
from accounting.emissions import Settings, build, compute
from bench.timing import median_seconds

ROWS = 1_000_000
SOURCES = 5_000
REPEAT = 9


def median(work: Callable[[], object]) -> float:
    return median_seconds(work, REPEAT)


def main() -> None:
    kinds = [
        (Category.COMBUSTION, "t", "raw_coal"),
        (Category.COMBUSTION, "Nm3", "natural_gas"),
        (Category.COMBUSTION, "t", "diesel"),
        (Category.ELECTRICITY_PURCHASED, "kWh", ""),
        (Category.HEAT_PURCHASED, "GJ", ""),
        (Category.GAS, "kg", "CH4"),
        (Category.PROCESS, "t", "calcite"),
    ]
    sources = [
        Source(
            f"meter-{i}",
            kinds[i % len(kinds)][0],
            kinds[i % len(kinds)][1],
            kinds[i % len(kinds)][2],
        )
        for i in range(SOURCES)
    ]
    rng = np.random.default_rng(1)
    index = rng.integers(0, SOURCES, size=ROWS).astype(np.intp)
    quantity = rng.uniform(0, 100, size=ROWS)
    times = np.datetime64("2023-01-01T00:00:00") + rng.integers(0, 365 * 86400, ROWS).astype(
        "timedelta64[s]"
    )
    settings = Settings(year=2023)
    build_s = median(lambda: build(sources, settings))
    model = build(sources, settings)
    readings = Readings(index, quantity)
    timed = Readings(index, quantity, times)

    def floor() -> np.ndarray:
        return np.bincount(index, weights=quantity, minlength=SOURCES) * model.signed

    engine = median(lambda: compute(model, readings))
    engine_timed = median(lambda: compute(model, timed))
    bare = median(floor)
    assert np.allclose(compute(model, readings).emissions, floor())

    print(f"rows {ROWS:,}  sources {SOURCES:,}  repetitions {REPEAT} (medians)")
    print(f"build (factors for {SOURCES:,} sources)        {build_s * 1e3:8.2f} ms")
    for label, seconds in (
        ("compute", engine),
        ("compute with period check", engine_timed),
        ("floor: bincount + multiply, no checks", bare),
    ):
        print(f"{label:<38} {seconds * 1e3:8.2f} ms  {ROWS / seconds:>14,.0f} rows/s")
    print(f"ratio compute / floor                  {engine / bare:8.2f}x")
    print(f"ratio compute with period check / floor {engine_timed / bare:7.2f}x")


if __name__ == "__main__":
    main()
