"""The carbon evaluation report as data, in the white paper's order:
boundary → activity data → factors → emissions → grade (→ footprint → reduction
potential) → report.

The JSON built here is the single source of the report; the HTML page is rendered from
it (accounting/report_html.py), so the two can never disagree.
"""

from typing import Any

from accounting.badge import badge_svg
from accounting.efficiency import CarbonEfficiency
from accounting.rollup import RollupResult
from accounting.scenario import Scenario

REPORT_FORMAT = "glid.accounting.report/1"

STANDARDS = (
    "GB/T 32150-2015 工业企业温室气体排放核算和报告通则",
    "GB/T 32151 温室气体排放核算与报告要求",
    "DB33/T 1347-2023 工业企业碳效综合评估和分级赋码规范",
)


def evaluation_report(
    efficiency: CarbonEfficiency,
    footprint: RollupResult | None = None,
    *,
    potential: Scenario | None = None,
    max_depth: int = 6,
) -> dict[str, Any]:
    enterprise = efficiency.enterprise
    emissions = efficiency.emissions.to_json()
    sources = emissions["sources"]
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "enterprise": {
            "name": enterprise.enterprise_name,
            "year": enterprise.year,
            "industry_code": enterprise.industry_code,
            "region": enterprise.region,
        },
        "boundary": {
            "organisation": enterprise.enterprise_name,
            "period": {"start": f"{enterprise.year}-01-01", "end": f"{enterprise.year}-12-31"},
            "standards": list(STANDARDS),
            "gases": ["CO2"],
            "included": (
                "energy-related CO2: fuel combustion, purchased electricity and heat, minus "
                "exported electricity and heat, minus zero-carbon electricity at the grid factor"
            ),
            "sources": [{"id": s["id"], "category": s["category"]} for s in sources],
        },
        "activity_data": [
            {
                "id": s["id"],
                "category": s["category"],
                "value": s["activity"],
                "unit": s["activity_unit"],
            }
            for s in sources
        ],
        "factors": [
            {
                "id": s["id"],
                "formula": s["formula"],
                "coefficient": s["coefficient"],
                "coefficient_unit": s["coefficient_unit"],
                "terms": s["terms"],
            }
            for s in sources
        ],
        "emissions": {
            "unit": "tCO2e",
            "total": emissions["total"],
            "scope1": emissions["scope1"],
            "scope2": emissions["scope2"],
            "energy_related": emissions["energy_related"],
            "settings": emissions["settings"],
            "by_source": [
                {"id": s["id"], "scope": s["scope"], "value": s["emissions"]} for s in sources
            ],
        },
        "grade": {
            **efficiency.to_json(),
            "badge_svg": badge_svg(efficiency.grade, efficiency.k, enterprise.year),
        },
    }
    if footprint is not None:
        report["footprint"] = footprint.to_json(max_depth)
    if potential is not None:
        report["potential"] = potential.to_json()
    return report
