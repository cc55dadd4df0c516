"""``glid grade`` and ``glid report`` run in-process through resolver.cli.main."""

import argparse
import json
from pathlib import Path

import pytest

from resolver.cli import main
from resolver.cli.accounting import output_name

EXAMPLES = Path(__file__).parents[2] / "accounting" / "data" / "examples"
EXAMPLE = EXAMPLES / "enterprise.json"
SCENARIO = EXAMPLES / "reduction-scenario.json"


def write(tmp_path: Path, **changes: object) -> Path:
    data = json.loads(EXAMPLE.read_text("utf-8"))
    data.update(changes)
    path = tmp_path / "enterprise.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def test_grade_prints_the_result_and_writes_the_badge_into_the_current_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path)
    cwd = tmp_path / "work"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert main(["grade", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "grade       2" in out and "K           0.772496" in out
    assert "illustrative" in out
    assert Path("enterprise.grade.svg").read_text("utf-8").startswith("<svg")
    assert "badge       enterprise.grade.svg" in out
    assert not (tmp_path / "enterprise.grade.svg").exists(), "never next to the input"


def test_grade_and_report_name_files_from_the_whole_identifier(tmp_path: Path) -> None:
    args = argparse.Namespace(id="88.101.7/carbon-efficiency-2023", file=None)
    assert output_name(args) == "88.101.7_carbon-efficiency-2023"
    other = argparse.Namespace(id="88.101.9/carbon-efficiency-2023", file=None)
    assert output_name(other) != output_name(args)
    assert output_name(argparse.Namespace(id=None, file=Path("a/b.v2.json"))) == "b.v2"


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
    report = json.loads((out / "enterprise.report.json").read_text("utf-8"))
    assert report["grade"]["grade"] == 2
    html = (out / "enterprise.report.html").read_text("utf-8")
    assert "碳效评价报告" in html
    # the level row speaks of emission intensity, never of efficiency, so it cannot
    # contradict the grade; a citation without a table shows no "-"
    assert "碳效水平" not in html and "intensity level" in html
    assert ", - (" not in html


def test_potential_projects_a_scenario_and_a_report_can_carry_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["potential", "--file", str(SCENARIO), "--json"]) == 0
    projected = json.loads(capsys.readouterr().out)
    assert [y["year"] for y in projected["years"]] == [2025, 2027, 2030]
    assert float(projected["reduction_factor"]) > 0
    out = tmp_path / "out"
    args = ["report", "--file", str(write(tmp_path)), "--potential", str(SCENARIO)]
    assert main([*args, "--out", str(out)]) == 0
    report = json.loads((out / "enterprise.report.json").read_text("utf-8"))
    assert report["potential"] == projected
    assert "减排潜力" in (out / "enterprise.report.html").read_text("utf-8")


def test_a_scenario_field_error_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(SCENARIO.read_text("utf-8"))
    data["savings"][0]["factor_unit"] = "tCO2/kg"
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data), "utf-8")
    assert main(["potential", "--file", str(path)]) == 1
    assert "savings[0].factor_unit" in capsys.readouterr().err
    data = json.loads(SCENARIO.read_text("utf-8"))
    data["spread"] = "0"
    path.write_text(json.dumps(data), "utf-8")
    assert main(["potential", "--file", str(path)]) == 1
    assert "spread" in capsys.readouterr().err


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
