"""Readers of record fields and the decimal writer."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounting.errors import FieldError
from accounting.figures import decimal_text
from accounting.records import template_fields, to_decimal, to_quantity
from templates_meta.errors import UnitError


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False))
def test_decimal_text_round_trips_six_places(value: Decimal) -> None:
    # within float precision: 15 significant digits
    text = decimal_text(float(value))
    assert abs(Decimal(text) - value) <= Decimal("0.000001")
    assert text != "-0" and not text.endswith(".") and "e" not in text.lower()


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=0, max_value=10**9))
def test_quantities_read_back_exactly(value: Decimal) -> None:
    assert to_quantity({"value": str(value), "unit": "t"}, where="f") == (value, "t")


def test_refusals_name_the_field() -> None:
    with pytest.raises(FieldError, match=r"f: expected a decimal string, got 1\.5"):
        to_decimal(1.5, where="f")
    with pytest.raises(FieldError, match="not a finite"):
        to_decimal("Infinity", where="f")
    with pytest.raises(FieldError, match="needs both"):
        to_quantity({"value": "1"}, where="f")
    with pytest.raises(FieldError, match="expected a quantity"):
        to_quantity("1", where="f")
    assert to_quantity("62.5", where="f", default_unit="%") == (Decimal("62.5"), "%")
    with pytest.raises(UnitError, match="unknown unit"):
        to_quantity({"value": "1", "unit": "furlong"}, where="f")
    with pytest.raises(FieldError, match="r1: a record value is malformed"):
        template_fields([{"index": 2000}], record="r1")
