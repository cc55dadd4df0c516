"""Chart labels fit: the label column is as wide as the widest label needs."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from accounting.charts import bar_chart, text_width

LONG = "purchased_electricity (购入电力 purchased electricity)"


def test_a_long_bilingual_label_is_not_clipped_on_the_left() -> None:
    svg = bar_chart([(LONG, 9656.92), ("diesel (柴油)", 56.35)], "tCO2e", "by source")
    # labels are right-aligned at x = label column width; they start at x - width >= 0
    anchor = float(re.search(r'<text x="([\d.]+)"[^>]*text-anchor="end"', svg).group(1))
    assert anchor - text_width(LONG, 12) >= 0
    width = float(re.search(r'width="([\d.]+)"', svg).group(1))
    assert width > anchor + 300, "the plot keeps its own width beside a wide label column"


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_a_wide_character_counts_at_least_as_much_as_a_narrow_one(label: str) -> None:
    assert text_width(label + "碳", 12) >= text_width(label + "c", 12) >= text_width(label, 12)
