"""`glid label`: what is printed, in which language, and for which records it refuses."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from resolver.cli import main
from resolver.demo import BRACKET, BRACKET_CODES, EFFICIENCY
from tests.resolver.live import Live
from tests.resolver.samples import TAMPERED

SVG = "{http://www.w3.org/2000/svg}"


def label(live: Live, code: str, out: Path, *extra: str) -> int:
    args = ["--root", live.root, "--trust-anchor", str(live.demo.anchor), "--base", live.page]
    return main(["label", code, *args, "--out", str(out), *extra])


def texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.get("width") == "50mm" and root.get("height") == "79mm"
    return [element.text or "" for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        ("both", ["产品碳足迹 Product carbon footprint", "扫码验证 Scan to verify"], []),
        ("zh", ["产品碳足迹", "扫码验证"], ["Scan to verify"]),
        ("en", ["Product carbon footprint", "Scan to verify"], ["扫码验证"]),
    ],
)
def test_product_label_svg(
    live: Live, tmp_path: Path, lang: str, present: list[str], absent: list[str]
) -> None:
    out = tmp_path / "label.svg"
    assert label(live, BRACKET_CODES["gtin"], out, "--lang", lang) == 0
    shown = texts(out)
    assert "96.4" in shown and "kgCO2e / 1 piece" in shown and BRACKET in shown
    assert "2" in shown and "K = 0.68" in shown  # the maker's grade badge
    assert all(text in shown for text in present)
    assert not any(text in " ".join(shown) for text in absent)


def test_efficiency_label_shows_the_grade(live: Live, tmp_path: Path) -> None:
    out = tmp_path / "efficiency.svg"
    assert label(live, EFFICIENCY, out) == 0
    shown = texts(out)
    assert "碳效码 Carbon efficiency code" in shown and "K = 0.68" in shown
    assert "等级 2：较高 grade 2: fairly high" in shown


def test_refusals(samples: Live, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    live = samples
    assert label(live, TAMPERED, tmp_path / "t.svg") == 1
    assert "did not verify" in capsys.readouterr().err
    assert label(live, BRACKET, tmp_path / "label.pdf") == 1
    assert "give a .svg or .png file" in capsys.readouterr().err
    assert not (tmp_path / "t.svg").exists() and not (tmp_path / "label.pdf").exists()
