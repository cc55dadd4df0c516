"""The buyer's page as HTML: one self-contained bilingual (zh / en) document.

Everything a buyer needs is in the markup, so the main facts read without JavaScript; the
one inline script only adds the camera scan. No fonts, stylesheets or scripts are fetched
(an intranet has no internet), and every value that came from a record passes through
:func:`esc` before it reaches the page.
"""

import hashlib
from base64 import b64encode
from typing import Any
from urllib.parse import quote

from accounting.badge import badge_svg
from accounting.report_html import _source_text as source_text
from accounting.svg import esc
from resolver.page_view import PageView
from resolver.resolution import Resolution

STYLE = (
    ":root{--ok:#146c2e;--bad:#b3261e;--ink:#1d2327;--muted:#5f6b73;--line:#d9e0e5}"
    "*{box-sizing:border-box}body{margin:0;font-family:system-ui,sans-serif;color:var(--ink);"
    "background:#f4f7f5;line-height:1.45}main{max-width:860px;margin:0 auto;padding:0 12px 32px}"
    "header{background:#0f3d2e;color:#fff;padding:10px 12px}header div{max-width:860px;"
    "margin:0 auto}header a{color:#fff;text-decoration:none;font-weight:700}"
    "form{display:flex;gap:6px;flex-wrap:wrap;margin:8px 0 0}form input{flex:1 1 220px;"
    "padding:9px;font-size:16px;border:1px solid #9ab;border-radius:6px}"
    "button{padding:9px 14px;font-size:15px;border:0;border-radius:6px;background:#2e7d55;"
    "color:#fff}button:disabled{opacity:.45}section{background:#fff;"
    "border:1px solid var(--line);border-radius:10px;"
    "padding:12px 14px;margin:12px 0}h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.05em;"
    "margin:0 0 .5em;color:#0f3d2e}.verdict{border-width:3px;font-size:1.05em}"
    ".verdict.ok{border-color:var(--ok);background:#e9f6ee}.verdict.bad{border-color:var(--bad);"
    "background:#fdecea}.verdict strong{font-size:1.5em;display:block}"
    ".ok .mark{color:var(--ok)}.bad .mark{color:var(--bad)}.figure{font-size:2.4em;"
    "font-weight:800;color:#0f3d2e}.unit{font-size:.45em;font-weight:600;color:var(--muted)}"
    "table{border-collapse:collapse;width:100%;font-size:.92em;table-layout:fixed}"
    "td,th{overflow-wrap:anywhere;border-bottom:1px solid "
    "var(--line);padding:5px 4px;text-align:left;vertical-align:top}th{color:var(--muted);"
    "font-weight:600;width:38%}.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".muted{color:var(--muted);font-size:.88em}code{word-break:break-all;font-size:.9em}"
    "ul.tree,ul.tree ul{list-style:none;padding-left:1.1em;margin:.2em 0}ul.tree>li{padding-left:0}"
    "ul.tree li{border-left:2px solid var(--line);padding:3px 0 3px 8px;margin:2px 0}"
    ".tag{display:inline-block;padding:0 6px;border-radius:4px;font-size:.8em;font-weight:700}"
    ".tag.ok{background:#d6f0de;color:var(--ok)}.tag.bad{background:#fbd9d5;color:var(--bad)}"
    ".tag.sec{background:#fff1c9;color:#7a5a00}ol.steps{padding-left:1.3em;font-size:.9em;overflow-wrap:anywhere}"
    "ol.steps li.fail{color:var(--bad);font-weight:600}.downloads a{display:inline-block;"
    "margin:4px 8px 4px 0;padding:7px 10px;border:1px solid #2e7d55;border-radius:6px;"
    "color:#1d5e3d;text-decoration:none}#scan-video{width:100%;max-width:420px;display:none}"
    "section,p,li{overflow-wrap:anywhere}@media(max-width:520px){.figure{font-size:2em}th{width:45%}}"
)

# The camera scan: where the browser has BarcodeDetector, read a QR / EAN / DataMatrix
# code and submit its text through the same form a buyer types into.
SCRIPT = (
    "(function(){var b=document.getElementById('scan');if(!b)return;"
    "if(!('BarcodeDetector' in window)||!navigator.mediaDevices){b.disabled=true;"
    "b.title='此浏览器不支持扫码 / this browser cannot scan; type or paste the code';return;}"
    "b.addEventListener('click',async function(){var v=document.getElementById('scan-video');"
    "var d=new BarcodeDetector({formats:['qr_code','ean_13','ean_8','upc_a','data_matrix',"
    "'code_128']});var s=await navigator.mediaDevices.getUserMedia({video:{facingMode:"
    "'environment'}});v.srcObject=s;v.style.display='block';await v.play();"
    "var tick=async function(){var c=await d.detect(v);if(c.length){s.getTracks()"
    ".forEach(function(t){t.stop()});var q=document.getElementById('q');q.value=c[0].rawValue;"
    "q.form.submit();}else{requestAnimationFrame(tick);}};tick();});})();"
)
SCRIPT_HASH = b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{SCRIPT_HASH}'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

FIELD_LABELS = (
    ("manufacturer", "生产者 manufacturer"),
    ("part_number", "零件号 part number"),
    ("steel_grade", "牌号 grade"),
    ("reference_period_start", "核算期起 period from"),
    ("reference_period_end", "核算期止 period to"),
    ("geography", "地区 geography"),
    ("boundary", "边界 boundary"),
    ("standards", "依据 standards"),
    ("characterization_factors", "特征化因子 characterization (GWP)"),
    ("allocation_method", "分配方法 allocation"),
)


def id_link(identifier: str) -> str:
    return "/id/" + quote(identifier, safe="/:")


def document(title: str, body: list[str], query: str = "") -> str:
    """The page frame: header with the lookup form and scan button, then ``body``."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-CN"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            '<link rel="icon" href="data:,">',  # no favicon request to the node
            f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
            '<header><div><a href="/">glid 绿色低碳标识 · carbon label check</a>',
            '<form method="get" action="/" role="search">',
            f'<input id="q" name="q" value="{esc(query)}" autocomplete="off" '
            'placeholder="标识 / GTIN / Digital Link / OID / Ecode / handle" '
            'aria-label="identifier 标识">',
            '<button type="submit">查询 Look up</button>',
            '<button type="button" id="scan">扫码 Scan</button></form>',
            '<video id="scan-video" playsinline muted></video></div></header>',
            "<main>",
            *body,
            '<p class="muted">本页由标识解析节点生成：解析经由标识网络，签名验证至信任锚。'
            "This page was built by an identifier node: resolved through the network, every "
            "signature checked up to the node's trust anchor.</p>",
            f"</main><script>{SCRIPT}</script></body></html>",
        ]
    )


def home_page() -> str:
    return document(
        "glid · 碳足迹查询 carbon footprint lookup",
        [
            "<section><h1>查询产品碳足迹 · Look up a product's carbon footprint</h1>",
            "<p>输入、粘贴或扫描产品上的标识：绿色低碳标识、GTIN、GS1 数字链接、OID、Ecode "
            "或企业自有编码。Type, paste or scan the code on a product: a glid handle, a GTIN, "
            "a GS1 Digital Link, an OID, an Ecode or an enterprise code.</p></section>",
        ],
    )


def problem_page(title: str, detail: str, hint: str, query: str = "") -> str:
    """A page for input the node could not resolve: what was wrong and what to try."""
    return document(
        f"glid · {title}",
        [
            '<section class="verdict bad" id="verdict"><strong><span class="mark">✘</span> '
            f"{esc(title)}</strong><p>{esc(detail)}</p>",
            f'<p class="muted">{esc(hint)}</p></section>',
        ],
        query,
    )


def product_page(view: PageView, *, pact: bool = False) -> str:
    """The page for a resolved record: verdict first, then the facts and their evidence."""
    found, values = view.lookup, view.values
    name = str(values.get("product_name") or values.get("enterprise_name") or found.handle)
    body = [
        _verdict(view),
        _product(view, name),
        _footprint(view),
        _grade(view),
        _tree(view),
        _details(view),
        _factors(view),
        _verification(view),
        _downloads(view, pact),
    ]
    title = f"{name} · {'已验证 VERIFIED' if found.verified else '未通过验证 NOT VERIFIED'}"
    return document(title, [part for part in body if part], found.asked)


def _verdict(view: PageView) -> str:
    found = view.lookup
    if found.verified:
        answer = found.resolution.answer or {}
        return (
            '<section class="verdict ok" id="verdict"><strong><span class="mark">✔</span> '
            "已验证 VERIFIED</strong>"
            f"<p>记录 {esc(found.handle)} 第 {esc(answer.get('version'))} 版由其所属企业签名，"
            "证书链直达信任锚，已写入透明日志，且节点签名声明这是最新版本。The record is signed by "
            "the enterprise that owns its prefix, its certificates lead to the trust anchor, it "
            "is in the node's transparency log, and the node's signed statement says it is the "
            "newest version.</p></section>"
        )
    return (
        '<section class="verdict bad" id="verdict"><strong><span class="mark">✘</span> '
        "未通过验证 NOT VERIFIED</strong><p>不要依赖本页数据。Do not rely on these figures. "
        f"原因 Why: {esc(found.problem or 'no verdict')}</p></section>"
    )


def _rows(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in rows)
    return f"<table>{cells}</table>"


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, dict) and "value" in value:
        return f"{value['value']} {value.get('unit', '')}".strip()
    return str(value)


def _product(view: PageView, name: str) -> str:
    found = view.lookup
    rows: list[tuple[str, Any]] = [("标识 identifier", found.handle)]
    if found.asked != found.handle:
        rows.append((f"扫描的编码 code scanned ({found.scheme})", found.asked))
    if found.alias is not None:
        rows.append(("映射 mapped through", f"{found.alias.handle} (HS_ALIAS)"))
    return f'<section id="product"><h1>{esc(name)}</h1>{_rows(rows)}</section>'


def _details(view: PageView) -> str:
    values = view.values
    rows = [(label, _text(values[key])) for key, label in FIELD_LABELS if key in values]
    if not rows:
        return ""
    return f'<section id="details"><h2>产品信息 Product details</h2>{_rows(rows)}</section>'


def _footprint(view: PageView) -> str:
    if view.footprint_error is not None:
        return (
            '<section id="footprint"><h2>碳足迹 Carbon footprint</h2>'
            f'<p class="tag bad">无法计算 cannot compute</p><p>{esc(view.footprint_error)}</p>'
            "</section>"
        )
    tree = view.tree
    if tree is None:
        return ""
    unit, declared = tree["unit"], tree["declared_unit"]
    fossil = float(tree["pcf_excluding_biogenic"])
    own = tree.get("own", {}).get("fossil")
    rows: list[tuple[str, Any]] = [
        ("化石排放 fossil (excl. biogenic)", f"{tree['pcf_excluding_biogenic']} {unit}"),
        ("生物源排放 biogenic", f"{tree['biogenic_emissions']} {unit}"),
    ]
    if own is not None:
        rows.append(("本厂排放 own (gate to gate)", f"{own} {unit}"))
        rows.append(("上游投入 from inputs", f"{_decimal(fossil - float(own))} {unit}"))
    rows.append(("初级数据占比 primary data share", f"{tree['primary_data_share']} %"))
    declared_pcf = tree.get("declared_pcf_excluding_biogenic")
    if declared_pcf is not None:
        rows.append(("企业声明值 declared by the maker", f"{declared_pcf} {unit}"))
    warning = (
        ""
        if view.lookup.verified
        else '<p class="tag bad">未经验证的数字 unverified figure: do not use</p>'
    )
    figure_class = "figure" if view.lookup.verified else "figure unverified"
    return (
        '<section id="footprint"><h2>产品碳足迹 Product carbon footprint</h2>'
        f'{warning}<div class="{figure_class}" id="pcf">{esc(tree["pcf_excluding_biogenic"])} '
        f'<span class="unit">{esc(unit)}</span></div>'
        f'<p class="muted">每 1 {esc(declared)} 声明单位 per declared unit of 1 {esc(declared)}</p>'
        f"{_rows(rows)}</section>"
    )


def _decimal(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _grade(view: PageView) -> str:
    if view.grade is None:
        if view.grade_error is None:
            return ""
        return (
            '<section id="grade"><h2>碳效码 Carbon-efficiency grade</h2>'
            f"<p>{esc(view.grade_error)}</p></section>"
        )
    grade = view.grade
    efficiency = grade.efficiency
    state = (
        '<span class="tag ok">已验证 verified</span>'
        if grade.verified
        else '<span class="tag bad">未验证 NOT verified</span>'
    )
    summary = efficiency.to_json()
    return (
        '<section id="grade"><h2>碳效码 Carbon-efficiency grade</h2>'
        f"{badge_svg(efficiency.grade, efficiency.k, efficiency.enterprise.year)}"
        f'<p><strong id="grade-value">等级 grade {efficiency.grade}</strong> · '
        f"K = {esc(summary['K'])} · L = {esc(summary['L'])} tCO2/10k CNY {state}</p>"
        f'<p class="muted">{esc(efficiency.enterprise.enterprise_name)} '
        f"({esc(efficiency.enterprise.year)}), "
        f'from record <a href="{esc(id_link(grade.record))}">{esc(grade.record)}</a></p>'
        "</section>"
    )


def _tree(view: PageView) -> str:
    tree = view.tree
    if tree is None:
        return ""
    return (
        '<section id="supply-chain"><h2>供应链 Supply chain</h2>'
        f'<ul class="tree">{_tree_node(tree, None)}</ul></section>'
    )


def _tree_node(node: dict[str, Any], entry: dict[str, Any] | None) -> str:
    if node["kind"] == "secondary":
        source = node.get("secondary_source")
        cited = source_text(source) if source else "no citation"
        tag = f'<span class="tag sec">次级因子 secondary factor</span> {esc(cited)}'
        if node.get("reason"):
            tag += f' <span class="muted">({esc(node["reason"])})</span>'
    elif node.get("verified"):
        version = esc(node["version"])
        tag = f'<span class="tag ok">已验证 verified</span> 注册记录 registered v{version}'
    else:
        tag = f'<span class="tag bad">未验证 NOT verified</span> {esc(node.get("verdict"))}'
    share = ""
    if entry is not None:
        quantity = entry["quantity"]
        share = (
            f" × {esc(quantity['value'])} {esc(quantity['unit'])} → {esc(entry['fossil'])} kgCO2e"
        )
    children = "".join(
        _tree_node(child["node"], child) for child in node.get("inputs", []) if "node" in child
    )
    return (
        f'<li><a href="{esc(id_link(node["id"]))}"><code>{esc(node["id"])}</code></a> '
        f"{esc(node['pcf_excluding_biogenic'])} {esc(node['unit'])}{share}<br>{tag}"
        + (f"<ul>{children}</ul>" if children else "")
        + "</li>"
    )


def _factors(view: PageView) -> str:
    rows: list[tuple[str, Any]] = []
    if view.footprint is not None:
        for node in view.footprint.nodes:
            if node.kind == "secondary":
                cited = node.citation.to_json() if node.citation else None
                rows.append((f"{node.id} (secondary)", source_text(cited) if cited else "—"))
            else:
                rows.append(
                    (node.id, f"企业初级数据 maker's primary data; GWP {node.characterization}")
                )
    report = view.report()
    if report is not None:
        for factor in report["factors"]:
            for term in factor["terms"]:
                rows.append(
                    (
                        f"{factor['id']}: {term['name']} = {term['value']} {term['unit']}",
                        source_text(term["source"]),
                    )
                )
    if not rows:
        return ""
    return f'<section id="factors"><h2>因子来源 Factor provenance</h2>{_rows(rows)}</section>'


def _verification(view: PageView) -> str:
    found = view.lookup
    parts = ['<section id="verification"><h2>验证链 Verification chain</h2>']
    for step in (found.alias, found.resolution):
        if step is not None:
            parts.append(_steps(step))
    return "".join(parts) + "</section>"


def _steps(resolution: Resolution) -> str:
    heading = f"<p><code>{esc(resolution.handle)}</code> — {esc(resolution.status)}"
    if resolution.path:
        heading += f' <span class="muted">via {esc(" → ".join(resolution.path))}</span>'
    heading += "</p>"
    if resolution.verdict is None:
        return heading + (f"<p>{esc(resolution.error)}</p>" if resolution.error else "")
    items = "".join(
        f'<li class="{"ok" if step.ok else "fail"}">{"✔" if step.ok else "✘"} '
        f"<strong>{esc(step.name)}</strong>: {esc(step.detail)}</li>"
        for step in resolution.verdict.steps
    )
    return f'{heading}<ol class="steps">{items}</ol>'


def _downloads(view: PageView, pact: bool) -> str:
    handle = quote(view.lookup.handle, safe="/")
    links = [
        f'<a href="/bundle/{handle}" download>证据包 evidence bundle (JSON)</a>',
    ]
    if view.footprint is not None:
        links.append(f'<a href="/footprint/{handle}">碳足迹 footprint (JSON)</a>')
    if view.footprint is not None and pact and view.lookup.verified:
        links.append(f'<a href="/pact/{handle}">PACT v3 ProductFootprint (JSON)</a>')
    if view.grade is not None:
        links.append(f'<a href="/report/{handle}">评价报告 report (HTML)</a>')
    return (
        '<section id="downloads" class="downloads"><h2>下载 Downloads</h2>'
        + "".join(links)
        + "</section>"
    )
