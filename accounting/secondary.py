"""Secondary (database) product footprints, used when a supplier's record cannot be used.

A footprint roll-up prefers each supplier's own verified record (primary data). When an
input cannot be resolved or fails verification, the input may name a ``material`` and
the roll-up takes that material's factor from accounting/data/secondary_factors.csv,
flagging the node as secondary so the result never passes it off as primary data.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from accounting.datafiles import load_csv
from accounting.errors import UnknownFactorError
from accounting.provenance import Citation


@dataclass(frozen=True, slots=True)
class SecondaryFactor:
    material: str
    zh: str
    en: str
    unit: str  # the declared unit the footprint is per
    fossil: Decimal  # kgCO2e per unit
    biogenic: Decimal  # kgCO2e per unit
    citation: Citation


@cache
def secondary_factors() -> dict[str, SecondaryFactor]:
    factors: dict[str, SecondaryFactor] = {}
    for row in load_csv("secondary_factors.csv"):
        factors[row["material"]] = SecondaryFactor(
            material=row["material"],
            zh=row["zh"],
            en=row["en"],
            unit=row["unit"],
            fossil=Decimal(row["fossil_kgco2e"]),
            biogenic=Decimal(row["biogenic_kgco2e"]),
            citation=Citation(
                document=row["document"],
                year=int(row["year"]),
                table=row["table"],
                illustrative=row["illustrative"] == "true",
            ),
        )
    return factors


def secondary_factor(material: str) -> SecondaryFactor:
    factors = secondary_factors()
    try:
        return factors[material]
    except KeyError:
        raise UnknownFactorError(
            f"no secondary factor for material {material!r}; known: {', '.join(sorted(factors))}"
        ) from None
