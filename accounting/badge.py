"""The carbon-efficiency grade as an SVG badge (the 碳效码 label).

Colours run from green (grade 1, most efficient) to red (grade 5), the traffic-light
scale the Zhejiang code uses, so the badge reads at a glance in a report or on a page.
"""

from decimal import Decimal

from accounting.svg import esc

GRADE_COLOURS = {1: "#1a9850", 2: "#91cf60", 3: "#e6c229", 4: "#fc8d59", 5: "#d73027"}
GRADE_LABELS = {
    1: ("高", "high"),
    2: ("较高", "fairly high"),
    3: ("接近行业平均", "near industry average"),
    4: ("较低", "fairly low"),
    5: ("低", "low"),
}


def badge_svg(grade: int, k: Decimal, year: int) -> str:
    """A 240×60 badge: title on the left, grade and K on a grade-coloured right part."""
    if grade not in GRADE_COLOURS:
        raise ValueError(f"grade must be 1–5, got {grade}")
    colour = GRADE_COLOURS[grade]
    zh, en = GRADE_LABELS[grade]
    k_text = f"{k.quantize(Decimal('0.01'))}"
    title = f"碳效码 {year}: 等级 {grade}, K = {k_text} / carbon efficiency grade {grade} ({en})"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60" viewBox="0 0 240 60" '
        f'role="img" aria-label="{esc(title)}">'
        f"<title>{esc(title)}</title>"
        '<rect width="240" height="60" rx="8" fill="#334"/>'
        f'<rect x="110" width="130" height="60" rx="8" fill="{colour}"/>'
        f'<rect x="110" width="12" height="60" fill="{colour}"/>'
        '<g font-family="sans-serif" fill="#fff">'
        f'<text x="12" y="26" font-size="16" font-weight="bold">碳效码 {year}</text>'
        '<text x="12" y="46" font-size="11">carbon efficiency</text>'
        '<g text-anchor="middle">'
        f'<text x="175" y="30" font-size="24" font-weight="bold">{grade}</text>'
        f'<text x="175" y="50" font-size="11">K = {esc(k_text)} · {esc(zh)}</text>'
        "</g>"
        "</g></svg>"
    )
