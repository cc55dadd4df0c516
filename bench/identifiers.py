"""How fast identifiers and scheme codes parse, against the least any parser must do.

A bulk import parses every line's identifier, so parsing must stay a small multiple of
the bare string work. The baseline, measured in the same run on the same inputs, splits
at the first '/' and lower-cases the prefix with no validation and no objects built.
Each figure is the median of several repetitions over 100,000 inputs.

Run from the checkout: .venv/bin/python -m bench.identifiers
"""

from collections.abc import Callable, Sequence

from bench.timing import median_seconds
from glid_core.identifiers import Identifier
from registry.schemes import gtin_check_digit, to_canonical

N = 100_000
REPEATS = 5


def timed(work: Callable[[], object]) -> float:
    return median_seconds(work, REPEATS)


def baseline(texts: Sequence[str]) -> None:
    for text in texts:
        prefix, _, _suffix = text.partition("/")
        prefix.lower()


def parse_all(texts: Sequence[str]) -> None:
    for text in texts:
        Identifier.from_text(text)


def parse_wire(blobs: Sequence[bytes]) -> None:
    for blob in blobs:
        Identifier.from_wire(blob)


def canonical_all(texts: Sequence[str]) -> None:
    for text in texts:
        to_canonical(text)


def report(label: str, seconds: float, base: float) -> None:
    print(f"{label:<44} {N / seconds:>12,.0f} /s   {seconds / base:6.1f}x baseline")


def main() -> None:
    ascii_ids = [f"88.118.{i % 50}/coil-{i:07d}" for i in range(N)]
    cjk_ids = [f"88.118.{i % 50}/钢卷-{i:07d}" for i in range(N)]
    decomposed = [f"88.118.{i % 50}/cafe\u0301-{i:07d}" for i in range(N)]
    wire = [t.encode() for t in ascii_ids]
    bodies = [f"{690_000_000_000 + i:012d}" for i in range(N)]
    gtins = [b + str(gtin_check_digit(b)) for b in bodies]
    links = [f"https://id.gs1.org/01/0{g}/10/LOT{i % 97}/21/S{i}" for i, g in enumerate(gtins)]

    base = timed(lambda: baseline(ascii_ids))
    print(f"{'baseline: partition + lower (ASCII ids)':<44} {N / base:>12,.0f} /s")
    report("Identifier.from_text, ASCII", timed(lambda: parse_all(ascii_ids)), base)
    report("Identifier.from_text, CJK suffix", timed(lambda: parse_all(cjk_ids)), base)
    report("Identifier.from_text, needs NFC", timed(lambda: parse_all(decomposed)), base)
    report("Identifier.from_wire, ASCII", timed(lambda: parse_wire(wire)), base)
    report("to_canonical, bare GTIN-13", timed(lambda: canonical_all(gtins)), base)
    report(
        "to_canonical, Digital Link with lot+serial",
        timed(lambda: canonical_all(links)),
        base,
    )


if __name__ == "__main__":
    main()
