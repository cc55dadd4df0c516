"""The buyer's commands against the demo network: resolve, footprint, grade."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from resolver.cli import main
from resolver.demo import BRACKET, COIL, EFFICIENCY, Demo, build
from tests.conftest import PASSPHRASE


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
