"""Accounting commands: ``glid grade`` and ``glid report`` for an enterprise file."""

import argparse
import json
from pathlib import Path
from typing import Any

from accounting.badge import badge_svg
from accounting.efficiency import CarbonEfficiency, Thresholds, evaluate
from accounting.enterprise import EnterpriseData, from_json, from_record
from accounting.errors import FieldError
from accounting.report import evaluation_report
from accounting.report_html import render_html
from resolver.cli.output import InputError, UsageError, emit_json, note
from resolver.client import load_trust_anchor
from resolver.sync_client import SyncResolver


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    grade = subparsers.add_parser(
        "grade", help="carbon-efficiency value L, K and grade 1-5 of an enterprise file"
    )
    _add_common(grade)
    grade.add_argument(
        "--badge", type=Path, help="where to write the SVG badge (default: <file>.grade.svg)"
    )
    grade.add_argument("--json", action="store_true", help="print JSON with the badge inline")
    grade.set_defaults(run=run_grade)

    report = subparsers.add_parser(
        "report", help="write the evaluation report (report.json and report.html)"
    )
    _add_common(report)
    report.add_argument("--out", required=True, type=Path, help="directory to write into")
    report.set_defaults(run=run_report)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "id", nargs="?", metavar="ID", help="a carbon-efficiency record to resolve and grade"
    )
    parser.add_argument("--file", type=Path, help="enterprise JSON (format glid.enterprise/1)")
    parser.add_argument("--root", help="with ID: the top node's URL")
    parser.add_argument("--trust-anchor", type=Path, help="with ID: trust-anchor.json")
    parser.add_argument(
        "--thresholds",
        nargs=4,
        metavar="K",
        help="upper K bounds of grades 1-4 (default 0.6 0.8 1.2 2.0)",
    )


def _evaluate(args: argparse.Namespace) -> CarbonEfficiency:
    thresholds = Thresholds.parse(args.thresholds) if args.thresholds else None
    return evaluate(_enterprise(args), thresholds)


def _enterprise(args: argparse.Namespace) -> EnterpriseData:
    if (args.id is None) == (args.file is None):
        raise UsageError(
            "give either --file ENTERPRISE.json or an ID with --root and --trust-anchor"
        )
    if args.id is not None:
        return _resolved(args)
    path: Path = args.file
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FieldError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise FieldError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise FieldError(f"{path}: expected a JSON object")
    return from_json(data)


def _resolved(args: argparse.Namespace) -> EnterpriseData:
    """Resolve the record, refuse it unless it verifies, and read it as enterprise data."""
    if args.root is None or args.trust_anchor is None:
        raise UsageError("grading a resolved record needs --root URL and --trust-anchor FILE")
    anchor = load_trust_anchor(args.trust_anchor)
    resolution = SyncResolver(args.root, anchor).resolve(args.id)
    if resolution.answer is None:
        raise InputError(
            f"{args.id} could not be resolved: {resolution.error or resolution.status}"
        )
    if not resolution.verified:
        failed = resolution.verdict.failed if resolution.verdict else None
        reason = "no verdict" if failed is None else f"{failed.name}: {failed.detail}"
        raise InputError(f"{args.id} failed verification ({reason}); it will not be graded")
    return from_record(resolution.answer["values"], id=resolution.handle)


def run_grade(args: argparse.Namespace) -> int:
    result = _evaluate(args)
    badge = badge_svg(result.grade, result.k, result.enterprise.year)
    if args.json:
        emit_json({**result.to_json(), "badge_svg": badge})
        return 0
    source = args.file if args.file is not None else Path(args.id.replace("/", "_"))
    path: Path = args.badge or source.with_suffix(".grade.svg")
    path.write_text(badge, encoding="utf-8")
    bench = result.benchmark
    summary = result.to_json()
    print(f"enterprise  {result.enterprise.enterprise_name} ({result.enterprise.year})")
    print(f"energy CO2  {summary['energy_co2']} tCO2")
    print(f"L           {summary['L']} tCO2/10k CNY")
    print(f"benchmark   {bench.value} tCO2/10k CNY ({bench.code} {bench.en})")
    illustrative = " [illustrative]" if bench.citation.illustrative else ""
    print(f"source      {bench.citation.document}{illustrative}")
    print(f"K           {summary['K']}")
    print(f"grade       {result.grade}")
    print(f"badge       {path}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    report = evaluation_report(_evaluate(args))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "report.html").write_text(render_html(report), encoding="utf-8")
    note(f"wrote {out / 'report.json'} and {out / 'report.html'}")
    return 0
