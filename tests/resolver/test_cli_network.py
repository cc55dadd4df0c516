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
