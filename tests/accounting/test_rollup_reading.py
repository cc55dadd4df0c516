"""Roll-up reading checked against a plain reference: random graphs, fallbacks, refusals.

The roll-up reads records through fast paths (a whole level's inputs as columns, float
arithmetic, per-unit scale tables). The reference here reads the same records the
obvious way — Decimal quantities, unit factors from templates_meta, a dense solve — so a
fast path that changes a result fails these tests.
"""

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounting.errors import FieldError, UnresolvedInputError
from accounting.rollup import Fetched, rollup
from bench.supply_chain import Records, computed, kg, leaf
from templates_meta.errors import UnitError
from templates_meta.units import conversion_factor

MASS_UNITS = ("g", "kg", "t")
EMISSION_UNITS = ("gCO2e", "kgCO2e", "tCO2e")


def _kg(raw: Any) -> Decimal:
    """A kgCO2e field as the reference reads it: a quantity, or a bare string in kgCO2e."""
    if raw is None:
        return Decimal(0)
    if isinstance(raw, str):
        return Decimal(raw)
    return Decimal(raw["value"]) * conversion_factor(raw["unit"], "kgCO2e")


def reference(records: dict[str, dict[str, Any]]) -> dict[str, tuple[float, float, float]]:
    """(fossil, biogenic, primary share %) of every record, by a dense solve."""
    ids = sorted(records)
    at = {id: k for k, id in enumerate(ids)}
    n = len(ids)
    matrix = np.zeros((n, n))
    own = np.zeros((n, 3))
    shares = np.zeros(n)
    for id, fields in records.items():
        i = at[id]
        share = Decimal(fields.get("primary_data_share", "100"))
        if "own_fossil_emissions" in fields or fields.get("inputs"):
            fossil = _kg(fields.get("own_fossil_emissions"))
            biogenic = _kg(fields.get("own_biogenic_emissions"))
        else:
            fossil = _kg(fields.get("pcf_excluding_biogenic"))
            biogenic = _kg(fields.get("biogenic_emissions"))
        own[i] = [float(fossil), float(biogenic), float(fossil * share / 100)]
        shares[i] = float(share)
        for entry in fields.get("inputs", []):
            supplier = records[entry["id"]]["declared_unit"]
            quantity = entry["quantity"]
            scale = conversion_factor(quantity["unit"], supplier)
            matrix[i, at[entry["id"]]] += float(Decimal(quantity["value"]) * scale)
    x = np.linalg.solve(np.eye(n) - matrix, own)
    return {
        id: (x[k, 0], x[k, 1], x[k, 2] / x[k, 0] * 100 if x[k, 0] > 0 else shares[k])
        for id, k in at.items()
    }


@st.composite
def supply_chains(draw: st.DrawFn) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Products in layers; inputs go to deeper layers and sometimes anywhere (a cycle),
    each at most 0.3 of the supplier's declared unit, so every cycle has a finite answer."""
    layers = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    ids = [[f"88.{d}/p{k}" for k in range(width)] for d, width in enumerate(layers)]
    every = [id for layer in ids for id in layer]
    units = {id: draw(st.sampled_from(MASS_UNITS)) for id in every}
    amount = st.decimals(0, 20, places=3).map(str)

    def emissions() -> Any:
        value = draw(amount)
        return value if draw(st.booleans()) else kg(value, draw(st.sampled_from(EMISSION_UNITS)))

    records: dict[str, dict[str, Any]] = {}
    for depth, layer in enumerate(ids):
        deeper = [id for below in ids[depth + 1 :] for id in below]
        for id in layer:
            fields: dict[str, Any] = {"declared_unit": units[id]}
            if draw(st.booleans()):
                fields["primary_data_share"] = draw(st.decimals(0, 100, places=1).map(str))
            if not deeper or draw(st.integers(0, 4)) == 0:
                fields["pcf_excluding_biogenic"] = emissions()
                if draw(st.booleans()):
                    fields["biogenic_emissions"] = emissions()
                records[id] = fields
                continue
            suppliers = draw(st.lists(st.sampled_from(deeper), min_size=1, max_size=3))
            if draw(st.integers(0, 4)) == 0:
                suppliers.append(draw(st.sampled_from(every)))
            inputs = []
            for supplier in suppliers:
                unit_in = draw(st.sampled_from(MASS_UNITS))
                share = draw(st.decimals(0, "0.3", places=3))
                value = share * conversion_factor(units[supplier], unit_in)
                inputs.append({"id": supplier, "quantity": kg(f"{value:f}", unit_in)})
            fields.update(allocation_method="mass", own_fossil_emissions=emissions(), inputs=inputs)
            if draw(st.booleans()):
                fields["own_biogenic_emissions"] = emissions()
            records[id] = fields
    return ids[0], records


@settings(max_examples=150, deadline=None)
@given(supply_chains())
def test_rollup_agrees_with_a_plain_reference(
    chain: tuple[list[str], dict[str, dict[str, Any]]],
) -> None:
    roots, records = chain
    result = rollup(roots, Records(records))
    expected = reference(records)
    assert {node.id for node in result.nodes} <= set(records)
    for node in result.nodes:
        fossil, biogenic, share = expected[node.id]
        footprint = result.footprint(node.id)
        assert footprint.fossil == pytest.approx(fossil, rel=1e-9, abs=1e-9)
        assert footprint.biogenic == pytest.approx(biogenic, rel=1e-9, abs=1e-9)
        assert footprint.primary_share == pytest.approx(share, rel=1e-9, abs=1e-9)


def test_each_input_keeps_its_quantity_as_written() -> None:
    records = {
        "88.1/a": computed("kg", "1", [("88.2/b", "250", "g"), ("88.2/c", "0.0020", "t")]),
        "88.2/b": leaf("kg", "4"),
        "88.2/c": leaf("t", "1000"),
    }
    node = rollup(["88.1/a"], Records(records)).node_json("88.1/a")
    # b: 250 g = 0.25 kg × 4 = 1; c: 0.002 t × 1000 = 2; a = 1 + 1 + 2 = 4
    assert node["pcf_excluding_biogenic"] == "4"
    assert [(i["quantity"], i["per_declared_unit"], i["fossil"]) for i in node["inputs"]] == [
        ({"value": "250", "unit": "g"}, "0.25", "1"),
        ({"value": "0.0020", "unit": "t"}, "0.002", "2"),
    ]


def test_a_root_named_by_another_root_is_read_once() -> None:
    records = {
        "88.1/a": computed("kg", "1", [("88.1/b", "2", "kg")]),
        "88.1/b": leaf("kg", "3"),
    }
    fetch = Records(records)
    result = rollup(["88.1/a", "88.1/b"], fetch)
    assert fetch.batches == [["88.1/a", "88.1/b"]]
    assert [node.id for node in result.nodes] == ["88.1/a", "88.1/b"]
    assert result.footprint("88.1/a").fossil == pytest.approx(7.0)


def _with_material(id: str, quantity: str, material: Any) -> dict[str, Any]:
    return {"id": id, "quantity": kg(quantity, "t"), "material": material}


def test_a_stand_in_takes_the_material_of_the_first_entry_naming_it() -> None:
    coil = "steel.hot_rolled_coil"
    records = {
        "88.1/car": computed("piece", "0", [("88.2/a", "1", "piece"), ("88.2/b", "1", "piece")]),
        # two consumers at the same level name 88.3/gone; the first one's material counts
        "88.2/a": {
            **computed("piece", "1", []),
            "inputs": [_with_material("88.3/gone", "0.01", coil)],
        },
        "88.2/b": {
            **computed("piece", "2", []),
            "inputs": [_with_material("88.3/gone", "0.02", 7)],
        },
    }
    result = rollup(["88.1/car"], Records(records))
    gone = result.node_json("88.3/gone")
    assert gone["kind"] == "secondary" and gone["material"] == coil
    assert "88.3/gone could not be resolved" in gone["reason"]
    # 2100 kgCO2e/t (secondary hot-rolled coil): a = 1 + 21, b = 2 + 42, car = 22 + 44
    assert result.footprint("88.1/car").fossil == pytest.approx(66.0)
    # the first entry naming it gives no material (not a string): no stand-in
    records["88.2/a"]["inputs"][0]["material"] = None
    with pytest.raises(
        UnresolvedInputError, match=r"88.3/gone .*consumer 88.2/a names no 'material'"
    ):
        rollup(["88.1/car"], Records(records))


@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        ("88.2/b", FieldError, r"88.1/a.inputs must be a list, got str"),
        (
            [{"quantity": kg("1", "kg")}],
            FieldError,
            r"88.1/a.inputs\[0\]: expected \{'id', 'quantity'\}",
        ),
        ([["88.2/b", "1"]], FieldError, r"88.1/a.inputs\[0\]: expected"),
        ([{"id": "88.2/b"}], FieldError, r"88.1/a.inputs\[0\].quantity: expected a quantity"),
        (
            [{"id": "88.2/b", "quantity": {"value": 2, "unit": "kg"}}],
            FieldError,
            r"value must be a decimal string, got 2",
        ),
        ([{"id": "88.2/b", "quantity": kg("1.5", "furlong")}], UnitError, r"unknown unit"),
        (
            [{"id": "88.2/b", "quantity": kg("NaN", "kg")}],
            FieldError,
            r"inputs\[0\].quantity: 'NaN' is not a finite number",
        ),
        ([{"id": "88.2/b", "quantity": kg("x", "kg")}], FieldError, r"'x' is not a decimal number"),
    ],
)
def test_malformed_inputs_are_named(inputs: Any, error: type[Exception], message: str) -> None:
    records = {
        "88.1/ok": computed("kg", "1", [("88.2/b", "1", "kg")]),
        "88.1/a": {**computed("kg", "1", []), "inputs": inputs},
        "88.2/b": leaf("kg", "1"),
    }
    with pytest.raises(error, match=message):
        rollup(["88.1/ok", "88.1/a"], Records(records))


def test_the_first_malformed_record_of_a_level_is_named() -> None:
    bad = {**computed("kg", "1", []), "inputs": [{"id": "88.2/b", "quantity": kg("-1", "kg")}]}
    records = {"88.1/a": computed("kg", "1", []), "88.1/x": bad, "88.1/y": bad}
    with pytest.raises(FieldError, match=r"^88.1/x.inputs\[0\].quantity must be >= 0"):
        rollup(["88.1/a", "88.1/x", "88.1/y"], Records(records))


def test_an_unusual_but_valid_record_is_read_the_checked_way() -> None:
    records = {
        # a bare decimal string is kgCO2e; a share may be a quantity in %
        "88.1/a": {
            **computed("kg", "1", [("88.2/b", "1", "kg")]),
            "own_fossil_emissions": "1.5",
            "primary_data_share": {"value": "50", "unit": "%"},
        },
        "88.2/b": leaf("kg", "0", pcf_excluding_biogenic=kg("0.002", "tCO2e")),
    }
    fetch = Records(records)
    fetch.fetched["88.2/b"] = Fetched(
        id="88.2/b", version=3, values=fetch.fetched["88.2/b"].values, verified=True, verdict="ok"
    )
    result = rollup(["88.1/a"], fetch)
    # a = 1.5 + 1 × 2 = 3.5; primary: (1.5 × 50 % + 2 × 100 %) / 3.5
    assert result.footprint("88.1/a").fossil == pytest.approx(3.5)
    assert result.footprint("88.1/a").primary_share == pytest.approx(100 * 2.75 / 3.5)
    assert result.node_json("88.2/b")["version"] == 3
