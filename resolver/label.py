"""The product carbon label (产品碳标签) and carbon-efficiency code (碳效码) to print.

A label is laid out once, as a list of drawing elements in millimetres-scaled units, and
then written as SVG (vector, for print shops) or PNG (300 dpi, for office printers). The QR
code carries the URL a phone should open: the item's GS1 Digital Link on the buyer's node
for a GTIN, otherwise the node's page for the identifier; both land on the buyer's page.
"""

import io
import shutil
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import quote

import segno
from PIL import Image, ImageDraw, ImageFont

from accounting.badge import GRADE_COLOURS, GRADE_LABELS
from accounting.efficiency import CarbonEfficiency
from accounting.svg import esc
from glid_core.errors import GlidError
from resolver.lookup import Lookup
from resolver.page_view import values_by_type

# 50 mm × 79 mm at 10 units per millimetre; PNG at 300 dpi.
WIDTH, HEIGHT = 500, 790
MM = 10
DPI = 300
INK, GREEN, PAPER = "#1d2327", "#0f3d2e", "#ffffff"
LANGUAGES = ("both", "zh", "en")


class LabelError(GlidError):
    """A label could not be made for this record."""


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    size: float
    text: str
    bold: bool = False
    colour: str = INK
    anchor: str = "start"  # start | middle


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    colour: str
    radius: float = 0


@dataclass(frozen=True, slots=True)
class Qr:
    x: float
    y: float
    size: float
    modules: tuple[tuple[bool, ...], ...]


@dataclass
class Label:
    elements: list[Text | Box | Qr] = field(default_factory=list)
    title: str = ""


def qr_url(found: Lookup, base: str) -> str:
    """What the QR code carries: a GS1 Digital Link for a GTIN, else the node's page URL."""
    base = base.rstrip("/")
    if found.scheme == "gs1":
        return f"{base}/{found.canonical.partition('/')[2]}"
    return f"{base}/id/{quote(found.handle, safe='/:')}"


def words(zh: str, en: str, lang: str) -> str:
    return {"zh": zh, "en": en}.get(lang, f"{zh} {en}")


def product_label(
    found: Lookup, base: str, lang: str, efficiency: CarbonEfficiency | None = None
) -> Label:
    """A product carbon label: name, footprint per declared unit, QR, and grade if known."""
    values = values_by_type(found)
    pcf = values.get("pcf_excluding_biogenic")
    if not isinstance(pcf, dict) or "value" not in pcf:
        raise LabelError(
            f"{found.handle} has no pcf_excluding_biogenic value; a carbon label needs the "
            "product's footprint (template 88/tpl.product-footprint)"
        )
    unit = str(values.get("declared_unit", "unit"))
    amount = str(values.get("declared_unit_amount", "1"))
    label = _frame(words("产品碳足迹", "Product carbon footprint", lang), found, base, lang)
    label.title = f"{values.get('product_name', found.handle)}: {pcf['value']} {pcf.get('unit')}"
    label.elements += [
        Text(WIDTH / 2, 140, 26, str(values.get("product_name", ""))[:40], True, anchor="middle"),
        Text(WIDTH / 2, 215, 64, str(pcf["value"]), True, GREEN, "middle"),
        Text(
            WIDTH / 2,
            252,
            24,
            f"{pcf.get('unit', 'kgCO2e')} / {amount} {unit}",
            True,
            anchor="middle",
        ),
        Text(
            WIDTH / 2,
            282,
            18,
            words(f"每{amount} {unit}（声明单位）", "per declared unit", lang),
            anchor="middle",
        ),
    ]
    if efficiency is not None:
        label.elements += _grade_elements(efficiency, lang, 296)
    return label


def efficiency_label(found: Lookup, base: str, lang: str, efficiency: CarbonEfficiency) -> Label:
    """An enterprise's carbon-efficiency code: the grade badge, K and the QR."""
    label = _frame(words("碳效码", "Carbon efficiency code", lang), found, base, lang)
    label.title = f"{efficiency.enterprise.enterprise_name}: grade {efficiency.grade}"
    label.elements.append(
        Text(WIDTH / 2, 140, 24, efficiency.enterprise.enterprise_name[:30], True, anchor="middle")
    )
    label.elements += _grade_elements(efficiency, lang, 200)
    return label


def _frame(heading: str, found: Lookup, base: str, lang: str) -> Label:
    """Border, heading band, QR code with its caption, and the identifier."""
    matrix = segno.make(qr_url(found, base), error="m").matrix
    modules = tuple(tuple(bool(cell) for cell in row) for row in matrix)
    return Label(
        [
            Box(0, 0, WIDTH, HEIGHT, GREEN, 24),
            Box(8, 8, WIDTH - 16, HEIGHT - 16, PAPER, 18),
            Box(8, 8, WIDTH - 16, 80, GREEN, 18),
            Box(8, 60, WIDTH - 16, 28, GREEN),
            Text(WIDTH / 2, 62, 26, heading, True, PAPER, "middle"),
            Qr(WIDTH / 2 - 105, 462, 210, modules),
            Text(
                WIDTH / 2, 712, 18, words("扫码验证", "Scan to verify", lang), True, anchor="middle"
            ),
            Text(WIDTH / 2, 748, 15, found.handle[:56], anchor="middle"),
        ]
    )


def _grade_elements(efficiency: CarbonEfficiency, lang: str, top: float) -> list[Text | Box]:
    grade = efficiency.grade
    zh, en = GRADE_LABELS[grade]
    k = efficiency.k.quantize(Decimal("0.01"))
    return [
        Box(50, top, 400, 110, "#334", 14),
        Box(290, top, 160, 110, GRADE_COLOURS[grade], 14),
        Text(70, top + 50, 30, "碳效码" if lang != "en" else "Carbon", True, PAPER),
        Text(
            70,
            top + 84,
            16,
            f"{words('碳效', 'efficiency', lang)} {efficiency.enterprise.year}",
            False,
            PAPER,
        ),
        Text(370, top + 62, 52, str(grade), True, PAPER, "middle"),
        Text(370, top + 94, 17, f"K = {k}", False, PAPER, "middle"),
        Text(
            WIDTH / 2,
            top + 140,
            18,
            words(f"等级 {grade}：{zh}", f"grade {grade}: {en}", lang),
            anchor="middle",
        ),
    ]


# --- writers ---------------------------------------------------------------------------


def to_svg(label: Label) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH / MM:g}mm" '
        f'height="{HEIGHT / MM:g}mm" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{esc(label.title)}"><title>{esc(label.title)}</title>'
    ]
    for element in label.elements:
        parts.append(_svg_element(element))
    parts.append("</svg>")
    return "".join(parts)


def _svg_element(element: Text | Box | Qr) -> str:
    if isinstance(element, Box):
        return (
            f'<rect x="{element.x}" y="{element.y}" width="{element.width}" '
            f'height="{element.height}" rx="{element.radius}" fill="{element.colour}"/>'
        )
    if isinstance(element, Text):
        weight = ' font-weight="bold"' if element.bold else ""
        return (
            f'<text x="{element.x}" y="{element.y}" font-size="{element.size}" '
            f'font-family="sans-serif" fill="{element.colour}" '
            f'text-anchor="{element.anchor}"{weight}>{esc(element.text)}</text>'
        )
    cell = element.size / len(element.modules)
    path = "".join(
        f"M{element.x + c * cell:.2f} {element.y + r * cell:.2f}h{cell:.2f}v{cell:.2f}h-{cell:.2f}z"
        for r, row in enumerate(element.modules)
        for c, dark in enumerate(row)
        if dark
    )
    return f'<path d="{path}" fill="#000" shape-rendering="crispEdges"/>'


def to_png(label: Label) -> bytes:
    """The label at 300 dpi; text in a CJK-capable system font where one is installed."""
    scale = DPI / 25.4 / MM
    image = Image.new("RGB", (round(WIDTH * scale), round(HEIGHT * scale)), PAPER)
    draw = ImageDraw.Draw(image)
    for element in label.elements:
        _draw(draw, element, scale)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(DPI, DPI))
    return out.getvalue()


def _draw(draw: ImageDraw.ImageDraw, element: Text | Box | Qr, scale: float) -> None:
    if isinstance(element, Box):
        box = [
            element.x * scale,
            element.y * scale,
            (element.x + element.width) * scale,
            (element.y + element.height) * scale,
        ]
        draw.rounded_rectangle(box, radius=element.radius * scale, fill=element.colour)
    elif isinstance(element, Text):
        font = _font(element.size * scale)
        anchor = "ms" if element.anchor == "middle" else "ls"
        draw.text(
            (element.x * scale, element.y * scale),
            element.text,
            fill=element.colour,
            font=font,
            anchor=anchor,
        )
    else:
        cell = element.size / len(element.modules) * scale
        for r, row in enumerate(element.modules):
            for c, dark in enumerate(row):
                if dark:
                    x, y = element.x * scale + c * cell, element.y * scale + r * cell
                    draw.rectangle([x, y, x + cell, y + cell], fill="#000")


def _font(size: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_file()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, round(size))


@cache
def _font_file() -> str | None:
    """A font that covers Chinese, as fontconfig chooses it; looked up once per process."""
    if shutil.which("fc-match") is None:
        return None
    result = subprocess.run(
        ["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or None


def write(label: Label, out: Path) -> None:
    """Write ``label`` to ``out``, as SVG or PNG by its suffix."""
    suffix = out.suffix.lower()
    if suffix == ".svg":
        out.write_text(to_svg(label), encoding="utf-8")
    elif suffix == ".png":
        out.write_bytes(to_png(label))
    else:
        raise LabelError(f"cannot write a label as {out.name!r}: give a .svg or .png file")
