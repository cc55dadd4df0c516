"""The roll-up as a report reads it, member by member: a chain with a recycling loop, a
supplier record that failed verification standing in as a secondary factor, records on
different GWP sets, and a tree cut at a depth. tests/accounting/expected/rollup_report.json
holds the full JSON; its figures are worked by hand below."""

import json
from pathlib import Path
from typing import Any

import pytest

from accounting.errors import FieldError, UnresolvedInputError, UnverifiedInputError
from accounting.rollup import Fetched, RollupResult, rollup
from bench.supply_chain import Records, computed, kg, leaf

EXPECTED = Path(__file__).parent / "expected" / "rollup_report.json"

CHAIN: dict[str, dict[str, Any]] = {
    "88.1/car": {
        **computed(
            "piece",
            "100",
            [],
            own_biogenic_emissions=kg("2"),
            pcf_excluding_biogenic=kg("520"),
            characterization_factors="AR6",
        ),
        "inputs": [
            {"id": "88.2/coil", "quantity": {"value": "800", "unit": "kg"}},
            {
                "id": "88.4/paint",
                "quantity": {"value": "0.0123456789", "unit": "kg"},
                "material": "steel.hot_rolled_coil",
            },
        ],
    },
    "88.2/coil": computed(
        "t",
        "500",
        [("88.3/ore", "1.5", "t"), ("88.5/scrap", "0.1", "t")],
        characterization_factors="AR5",
    ),
    "88.3/ore": leaf("t", "20", biogenic_emissions=kg("8"), primary_data_share="50"),
    "88.5/scrap": computed("t", "10", [("88.2/coil", "0.2", "t")]),
    "88.4/paint": leaf("kg", "3"),
}


def roll() -> RollupResult:
    return rollup(["88.1/car"], Records(CHAIN, {"88.4/paint": ""}))  # paint: no verdict


def test_the_full_json_of_a_chain_with_a_loop_and_a_stand_in() -> None:
    # coil c and scrap s form a loop: c = 500 + 1.5 × 20 + 0.1 s, s = 10 + 0.2 c, so
    # c = 531 / 0.98 = 541.836735 and s = 118.367347 kgCO2e/t; biogenic c = 12 / 0.98.
    # paint failed verification: 0.0123456789 kg at the secondary 2100 kgCO2e/t = 0.025926.
    # car = 100 + 0.8 × 541.836735 + 0.025926 = 533.495314; biogenic 2 + 0.8 × 12.244898.
    expected = json.loads(EXPECTED.read_text())
    result = roll()
    assert result.to_json(max_depth=2) == expected["cut_at_depth_2"]
    assert result.to_json() == expected["whole"]


def test_stand_in_refusals_say_why() -> None:
    chain = {**CHAIN, "88.1/car": computed("piece", "1", [("88.4/paint", "1", "kg")])}
    with pytest.raises(UnverifiedInputError) as no_material:
        rollup(["88.1/car"], Records(chain, {"88.4/paint": ""}))
    assert str(no_material.value) == (
        "88.4/paint failed verification: no verdict given; its consumer 88.1/car names no "
        "'material' for a secondary factor, so the footprint cannot be completed"
    )
    with pytest.raises(UnresolvedInputError) as missing:
        rollup(["88.1/car"], Records({"88.1/car": chain["88.1/car"]}))
    assert str(missing.value).startswith("88.4/paint could not be resolved: not returned by fetch")

    def refuse(ids: list[str]) -> dict[str, Fetched]:
        return {id: Fetched.missing(id, "node unreachable") for id in ids}

    with pytest.raises(UnresolvedInputError) as root:
        rollup(["88.1/car"], refuse)
    assert str(root.value) == "88.1/car could not be resolved: node unreachable"


def test_an_unverified_root_is_read_and_marked_unless_verified_only() -> None:
    fetch = Records({"88.3/ore": CHAIN["88.3/ore"]}, {"88.3/ore": "invalid at digests"})
    node = rollup(["88.3/ore"], fetch).node_json("88.3/ore")
    assert (node["pcf_excluding_biogenic"], node["verified"]) == ("20", False)
    assert node["verdict"] == "invalid at digests"
    with pytest.raises(UnverifiedInputError) as refused:
        rollup(["88.3/ore"], fetch, verified_only=True)
    assert str(refused.value) == "88.3/ore failed verification: invalid at digests"


def test_no_roots_no_nodes_and_unknown_ids_are_named() -> None:
    fetch = Records(CHAIN)
    empty = rollup([], fetch)
    assert (empty.to_json()["nodes"], empty.roots, fetch.batches) == (0, (), [])
    with pytest.raises(FieldError) as unknown:
        roll().footprint("88.9/elsewhere")
    assert str(unknown.value) == "88.9/elsewhere is not part of this roll-up"


def test_trees_are_cut_at_depth_six_unless_asked() -> None:
    chain = {f"88.1/p{k}": computed("kg", "1", [(f"88.1/p{k + 1}", "1", "kg")]) for k in range(8)}
    chain["88.1/p8"] = leaf("kg", "1")
    result = rollup(["88.1/p0"], Records(chain))
    for tree in (result.tree("88.1/p0"), result.to_json()["roots"][0]):
        depth, node = 0, tree
        while node["inputs"]:
            depth, node = depth + 1, node["inputs"][0]["node"]
        assert (depth, node["id"], node["truncated"]) == (6, "88.1/p6", True)
