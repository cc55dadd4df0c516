"""Product-footprint records and an in-memory fetch, shared by the roll-up benchmark and tests."""

from collections.abc import Mapping
from typing import Any

from accounting.rollup import Fetched

TEMPLATE = "88/tpl.product-footprint@1.0.0"


def values(**fields: Any) -> list[dict[str, Any]]:
    """Handle-style values of a product-footprint record with the given template fields."""
    out: list[dict[str, Any]] = [
        {
            "index": 1001,
            "type": "TEMPLATE",
            "data": {"format": "string", "value": TEMPLATE},
            "ttl": 86400,
            "timestamp": "2026-01-01T00:00:00Z",
        }
    ]
    for k, (name, value) in enumerate(fields.items()):
        out.append(
            {
                "index": 2100 + k,
                "type": name,
                "data": {"format": "string" if isinstance(value, str) else "json", "value": value},
                "ttl": 86400,
                "timestamp": "2026-01-01T00:00:00Z",
            }
        )
    return out


def kg(value: str, unit: str = "kgCO2e") -> dict[str, str]:
    return {"value": value, "unit": unit}


def computed(
    unit: str, own: str, inputs: list[tuple[str, str, str]], **extra: Any
) -> dict[str, Any]:
    """Fields of a product with own emissions and inputs [(id, quantity, unit)]."""
    return {
        "declared_unit": unit,
        "declared_unit_amount": "1",
        "own_fossil_emissions": kg(own),
        "allocation_method": "mass",
        "inputs": [{"id": i, "quantity": {"value": q, "unit": u}} for i, q, u in inputs],
        **extra,
    }


def leaf(unit: str, pcf: str, **extra: Any) -> dict[str, Any]:
    return {"declared_unit": unit, "pcf_excluding_biogenic": kg(pcf), **extra}


class Records:
    """Records by id; fetch answers a batch and remembers each batch it was asked."""

    def __init__(self, records: Mapping[str, Mapping[str, Any]], verdicts: Mapping[str, str] = {}):
        self.fetched = {
            id: Fetched(
                id=id,
                version=1,
                values=values(**fields),
                verified=id not in verdicts,
                verdict=verdicts.get(id, "verified: chain to trust anchor"),
            )
            for id, fields in records.items()
        }
        self.batches: list[list[str]] = []

    def __call__(self, ids: list[str]) -> dict[str, Fetched]:
        self.batches.append(list(ids))
        return {id: self.fetched[id] for id in ids if id in self.fetched}
