"""Footprint roll-up: hand-computed chains and cycles, batching, fallbacks, refusals."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounting.errors import (
    CycleNotSolvableError,
    FieldError,
    UnresolvedInputError,
    UnverifiedInputError,
)
from accounting.rollup import Fetched, rollup
from accounting.supply_graph import _ranges
from bench.supply_chain import Records, computed, kg, leaf
from templates_meta.errors import UnitError

CHAIN = {
    # car (piece): own 100 kgCO2e + 800 kg of coil
    "88.1/car": computed("piece", "100", [("88.2/coil", "800", "kg")]),
    # coil (t): own 500 + 1.5 t ore
    "88.2/coil": computed("t", "500", [("88.3/ore", "1.5", "t")], primary_data_share="100"),
    # ore (t): declared 20 kgCO2e/t, fossil; 8 kgCO2e/t biogenic; 50 % primary data
    "88.3/ore": leaf("t", "20", biogenic_emissions=kg("8"), primary_data_share="50"),
}


def test_three_level_chain() -> None:
    fetch = Records(CHAIN)
    result = rollup(["88.1/car"], fetch)
    # coil = 500 + 1.5 × 20 = 530 kgCO2e/t; car = 100 + 0.8 t × 530 = 524 kgCO2e/piece
    car = result.footprint("88.1/car")
    assert car.fossil == pytest.approx(524.0)
    assert result.footprint("88.2/coil").fossil == pytest.approx(530.0)
    # biogenic kept apart: coil = 1.5 × 8 = 12; car = 0.8 × 12 = 9.6
    assert result.footprint("88.2/coil").biogenic == pytest.approx(12.0)
    assert car.biogenic == pytest.approx(9.6)
    # primary share, fossil-weighted: coil (500 × 100 % + 30 × 50 %) / 530 = 515 / 530;
    # car (100 × 100 % + 0.8 × 515) / 524 = 512 / 524
    assert result.footprint("88.2/coil").primary_share == pytest.approx(100 * 515 / 530)
    assert car.primary_share == pytest.approx(100 * 512 / 524)
    # one fetch per level of the graph
    assert fetch.batches == [["88.1/car"], ["88.2/coil"], ["88.3/ore"]]


def test_result_tree_keeps_versions_verdicts_and_contributions() -> None:
    tree = rollup(["88.1/car"], Records(CHAIN)).tree("88.1/car")
    assert tree["pcf_excluding_biogenic"] == "524"
    assert tree["verified"] is True and tree["version"] == 1
    assert tree["template"] == "88/tpl.product-footprint@1.0.0"
    (coil,) = tree["inputs"]
    assert coil["quantity"] == {"value": "800", "unit": "kg"}
    assert coil["per_declared_unit"] == "0.8"
    assert coil["fossil"] == "424"  # 0.8 × 530
    assert coil["node"]["inputs"][0]["node"]["kind"] == "declared"
    assert coil["node"]["inputs"][0]["node"]["verdict"].startswith("verified")


def test_a_level_is_fetched_in_one_batch_and_shared_inputs_once() -> None:
    records = {
        "88.1/kit": computed("piece", "0", [("88.2/a", "1", "kg"), ("88.2/b", "2", "kg")]),
        "88.2/a": computed("kg", "1", [("88.3/steel", "1", "kg")]),
        "88.2/b": computed("kg", "2", [("88.3/steel", "0.5", "kg")]),
        "88.3/steel": leaf("kg", "2"),
    }
    fetch = Records(records)
    result = rollup(["88.1/kit"], fetch)
    assert fetch.batches == [["88.1/kit"], ["88.2/a", "88.2/b"], ["88.3/steel"]]
    # a = 1 + 2 = 3; b = 2 + 1 = 3; kit = 1 × 3 + 2 × 3 = 9
    assert result.footprint("88.1/kit").fossil == pytest.approx(9.0)


def test_cycle_is_solved_as_a_linear_system() -> None:
    records = {
        # steel needs 0.2 t scrap per t; scrap processing needs 0.1 t steel per t
        "88.1/steel": computed("t", "1000", [("88.2/scrap", "0.2", "t")]),
        "88.2/scrap": computed("t", "50", [("88.1/steel", "0.1", "t")]),
        "88.3/beam": computed("t", "10", [("88.1/steel", "2", "t")]),
    }
    result = rollup(["88.3/beam"], Records(records))
    # x_s = 1000 + 0.2 x_c, x_c = 50 + 0.1 x_s ⇒ x_s = 1010 / 0.98 = 1030.6122449;
    # x_c = 50 + 103.06122449 = 153.06122449; beam = 10 + 2 × 1030.6122449 = 2071.2244898
    assert result.footprint("88.1/steel").fossil == pytest.approx(1010 / 0.98)
    assert result.footprint("88.2/scrap").fossil == pytest.approx(50 + 101 / 0.98)
    assert result.footprint("88.3/beam").fossil == pytest.approx(10 + 2020 / 0.98)
    tree = result.tree("88.3/beam")
    steel = tree["inputs"][0]["node"]
    assert steel["inputs"][0]["node"]["inputs"][0]["node"]["cycle"] is True


def test_cycle_without_a_finite_footprint_is_an_error() -> None:
    # steel needs 1 t scrap, scrap needs 1.5 t steel: spectral radius √1.5 ≈ 1.2247 ≥ 1
    records = {
        "88.1/steel": computed("t", "1000", [("88.2/scrap", "1", "t")]),
        "88.2/scrap": computed("t", "50", [("88.1/steel", "1.5", "t")]),
    }
    with pytest.raises(CycleNotSolvableError, match=r"88.1/steel.*spectral radius 1.22474"):
        rollup(["88.1/steel"], Records(records))
    # a product that needs exactly one unit of itself: I − A is singular
    loop = {"88.1/x": computed("t", "1", [("88.1/x", "1", "t")])}
    with pytest.raises(CycleNotSolvableError, match=r"88.1/x"):
        rollup(["88.1/x"], Records(loop))


def test_unverified_input_falls_back_to_a_flagged_secondary_factor() -> None:
    records = {
        "88.1/frame": {
            **computed("piece", "5", []),
            "inputs": [
                {
                    "id": "88.2/coil",
                    "quantity": {"value": "0.01", "unit": "t"},
                    "material": "steel.hot_rolled_coil",
                }
            ],
        },
        "88.2/coil": leaf("t", "1"),
    }
    fetch = Records(records, verdicts={"88.2/coil": "signature does not verify"})
    result = rollup(["88.1/frame"], fetch)
    # frame = 5 + 0.01 t × 2100 kgCO2e/t (secondary hot-rolled coil) = 26
    assert result.footprint("88.1/frame").fossil == pytest.approx(26.0)
    assert result.secondary == ["88.2/coil"]
    # primary share: (5 × 100 % + 21 × 0 %) / 26
    assert result.footprint("88.1/frame").primary_share == pytest.approx(500 / 26)
    node = result.node_json("88.2/coil")
    assert node["kind"] == "secondary" and node["verified"] is False
    assert "signature does not verify" in node["reason"]
    assert node["secondary_source"]["illustrative"] is True
    with pytest.raises(UnverifiedInputError, match=r"88.2/coil failed verification"):
        rollup(["88.1/frame"], fetch, verified_only=True)


def test_unresolvable_input_without_material_fails() -> None:
    records = {"88.1/a": computed("t", "1", [("88.9/gone", "1", "t")])}
    with pytest.raises(UnresolvedInputError, match=r"88.9/gone could not be resolved.*material"):
        rollup(["88.1/a"], Records(records))


def test_fetch_errors_are_kept_as_the_reason() -> None:
    records = {"88.1/a": computed("t", "1", [])}

    def fetch(ids: list[str]) -> dict[str, Fetched]:
        return {i: Fetched.missing(i, "prefix 88.1 not delegated") for i in ids}

    with pytest.raises(UnresolvedInputError, match=r"88.1/a.*prefix 88.1 not delegated"):
        rollup(["88.1/a"], fetch)
    assert rollup(["88.1/a"], Records(records)).footprint("88.1/a").fossil == 1.0


def test_input_unit_must_match_the_declared_unit_dimension() -> None:
    records = {
        "88.1/a": computed("piece", "1", [("88.2/b", "3", "kWh")]),
        "88.2/b": leaf("kg", "2"),
    }
    with pytest.raises(UnitError) as refused:
        rollup(["88.1/a"], Records(records))
    assert str(refused.value) == (
        "88.1/a: input 88.2/b is given in kWh (energy) but its declared unit is kg (mass)"
    )


def test_missing_fields_are_named() -> None:
    with pytest.raises(FieldError, match=r"88.1/a.*pcf_excluding_biogenic"):
        rollup(["88.1/a"], Records({"88.1/a": {"declared_unit": "kg"}}))
    bad = {"88.1/a": {**computed("kg", "1", []), "allocation_method": "guess"}}
    with pytest.raises(FieldError, match=r"88.1/a.allocation_method"):
        rollup(["88.1/a"], Records(bad))
    negative = {"88.1/a": computed("kg", "1", [("88.2/b", "-1", "kg")])}
    with pytest.raises(FieldError, match=r"inputs\[0\].quantity must be >= 0"):
        rollup(["88.1/a"], Records(negative))


def test_mixed_gwp_sets_are_reported() -> None:
    records = {
        "88.1/a": computed("kg", "1", [("88.2/b", "1", "kg")], characterization_factors="AR6"),
        "88.2/b": leaf("kg", "2", characterization_factors="AR5"),
    }
    result = rollup(["88.1/a"], Records(records))
    assert result.warnings and "AR5, AR6" in result.warnings[0]


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 6)), max_size=20))
def test_ranges_concatenates_aranges(pairs: list[tuple[int, int]]) -> None:
    starts = np.array([s for s, _ in pairs], dtype=np.intp)
    stops = np.array([s + n for s, n in pairs], dtype=np.intp)
    expected = [k for s, n in pairs for k in range(s, s + n)]
    assert _ranges(starts, stops).tolist() == expected
