"""`glid demo`, as README's run command starts it: real nodes, real sockets."""

import json
import re
import shlex
import signal
import urllib.request
from pathlib import Path

import pytest

from resolver.cli import main
from resolver.demo import BRACKET, BRACKET_CODES, COIL, EFFICIENCY, PELLETS, spawn


def test_demo_builds_the_network_and_shows_a_verified_rollup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--exit"]) == 0
    out = capsys.readouterr().out
    assert "VERIFIED" in out and "NOT VERIFIED" not in out
    # 30.8 own + 0.032 t × (1754 own + 1.6 t × 185) kgCO2e = 30.8 + 0.032 × 2050 = 96.4
    assert f"{BRACKET} v1 [valid]: 96.4 kgCO2e/piece" in out
    assert f"{COIL} v1 [valid]: 2050 kgCO2e/t" in out
    assert f"{PELLETS} v1 [valid]: 185 kgCO2e/t" in out
    # GB/T 32150 combustion (quantity × NCV × carbon content × oxidation × 44/12), purchased
    # electricity net of zero-carbon power × the 2023 national factor, heat × 0.11 tCO2/GJ:
    gas = 62.5 * 389.31 * 0.0153 * 0.99 * 44 / 12  # 10k Nm3 natural gas → 1351.37 t
    diesel = 18.2 * 42.652 * 0.0202 * 0.98 * 44 / 12  # t diesel → 56.35 t
    power = (21400 - 3200) * 0.5306  # MWh → 9656.92 t
    heat = 15000 * 0.11  # GJ → 1650 t
    expected_l = (gas + diesel + power + heat) / 18600  # per 10k CNY value added
    shown = re.search(rf"\({re.escape(EFFICIENCY)}, verified\): L ([\d.]+) tCO2/10k CNY", out)
    assert shown is not None and float(shown.group(1)) == pytest.approx(expected_l, abs=1e-6)
    described = json.loads((tmp_path / "demo" / "demo.json").read_text())
    assert (tmp_path / "demo" / "demo.json").stat().st_mode & 0o777 == 0o600  # secrets inside
    roles = sorted((n["role"], n["prefix"]) for n in described["nodes"])
    assert roles == [
        ("enterprise", "88.101.9"),
        ("enterprise", "88.104.3"),
        ("secondary", "88.101"),
        ("secondary", "88.104"),
        ("top", "88"),
    ]
    assert all(n["url"].startswith("http://127.0.0.1:") for n in described["nodes"])
    assert all(
        n["admin_identity"].startswith("300:") and n["admin_secret"] for n in described["nodes"]
    )
    assert Path(described["trust_anchor"]).is_file()
    assert described["samples"] == {
        "pellets": PELLETS,
        "coil": COIL,
        "bracket": BRACKET,
        "carbon_efficiency": EFFICIENCY,
        "bracket_codes": BRACKET_CODES,
    }


def test_demo_refuses_a_directory_that_is_not_a_demo(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    assert main(["demo", "--dir", str(tmp_path), "--exit"]) == 1
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_demo_serves_until_sigterm_and_says_what_to_type_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # `glid grade` writes its badge into the current directory
    directory = tmp_path / "demo"
    printed: list[str] = []
    process = spawn(directory, printed)
    described = json.loads((directory / "demo.json").read_text())
    for node in described["nodes"]:
        with urllib.request.urlopen(f"{node['url']}/healthz", timeout=5) as response:
            assert json.load(response)["prefix"] == node["prefix"]
    # the three commands it suggests run as printed, against the running network
    suggested = [line.strip() for line in printed if line.startswith("  glid ")]
    assert [shlex.split(line)[1] for line in suggested] == ["resolve", "footprint", "grade"]
    for line in suggested:
        assert main(shlex.split(line)[1:]) == 0, line
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    for node in described["nodes"]:
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{node['url']}/healthz", timeout=2)
