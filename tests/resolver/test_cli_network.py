"""The buyer's commands against the demo network: resolve, footprint, grade."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from registry.service import registrar
from registry.store import Store
from resolver.cli import main
from resolver.demo import BRACKET, COIL, EFFICIENCY, Demo, build, sample_records
from tests.conftest import PASSPHRASE
from tests.resolver.network import forge


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    network = await build(tmp_path / "demo", PASSPHRASE)
    yield network
    await network.stop()


async def glid(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the real CLI in a thread: it starts its own event loop, as from a shell."""
    code = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def network_args(demo: Demo) -> list[str]:
    return ["--root", demo.node("88").url, "--trust-anchor", str(demo.anchor)]


async def test_resolve_prints_verified_answers(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await glid(capsys, "resolve", BRACKET, COIL, *network_args(demo), "--json")
    assert code == 0
    answers = json.loads(out)
    assert [a["handle"] for a in answers] == [BRACKET, COIL]
    assert all(a["verdict"]["valid"] for a in answers)
    code, out, _ = await glid(capsys, "resolve", "88.104.3/no-such-part", *network_args(demo))
    assert code == 1 and "not_found" in out


async def test_footprint_rolls_up_verified_inputs(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["footprint", BRACKET, *network_args(demo), "--verified-only", "--json"]
    code, out, _ = await glid(capsys, *args)
    assert code == 0
    root = json.loads(out)["roots"][0]
    # 30.8 own + 0.032 t × (1754 + 1.6 t × 185) kgCO2e/t = 96.4 kgCO2e per piece
    assert float(root["pcf_excluding_biogenic"]) == pytest.approx(30.8 + 0.032 * (1754 + 1.6 * 185))
    assert root["inputs"][0]["node"]["verified"] is True


async def test_grade_of_a_resolved_record(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = await glid(capsys, "grade", EFFICIENCY, *network_args(demo), "--json")
    assert code == 0
    graded = json.loads(out)
    assert graded["grade"] == 2 and graded["badge_svg"].startswith("<svg")
    code, _, err = await glid(capsys, "grade", COIL, *network_args(demo), "--json")
    assert code == 1 and "enterprise_name" in err


async def test_a_forged_input_fails_verified_only_and_is_marked_unverified(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The coil's stored record is rewritten after signing: resolution still returns it,
    but its signature no longer covers it, and the roll-up must not pass it off as verified."""
    consumer = "88.104.3/bracket-B2"
    values = sample_records()[BRACKET]
    coil_input = {"id": COIL, "quantity": {"value": "0.032", "unit": "t"}}
    next(v for v in values if v["index"] == 2109)["data"]["value"] = [
        {**coil_input, "material": "steel.hot_rolled_coil"}
    ]
    with Store.open(demo.node("88.104.3").directory) as store:
        assert registrar(store, PASSPHRASE).register_one(consumer, values, "test").accepted
    forge(demo.node("88.101").directory, COIL, 2102, {"value": "1", "unit": "kgCO2e"})

    code, _, err = await glid(capsys, "footprint", consumer, *network_args(demo), "--verified-only")
    assert code == 1
    assert f"{COIL} failed verification: invalid at digests" in err

    code, out, _ = await glid(capsys, "footprint", consumer, *network_args(demo), "--json")
    assert code == 0
    body = json.loads(out)
    coil = body["roots"][0]["inputs"][0]["node"]
    assert (coil["id"], coil["verified"], coil["kind"]) == (COIL, False, "secondary")
    assert "invalid at digests" in coil["reason"]
    assert body["secondary"] == [COIL]
    # 30.8 own + 0.032 t × 2100 kgCO2e/t (the secondary factor, not the forged 1 kgCO2e)
    assert float(body["roots"][0]["pcf_excluding_biogenic"]) == pytest.approx(30.8 + 0.032 * 2100)

    code, out, _ = await glid(capsys, "footprint", COIL, *network_args(demo), "--json")
    root = json.loads(out)["roots"][0]
    assert (code, root["verified"]) == (0, False)
    assert root["verdict"].startswith("invalid at digests")


async def test_resolved_bundles_feed_verify_and_a_report_carries_the_footprint(
    demo: Demo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["resolve", BRACKET, COIL, "--bundle", *network_args(demo), "--json"]
    code, out, _ = await glid(capsys, *args)
    assert code == 0
    bundles = tmp_path / "bundles.json"
    bundles.write_text(out, encoding="utf-8")
    anchor = str(demo.anchor)
    code, out, _ = await glid(capsys, "verify", "--file", str(bundles), "--trust-anchor", anchor)
    assert code == 0 and out.count("VALID") == 2 and f"{COIL}:" in out
    tampered = json.loads(bundles.read_text(encoding="utf-8"))
    tampered[1]["answer"]["values"][1]["data"]["value"] = "forged"
    bundles.write_text(json.dumps(tampered), encoding="utf-8")
    code, out, _ = await glid(capsys, "verify", "--file", str(bundles), "--trust-anchor", anchor)
    assert code == 1 and "INVALID" in out
    out_dir = tmp_path / "report"
    report = ["report", EFFICIENCY, "--footprint", BRACKET, *network_args(demo)]
    code, _, err = await glid(capsys, *report, "--out", str(out_dir))
    assert code == 0, err
    written = json.loads((out_dir / "88.104.3_carbon-efficiency-2023.report.json").read_text())
    assert written["footprint"]["roots"][0]["id"] == BRACKET
    # once the network is gone, the buyer reads one plain sentence
    root = demo.node("88").url
    await demo.stop()
    code, out, _ = await glid(capsys, "resolve", BRACKET, *network_args(demo)[2:], "--root", root)
    assert code == 1
    assert f"{root} is unreachable (connection refused); check the URL" in out
    assert "ConnectionKey" not in out and "ClientConnectorError" not in out


async def test_a_hosted_enterprise_registers_over_http_with_the_local_output(
    demo: Demo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    hosted = demo.hosted[0]
    secret = tmp_path / "mill.secret"
    secret.write_text(hosted["admin_secret"] + "\n", encoding="utf-8")
    records = tmp_path / "records.jsonl"
    coil = sample_records()[COIL]
    lines = [
        json.dumps({"handle": "88.101.7/coil-remote-1", "values": coil}),
        "",
        "not json",
        json.dumps({"handle": "88.104.3/not-mine", "values": coil}),
        json.dumps({"handle": COIL, "values": coil}),
    ]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    node = demo.node("88.101").url
    args = ["register", "--node", node, "--identity", hosted["admin_identity"]]
    code, out, _ = await glid(capsys, *args, "--secret-file", str(secret), "--file", str(records))
    assert code == 1 and "2 accepted, 2 rejected" in out
    code, out, _ = await glid(
        capsys, *args, "--secret-file", str(secret), "--file", str(records), "--json"
    )
    results = {r["line"]: r for r in json.loads(out)["results"]}
    assert sorted(results) == [1, 3, 4, 5]
    assert results[1]["version"] == 2 and results[5]["version"] == 3
    assert "not JSON" in results[3]["error"] and "88.101.7" in results[4]["error"]
    secret.write_text("wrong\n", encoding="utf-8")
    code, _, err = await glid(capsys, *args, "--secret-file", str(secret), "--file", str(records))
    assert code == 1 and "refused" in err and "401" in err


async def test_an_unresolvable_input_falls_back_to_the_secondary_factor_its_material_names(
    demo: Demo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/formats/accounting.md: an input ``{"id", "quantity", "material"}`` whose supplier
    cannot be used becomes a secondary leaf; the built-in template accepts the member."""
    node = demo.node("88.104.3")
    handle = "88.104.3/frame-2026"
    entry = {
        "handle": handle,
        "values": [
            {
                "index": 1001,
                "type": "TEMPLATE",
                "data": {"format": "string", "value": "88/tpl.product-footprint@1.0.0"},
            },
            {"index": 2000, "type": "product_name", "data": {"format": "string", "value": "车架"}},
            {"index": 2001, "type": "manufacturer", "data": {"format": "string", "value": "示例"}},
            {
                "index": 2100,
                "type": "declared_unit",
                "data": {"format": "string", "value": "piece"},
            },
            {
                "index": 2101,
                "type": "declared_unit_amount",
                "data": {"format": "string", "value": "1"},
            },
            {
                "index": 2102,
                "type": "pcf_excluding_biogenic",
                "data": {"format": "json", "value": {"value": "80", "unit": "kgCO2e"}},
            },
            {
                "index": 2104,
                "type": "fossil_ghg_emissions",
                "data": {"format": "json", "value": {"value": "80", "unit": "kgCO2e"}},
            },
            {
                "index": 2106,
                "type": "own_fossil_emissions",
                "data": {"format": "json", "value": {"value": "10", "unit": "kgCO2e"}},
            },
            {
                "index": 2108,
                "type": "allocation_method",
                "data": {"format": "string", "value": "mass"},
            },
            {
                "index": 2109,
                "type": "inputs",
                "data": {
                    "format": "json",
                    "value": [
                        {
                            "id": "88.101.7/no-such-coil",
                            "quantity": {"value": "0.02", "unit": "t"},
                            "material": "steel.hot_rolled_coil",
                        },
                    ],
                },
            },
        ],
    }
    records = tmp_path / "frame.jsonl"
    records.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setenv("GLID_PASSPHRASE", demo.passphrase.decode())
    code, _, err = await glid(
        capsys, "register", "--dir", str(node.directory), "--file", str(records)
    )
    assert code == 0, err
    code, out, err = await glid(capsys, "footprint", handle, *network_args(demo), "--json")
    assert code == 0, err
    root = json.loads(out)["roots"][0]
    # 10 own + 0.02 t × 2100 kgCO2e/t (the placeholder hot-rolled coil row)
    assert float(root["pcf_excluding_biogenic"]) == pytest.approx(10 + 0.02 * 2100)
    fallback = root["inputs"][0]["node"]
    assert fallback["material"] == "steel.hot_rolled_coil"
