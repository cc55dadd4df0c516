"""Reading template fields by name out of Handle-style record values.

A record is a list of ``{index, type, data: {format, value}, ...}``; template items sit
at index 2000 and above with the field name as ``type``. Accounting reads fields by
name, never by index, so an industry template that extends a public one (and shifts
indexes) is read the same way.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from accounting.errors import FieldError
from glid_core.layout import FIRST_ITEM_INDEX, TEMPLATE_INDEX
from templates_meta.units import UNITS, unit


def read_values(
    values: Iterable[Mapping[str, Any]], *, record: str
) -> tuple[dict[str, Any], str | None]:
    """Field name → JSON value for the template items, and the ``TEMPLATE_ID@VERSION``
    declared at index 1001 (None if absent), in one pass over the values."""
    fields: dict[str, Any] = {}
    template = None
    try:
        for value in values:
            index = value["index"]
            if index >= FIRST_ITEM_INDEX:
                fields[value["type"]] = value["data"]["value"]
            elif index == TEMPLATE_INDEX and isinstance(value["data"]["value"], str):
                template = value["data"]["value"]
    except (KeyError, TypeError) as exc:
        raise FieldError(f"{record}: a record value is malformed ({exc!r})") from None
    return fields, template


def template_fields(values: Iterable[Mapping[str, Any]], *, record: str) -> dict[str, Any]:
    """Map field name → JSON value for the template items of a record."""
    return read_values(values, record=record)[0]


def to_decimal(raw: Any, *, where: str) -> Decimal:
    """A decimal carried as a JSON string (integers are accepted; floats never are)."""
    if type(raw) is not str and (isinstance(raw, bool) or not isinstance(raw, (str, int))):
        raise FieldError(f"{where}: expected a decimal string, got {raw!r}")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise FieldError(f"{where}: {raw!r} is not a decimal number") from None
    if not number.is_finite():
        raise FieldError(f"{where}: {raw!r} is not a finite number")
    return number


def to_quantity(raw: Any, *, where: str, default_unit: str | None = None) -> tuple[Decimal, str]:
    """``{"value": "12.5", "unit": "t"}`` → ``(Decimal("12.5"), "t")``.

    A bare decimal string is accepted only where the field has a documented default unit.
    """
    if type(raw) is dict or isinstance(raw, Mapping):
        symbol = raw.get("unit")
        if "value" not in raw or symbol is None:
            raise FieldError(f"{where}: a quantity needs both 'value' and 'unit', got {raw!r}")
        if symbol not in UNITS:
            unit(str(symbol))  # raises UnitError naming the known units
        return to_decimal(raw["value"], where=where), symbol
    if default_unit is not None:
        return to_decimal(raw, where=where), default_unit
    raise FieldError(f"{where}: expected a quantity {{'value', 'unit'}}, got {raw!r}")
