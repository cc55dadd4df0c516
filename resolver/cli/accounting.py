"""Accounting commands: ``glid grade``, ``glid report`` and ``glid potential``.

An enterprise is graded from its file (``--file``) or from its carbon-efficiency record
resolved and verified through the network (``ID --root --trust-anchor``). Every file these
commands write is named from the whole identifier (or the input file's name) and goes into
``--out`` (default: the current directory), never next to the input.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from resolver.cli.options import (
    add_json,
    add_root,
    read_json,
    read_json_object,
    sync_resolver,
    write_text,
)
from resolver.cli.output import InputError, UsageError, emit_json, json_text, note

if TYPE_CHECKING:
    from accounting.efficiency import CarbonEfficiency
    from accounting.enterprise import EnterpriseData
    from accounting.rollup import RollupResult
    from accounting.scenario import Scenario
    from resolver.sync_client import SyncResolver


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    grade = subparsers.add_parser(
        "grade", help="carbon-efficiency value L, K and grade 1-5 of an enterprise, with a badge"
    )
    _add_enterprise(grade)
    add_json(grade)
    grade.set_defaults(run=run_grade)

    report = subparsers.add_parser(
        "report", help="write the evaluation report (NAME.report.json and NAME.report.html)"
    )
    _add_enterprise(report)
    report.add_argument(
        "--footprint", metavar="PRODUCT_ID", help="attach this product's rolled-up footprint"
    )
    report.add_argument(
        "--potential", metavar="SCENARIO", type=Path, help="attach a reduction-potential scenario"
    )
    report.set_defaults(run=run_report)

    potential = subparsers.add_parser(
        "potential", help="project a digital-technology reduction-potential scenario"
    )
    potential.add_argument(
        "--file", required=True, type=Path, help="the scenario (glid.reduction-scenario/1)"
    )
    add_json(potential)
    potential.set_defaults(run=run_potential)


def _add_enterprise(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "id", nargs="?", metavar="ID", help="a carbon-efficiency record to resolve and grade"
    )
    parser.add_argument("--file", type=Path, help="or an enterprise file (glid.enterprise/1)")
    add_root(parser, required=False)
    parser.add_argument(
        "--thresholds",
        nargs=4,
        metavar="K",
        help="upper K bounds of grades 1-4 (default 0.6 0.8 1.2 2.0)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("."), help="directory to write into (default: .)"
    )


def output_name(args: argparse.Namespace) -> str:
    """The stem of every file written about this enterprise: the whole identifier with
    ``/`` as ``_`` (``88.101.7_carbon-efficiency-2023``), or the input file's stem."""
    if args.id is not None:
        return str(args.id).replace("/", "_")
    return Path(args.file).stem


def _resolver(args: argparse.Namespace, what: str) -> SyncResolver:
    """The resolver of ``--root`` and ``--trust-anchor``, optional for these commands
    until ``what`` needs them."""
    if args.root is None or args.trust_anchor is None:
        raise UsageError(f"{what} needs --root URL and --trust-anchor FILE")
    return sync_resolver(args)


def _enterprise(args: argparse.Namespace) -> EnterpriseData:
    from accounting.enterprise import from_json

    if (args.id is None) == (args.file is None):
        raise UsageError(
            "give either --file ENTERPRISE.json or an ID with --root and --trust-anchor"
        )
    if args.id is not None:
        return _resolved(args)
    return from_json(read_json_object(args.file, "enterprise file"))


def _resolved(args: argparse.Namespace) -> EnterpriseData:
    """Resolve the record, refuse it unless it verifies, and read it as enterprise data."""
    from accounting.enterprise import from_record

    resolution = _resolver(args, "grading a resolved record").resolve(args.id)
    if resolution.answer is None:
        raise InputError(
            f"{args.id} could not be resolved: {resolution.error or resolution.status}"
        )
    if not resolution.verified:
        failed = resolution.verdict.failed if resolution.verdict else None
        reason = "no verdict" if failed is None else f"{failed.name}: {failed.detail}"
        raise InputError(f"{args.id} failed verification ({reason}); it will not be graded")
    return from_record(resolution.answer["values"], id=resolution.handle)


def _evaluate(args: argparse.Namespace) -> CarbonEfficiency:
    from accounting.efficiency import Thresholds, evaluate

    thresholds = Thresholds.parse(args.thresholds) if args.thresholds else None
    return evaluate(_enterprise(args), thresholds)


def run_grade(args: argparse.Namespace) -> int:
    from accounting.badge import badge_svg

    result = _evaluate(args)
    badge = badge_svg(result.grade, result.k, result.enterprise.year)
    if args.json:
        emit_json({**result.to_json(), "badge_svg": badge})
        return 0
    path = write_text(args.out / f"{output_name(args)}.grade.svg", badge)
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


def _footprint(args: argparse.Namespace) -> RollupResult:
    """The product's roll-up through the network, as the report attaches it."""
    from resolver.footprint import network_footprint

    return network_footprint(_resolver(args, "--footprint"), [args.footprint])


def _scenario(path: Path) -> Scenario:
    from accounting.scenario import from_json

    return from_json(read_json(path, "scenario file"))


def run_report(args: argparse.Namespace) -> int:
    from accounting.report import evaluation_report
    from accounting.report_html import render_html

    footprint = None if args.footprint is None else _footprint(args)
    potential = None if args.potential is None else _scenario(args.potential)
    report = evaluation_report(_evaluate(args), footprint, potential=potential)
    stem = args.out / f"{output_name(args)}.report"
    written = [
        write_text(stem.with_name(stem.name + ".json"), json_text(report)),
        write_text(stem.with_name(stem.name + ".html"), render_html(report)),
    ]
    note(f"wrote {written[0]} and {written[1]}")
    return 0


def run_potential(args: argparse.Namespace) -> int:
    scenario = _scenario(args.file)
    body = scenario.to_json()
    if args.json:
        emit_json(body)
        return 0
    print(f"scenario {body['name']}: reduction factor RF {body['reduction_factor']} tCO2e")
    print(f"{'year':>6}  {'penetration':>12}  {'realised':>9}  {'reduction tCO2e':>16}")
    for year in body["years"]:
        print(
            f"{year['year']:>6}  {year['penetration']:>12}  {year['realised_share']:>9}"
            f"  {year['reduction']:>16}"
        )
    return 0
