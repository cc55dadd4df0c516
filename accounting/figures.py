"""How computed floats are written out: as decimal strings, never JSON floats.

Results are computed in float64 for speed; they leave the package as fixed-point
strings so that every consumer (JSON, canonical MessagePack, HTML) sees the same text.
"""

import math


def decimal_text(value: float, places: int = 6) -> str:
    """``1234.5`` → ``"1234.5"``: fixed point, trailing zeros trimmed, no ``-0``."""
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
