"""Small helpers for writing SVG by hand: escaping and number formatting.

Reports must be self-contained files with no scripts or external assets, so charts are
plain SVG strings built here rather than by a plotting library.
"""

from xml.sax.saxutils import escape as _escape


def esc(text: object) -> str:
    """Text safe inside an SVG/HTML element or a double-quoted attribute."""
    return _escape(str(text), {'"': "&quot;"})


def num(value: float) -> str:
    """A coordinate with at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
