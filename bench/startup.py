"""How long `glid` takes before a command does its own work, against `python3 -c pass`.

Each figure is a fresh process, as a user's shell starts it: `glid --help`, and
`glid COMMAND --help` for every command (argparse exits after parsing, so this is the
start of the command: interpreter, entry point, parser). The baseline is the interpreter
alone (`python -c pass`), the floor of any Python command. Baseline and work alternate, so
each ratio compares runs made under the same load. Wall time swings with the machine's
load; the CPU time (user + system) of the child process does far less, so both are shown.

    .venv/bin/python -m bench.startup
"""

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from resolver.cli import build_parser

GLID = str(Path(sys.executable).with_name("glid"))
REPEATS = 9
TARGET_MS = 150.0
TARGET_RATIO = 5.0


def run(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall * 1000, cpu * 1000


def measure(argv: list[str], baseline: list[str]) -> tuple[float, float, float, float, float]:
    """Median wall and CPU ms of the command and of the baseline, and the median ratio
    of the paired wall times."""
    work: list[tuple[float, float]] = []
    base: list[tuple[float, float]] = []
    for _ in range(REPEATS):
        base.append(run(baseline))
        work.append(run(argv))
    ratio = statistics.median(w[0] / b[0] for w, b in zip(work, base, strict=True))
    return (
        statistics.median(w[0] for w in work),
        statistics.median(w[1] for w in work),
        statistics.median(b[0] for b in base),
        statistics.median(b[1] for b in base),
        ratio,
    )


def main() -> None:
    baseline = [sys.executable, "-c", "pass"]
    run(baseline), run([GLID, "--help"])  # warm the file cache
    parser = build_parser()
    commands = sorted(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    rows = [("glid --help", [GLID, "--help"])]
    rows += [(f"glid {name} --help", [GLID, name, "--help"]) for name in commands]
    heading = ("command", "wall ms", "cpu ms", "pass wall", "pass cpu", "ratio")
    print("{:26} {:>8} {:>7} {:>10} {:>9} {:>6}".format(*heading))
    worst_cpu, worst_ratio = 0.0, 0.0
    for label, argv in rows:
        wall, cpu, base_wall, base_cpu, ratio = measure(argv, baseline)
        worst_cpu, worst_ratio = max(worst_cpu, cpu), max(worst_ratio, ratio)
        print(
            f"{label:26} {wall:>8.1f} {cpu:>7.1f} {base_wall:>10.1f} {base_cpu:>9.1f}"
            f" {ratio:>5.1f}x"
        )
    print(
        f"slowest: {worst_cpu:.1f} ms CPU (target <= {TARGET_MS:.0f} ms),"
        f" {worst_ratio:.1f}x python -c pass wall time (target <= {TARGET_RATIO:.0f}x)"
    )


if __name__ == "__main__":
    main()
