"""The evaluation report: flow order, self-contained bilingual HTML, valid inline SVG."""

import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

from accounting.badge import badge_svg
from accounting.efficiency import evaluate
from accounting.enterprise import from_json
from accounting.report import evaluation_report
from accounting.report_html import render_html
from accounting.rollup import rollup
from bench.supply_chain import Records, computed, leaf

EXAMPLE = Path(__file__).parents[2] / "accounting" / "data" / "examples" / "enterprise.json"


def example_report(with_footprint: bool = False) -> dict[str, object]:
    result = evaluate(from_json(json.loads(EXAMPLE.read_text("utf-8"))))
    footprint = None
    if with_footprint:
        records = {
            "88.1/bolt": computed("kg", "0.3", [("88.2/wire", "1.05", "kg")]),
            "88.2/wire": leaf("kg", "2.4"),
        }
        footprint = rollup(["88.1/bolt"], Records(records))
    return evaluation_report(result, footprint)


def test_sections_follow_the_evaluation_flow() -> None:
    report = example_report()
    keys = list(report)
    order = ["boundary", "activity_data", "factors", "emissions", "grade"]
    assert [k for k in keys if k in order] == order
    assert report["format"] == "glid.accounting.report/1"
    emissions = report["emissions"]
    assert isinstance(emissions, dict)
    total = sum(Decimal(s["value"]) for s in emissions["by_source"])
    assert abs(total - Decimal(emissions["total"])) < Decimal("0.00001")
    json.dumps(report)  # plain JSON: no floats or objects left


def test_html_is_one_self_contained_bilingual_page() -> None:
    report = example_report(with_footprint=True)
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"(src|href)\s*=", page)
    assert "url(" not in page
    for heading in ("核算边界", "Boundary", "活动数据", "Activity data", "碳效等级", "grade"):
        assert heading in page
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) == 4  # badge, by source, by scope, footprint tree
    for svg in svgs:
        ET.fromstring(svg)  # well-formed
    assert "88.1/bolt" in svgs[3] and "2.82" in svgs[3]  # 0.3 + 1.05 × 2.4 = 2.82


def test_text_is_escaped() -> None:
    data = json.loads(EXAMPLE.read_text("utf-8"))
    data["enterprise_name"] = "<b>&co</b>"
    page = render_html(evaluation_report(evaluate(from_json(data))))
    assert "<b>&co</b>" not in page and "&lt;b&gt;&amp;co&lt;/b&gt;" in page


def test_badge_is_valid_svg_coloured_by_grade() -> None:
    one, five = badge_svg(1, Decimal("0.5"), 2023), badge_svg(5, Decimal("2.5"), 2023)
    for svg in (one, five):
        assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    assert "#1a9850" in one and "#d73027" in five and "K = 2.50" in five
