"""Industry benchmark carbon intensities (L per GB/T 4754 industry code) for grading.

A code is matched most-specific first: C3130 looks for C3130, C313, C31, then C, so a
table that only has division-level values still grades a class-level enterprise — and
the result names the code that was actually used.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from accounting.datafiles import load_json
from accounting.errors import BenchmarkError
from accounting.provenance import Citation


@dataclass(frozen=True, slots=True)
class Benchmark:
    code: str  # the table row used
    zh: str
    en: str
    value: Decimal  # tCO2 per 10k CNY value added
    year: int | None
    citation: Citation

    def to_json(self) -> dict[str, Any]:
        return {
            "industry_code": self.code,
            "zh": self.zh,
            "en": self.en,
            "value": str(self.value),
            "unit": "tCO2/10k CNY",
            "year": self.year,
            "source": self.citation.to_json(),
        }


@cache
def _table() -> dict[str, list[Benchmark]]:
    data = load_json("benchmarks.json", "glid.accounting.benchmarks/1")
    citations = {name: Citation.from_json(entry) for name, entry in data["sources"].items()}
    table: dict[str, list[Benchmark]] = {}
    for row in data["benchmarks"]:
        if row["unit"] != "tCO2/10k CNY":
            raise BenchmarkError(f"benchmarks.json: {row['code']} must be in tCO2/10k CNY")
        table.setdefault(row["code"], []).append(
            Benchmark(
                code=row["code"],
                zh=row["zh"],
                en=row["en"],
                value=Decimal(row["value"]),
                year=row["year"],
                citation=citations[row["source"]],
            )
        )
    return table


def benchmark(industry_code: str, year: int) -> Benchmark:
    """The benchmark for the most specific prefix of ``industry_code`` that has one."""
    code = industry_code.strip().upper()
    table = _table()
    for length in range(len(code), 0, -1):
        for row in table.get(code[:length], []):
            if row.year is None or row.year == year:
                return row
    raise BenchmarkError(
        f"no carbon-efficiency benchmark for industry code {industry_code!r} in {year}; "
        f"known codes: {', '.join(sorted(table))}; or give a 'benchmark' in the enterprise file"
    )
