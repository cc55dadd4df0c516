"""Global warming potentials: the per-gas weights that turn tonnes of a gas into tCO2e.

The set is chosen per calculation (AR5 for reporting that still follows it, AR6 for the
current science), never mixed within one result, and named in the result.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from accounting.datafiles import load_json
from accounting.errors import UnknownFactorError
from accounting.provenance import Citation


@dataclass(frozen=True, slots=True)
class GwpSet:
    name: str
    citation: Citation
    values: dict[str, Decimal]

    def of(self, gas: str) -> Decimal:
        try:
            return self.values[gas]
        except KeyError:
            raise UnknownFactorError(
                f"gas {gas!r} has no GWP in set {self.name}; known gases: {', '.join(self.values)}"
            ) from None


@cache
def gwp_sets() -> dict[str, GwpSet]:
    data = load_json("gwp.json", "glid.accounting.gwp/1")
    sets: dict[str, GwpSet] = {}
    for name, entry in data["sets"].items():
        citation = Citation(
            document=entry["document"], year=int(entry["year"]), table=entry["table"]
        )
        values = {gas: Decimal(text) for gas, text in entry["values"].items()}
        sets[name] = GwpSet(name, citation, values)
    return sets


def gwp_set(name: str) -> GwpSet:
    sets = gwp_sets()
    try:
        return sets[name]
    except KeyError:
        raise UnknownFactorError(
            f"GWP set {name!r} is unknown; choose one of {', '.join(sets)}"
        ) from None
