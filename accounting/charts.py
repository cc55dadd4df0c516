"""Inline SVG charts for reports: labelled bar charts and the footprint tree.

Bars are drawn from a zero line so deductions (exported energy, zero-carbon power) show
as negative bars instead of disappearing from the picture.
"""

import math
from collections.abc import Sequence
from typing import Any
from unicodedata import east_asian_width

from accounting.svg import esc, num

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1")


def text_width(text: str, size: float) -> int:
    """A safe upper estimate of ``text``'s width in pixels at font ``size``: wide (CJK)
    characters take a full em, others about 0.62 em, so a label never runs off the left."""
    ems = sum(1.0 if east_asian_width(char) in "WF" else 0.62 for char in text)
    return math.ceil(ems * size)


def bar_chart(items: Sequence[tuple[str, float]], unit: str, title: str) -> str:
    """Horizontal bars, one per (label, value); negative values extend left of zero."""
    row_h, pad, plot_w = 26, 10, 330
    label_w = pad + max((text_width(label, 12) for label, _ in items), default=0)
    width = label_w + 2 * pad + plot_w + 90
    height = pad * 2 + 24 + row_h * max(len(items), 1)
    low = min([0.0, *(v for _, v in items)])
    high = max([0.0, *(v for _, v in items)])
    span = (high - low) or 1.0
    zero_x = label_w + pad + plot_w * (-low / span)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
        f'<text x="{pad}" y="{pad + 14}" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    for row, (label, value) in enumerate(items):
        y = pad + 24 + row * row_h
        bar_w = plot_w * abs(value) / span
        x = zero_x if value >= 0 else zero_x - bar_w
        colour = PALETTE[row % len(PALETTE)] if value >= 0 else "#999"
        parts.append(
            f'<text x="{label_w}" y="{num(y + 17)}" font-size="12" text-anchor="end">'
            f"{esc(label)}</text>"
            f'<rect x="{num(x)}" y="{num(y + 4)}" width="{num(bar_w)}" height="{row_h - 8}" '
            f'fill="{colour}"/>'
            f'<text x="{num(max(zero_x, x + bar_w) + 6)}" y="{num(y + 17)}" font-size="11">'
            f"{esc(f'{value:,.2f} {unit}')}</text>"
        )
    parts.append(
        f'<line x1="{num(zero_x)}" y1="{pad + 22}" x2="{num(zero_x)}" y2="{height - pad}" '
        'stroke="#333"/></svg>'
    )
    return "".join(parts)


def tree_chart(tree: dict[str, Any], title: str, max_rows: int = 60) -> str:
    """The footprint tree as an indented diagram: one row per node, elbows to children."""
    rows: list[tuple[int, dict[str, Any], str]] = []

    def walk(node: dict[str, Any], depth: int, share: str) -> None:
        if len(rows) >= max_rows:
            return
        rows.append((depth, node, share))
        for entry in node.get("inputs", []):
            child = entry.get("node")
            if child is not None:
                walk(child, depth + 1, f"{entry['fossil']} kgCO2e")

    walk(tree, 0, "")
    row_h, indent, width = 34, 28, 760
    height = 30 + row_h * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
        f'<text x="10" y="20" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    last_at_depth: dict[int, float] = {}
    for position, (depth, node, share) in enumerate(rows):
        y = 30 + position * row_h
        x = 10 + depth * indent
        if depth > 0 and depth - 1 in last_at_depth:
            parent_y = last_at_depth[depth - 1]
            parts.append(
                f'<path d="M{num(x - indent + 8)} {num(parent_y + 26)} V{num(y + 13)} H{num(x)}" '
                'fill="none" stroke="#888"/>'
            )
        last_at_depth[depth] = y
        kind = node.get("kind", "")
        fill = {"computed": "#e8f1fa", "declared": "#eef7ea", "secondary": "#fdecea"}.get(
            kind, "#eee"
        )
        flag = "" if node.get("verified") else " ⚠ unverified"
        if kind == "secondary":
            flag = f" ⚠ secondary: {node.get('material')}"
        text = (
            f"{node['id']} — {node['pcf_excluding_biogenic']} {node['unit']}"
            f"{' (' + share + ')' if share else ''}{flag}"
        )
        parts.append(
            f'<rect x="{num(x)}" y="{num(y)}" width="{num(width - x - 10)}" height="26" rx="4" '
            f'fill="{fill}" stroke="#bbb"/>'
            f'<text x="{num(x + 8)}" y="{num(y + 17)}" font-size="12">{esc(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
