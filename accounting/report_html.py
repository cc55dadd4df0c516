"""The evaluation report as one self-contained bilingual (zh / en) HTML page.

No scripts, fonts, stylesheets or images are fetched: the styles are inline, charts are
inline SVG, so the page can be mailed, archived or opened offline and look the same.
"""

from typing import Any

from accounting.charts import bar_chart, tree_chart
from accounting.svg import esc

CATEGORY_LABELS = {
    "combustion": "化石燃料燃烧 fuel combustion",
    "process": "工业过程 process",
    "gas": "温室气体直接排放 direct gas release",
    "electricity_purchased": "购入电力 purchased electricity",
    "electricity_exported": "输出电力 exported electricity",
    "heat_purchased": "购入热力 purchased heat",
    "heat_exported": "输出热力 exported heat",
    "zero_carbon_electricity": "零碳电力核减 zero-carbon electricity deduction",
}

INTENSITY_LEVELS = {
    "low": "低排放强度 low intensity",
    "medium": "中排放强度 medium intensity",
    "high": "高排放强度 high intensity",
}

STYLE = (
    "body{font-family:sans-serif;max-width:920px;margin:2em auto;color:#222;line-height:1.45}"
    "h1{font-size:1.6em}h2{border-bottom:2px solid #4e79a7;padding-bottom:.2em;margin-top:1.6em}"
    "table{border-collapse:collapse;width:100%;font-size:.9em}"
    "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#f2f5f9}.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".note{color:#666;font-size:.85em}.flow{color:#4e79a7;font-weight:bold}"
)


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(c)}</td>' if i in numeric else f"<td>{esc(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _source_text(source: dict[str, Any]) -> str:
    text = str(source["document"])
    if source.get("table") not in (None, "", "-"):
        text += f", {source['table']}"
    if source.get("year"):
        text += f" ({source['year']})"
    return text + (" [illustrative / 示意值]" if source.get("illustrative") else "")


def _potential(potential: dict[str, Any]) -> list[str]:
    """The reduction-potential projection: one row per scenario year."""
    return [
        f"<h2>7 减排潜力 · Reduction potential — {esc(potential['name'])}</h2>",
        f"<p>减排因子 reduction factor RF = {esc(potential['reduction_factor'])} tCO2e"
        f" (基准年 base year {potential['base_year']})</p>",
        _table(
            ["年份 year", "渗透率 penetration K", "实现比例 realised share", "减排量 tCO2e"],
            [
                [str(y["year"]), y["penetration"], y["realised_share"], y["reduction"]]
                for y in potential["years"]
            ],
            {1, 2, 3},
        ),
    ]


def render_html(report: dict[str, Any]) -> str:
    enterprise, grade, emissions = report["enterprise"], report["grade"], report["emissions"]
    boundary = report["boundary"]
    name = enterprise["name"]
    categories = {s["id"]: s["category"] for s in boundary["sources"]}
    by_source = [
        (f"{s['id']} ({CATEGORY_LABELS.get(categories[s['id']], '')})", float(s["value"]))
        for s in emissions["by_source"]
    ]
    by_scope = [
        ("范围一 scope 1", float(emissions["scope1"])),
        ("范围二 scope 2 (net)", float(emissions["scope2"])),
    ]
    factor_rows = []
    for factor in report["factors"]:
        for term in factor["terms"]:
            value = term["value"] + (
                f" (default {term['default_value']})" if term.get("overridden") else ""
            )
            factor_rows.append(
                [
                    factor["id"],
                    factor["formula"],
                    term["name"],
                    value,
                    term["unit"],
                    ("企业实测 override: " if term["overridden"] else "")
                    + _source_text(term["source"]),
                ]
            )
    bench = grade["benchmark"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(name)} 碳效评价报告 / carbon evaluation report {enterprise['year']}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>碳效评价报告 · Carbon evaluation report<br>{esc(name)} — {enterprise['year']}</h1>",
        '<p class="flow">核算边界 boundary → 活动数据 activity data → 排放因子 factors → '
        "排放量 emissions → 碳效等级 grade → 报告 report</p>",
        grade["badge_svg"],
        "<h2>1 核算边界 · Boundary</h2>",
        _table(
            ["项目 item", "内容 content"],
            [
                ["组织 organisation", boundary["organisation"]],
                ["行业代码 industry (GB/T 4754)", enterprise["industry_code"]],
                ["地区 region", enterprise["region"]],
                ["期间 period", f"{boundary['period']['start']} – {boundary['period']['end']}"],
                ["气体 gases", ", ".join(boundary["gases"])],
                ["范围 included", boundary["included"]],
                ["依据 standards", "; ".join(boundary["standards"])],
            ],
        ),
        "<h2>2 活动数据 · Activity data</h2>",
        _table(
            ["排放源 source", "类别 category", "数量 quantity", "单位 unit"],
            [
                [a["id"], CATEGORY_LABELS.get(a["category"], a["category"]), a["value"], a["unit"]]
                for a in report["activity_data"]
            ],
            {2},
        ),
        "<h2>3 排放因子 · Factors</h2>",
        _table(
            [
                "排放源 source",
                "公式 formula",
                "参数 term",
                "数值 value",
                "单位 unit",
                "来源 source",
            ],
            factor_rows,
            {3},
        ),
        "<h2>4 排放量 · Emissions</h2>",
        _table(
            ["项目 item", "tCO2e"],
            [
                ["合计 total", emissions["total"]],
                ["范围一 scope 1", emissions["scope1"]],
                ["范围二 scope 2 (net)", emissions["scope2"]],
                ["能源相关 energy-related", emissions["energy_related"]],
            ],
            {1},
        ),
        bar_chart(by_source, "tCO2e", "按排放源 · emissions by source"),
        bar_chart(by_scope, "tCO2e", "按范围 · emissions by scope"),
        "<h2>5 碳效等级 · Carbon-efficiency grade</h2>",
        _table(
            ["指标 indicator", "数值 value"],
            [
                ["能源相关碳排放 energy-related CO2 (tCO2)", grade["energy_co2"]],
                ["工业增加值 value added (10k CNY)", grade["value_added"]],
                ["单位增加值碳排放 L (tCO2/10k CNY)", grade["L"]],
                [
                    "行业基准 benchmark L",
                    f"{bench['value']} ({bench['industry_code']} {bench['zh']} {bench['en']})",
                ],
                ["基准来源 benchmark source", _source_text(bench["source"])],
                ["碳效值 K = L / benchmark", grade["K"]],
                ["碳效等级 grade", str(grade["grade"])],
                [
                    "排放强度水平 intensity level, by L alone (≤ 0.6 low, ≤ 2.0 medium)",
                    INTENSITY_LEVELS.get(grade["level"], grade["level"]),
                ],
                ["分级阈值 thresholds (K ≤)", " / ".join(grade["thresholds"])],
            ],
        ),
        '<p class="note">等级边界：K 等于阈值时取较优等级（K ≤ 0.6 为 1 级）。'
        "Boundary convention: a K equal to a threshold takes the better grade.</p>",
    ]
    if "footprint" in report:
        parts.append("<h2>6 产品碳足迹 · Product footprint</h2>")
        for tree in report["footprint"]["roots"]:
            parts.append(tree_chart(tree, f"碳足迹树 footprint tree — {tree['id']}"))
        if report["footprint"]["secondary"]:
            parts.append(
                '<p class="note">⚠ 使用次级数据 secondary data used for: '
                f"{esc(', '.join(report['footprint']['secondary']))}</p>"
            )
    if "potential" in report:
        parts.extend(_potential(report["potential"]))
    parts.append(
        '<p class="note">Generated by glid from report format '
        f"{esc(report['format'])}.</p></body></html>"
    )
    return "\n".join(parts)
