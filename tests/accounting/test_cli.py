"""``glid grade`` and ``glid report`` run in-process through resolver.cli.main."""

import json
from pathlib import Path

import pytest

from resolver.cli import main

EXAMPLE = Path(__file__).parents[2] / "accounting" / "data" / "examples" / "enterprise.json"


def write(tmp_path: Path, **changes: object) -> Path:
    data = json.loads(EXAMPLE.read_text("utf-8"))
    data.update(changes)
    path = tmp_path / "enterprise.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def test_grade_prints_the_result_and_writes_the_badge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path)
    assert main(["grade", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "grade       2" in out and "K           0.772496" in out
    assert "illustrative" in out
    badge = tmp_path / "enterprise.grade.svg"
    assert badge.read_text("utf-8").startswith("<svg")
    assert f"badge       {badge}" in out


def test_grade_json_has_the_badge_inline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", "--file", str(write(tmp_path)), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["grade"] == 2 and data["L"] == "0.463498"
    assert data["badge_svg"].startswith("<svg")
    assert data["benchmark"]["industry_code"] == "C33"


def test_grade_with_custom_thresholds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # K = 0.772496: with bounds 0.5 / 0.7 / 1.0 / 1.5 it falls in grade 3
    args = [
        "grade",
        "--file",
        str(write(tmp_path)),
        "--json",
        "--thresholds",
        "0.5",
        "0.7",
        "1.0",
        "1.5",
    ]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["grade"] == 3


def test_report_writes_json_and_html(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["report", "--file", str(write(tmp_path)), "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["grade"]["grade"] == 2
    assert "碳效评价报告" in (out / "report.html").read_text("utf-8")


def test_errors_exit_1_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, value_added={"value": "0", "unit": "10k CNY"})
    assert main(["grade", "--file", str(path)]) == 1
    assert "value added is 0" in capsys.readouterr().err
    assert main(["grade", "--file", str(tmp_path / "missing.json")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade"]) == 2
    assert "either --file" in capsys.readouterr().err
    assert main(["grade", "88.104.3/ce-2023"]) == 2
    assert "--root URL and --trust-anchor" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["grade", "--thresholds", "1"])
    assert exit_info.value.code == 2
