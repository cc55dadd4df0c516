"""Checking a record's values against its effective template, reporting every problem.

The effective template compiles once (per ref and field set) into a pydantic model whose
fields are the template's, aliased by field name, so the per-record work is a dictionary
build and one ``model_validate`` call. The registration path wants all the errors of a
record at once, each naming the field and index, so an enterprise fixes a bulk file in
one pass; :func:`validate_values` returns them and :func:`check_values` raises them.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    StringConstraints,
    ValidationError,
    create_model,
)
from pydantic import Field as PydanticField
from pydantic_core import ErrorDetails, PydanticCustomError
from typing_extensions import TypedDict

from templates_meta.errors import InvalidTemplate, RecordInvalid
from templates_meta.inherit import EffectiveTemplate
from templates_meta.model import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    DECIMAL_PATTERN,
    FIRST_ITEM_INDEX,
    IDENTIFIER_PATTERN,
    Field,
    FieldType,
    split_ref,
)
from templates_meta.units import UNITS, conversion_factor

TEMPLATE_INDEX = 1001

_DECIMAL = re.compile(DECIMAL_PATTERN)
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_DATETIME = re.compile(DATETIME_PATTERN)
_CONFIG = ConfigDict(extra="forbid", regex_engine="python-re")


@dataclass(frozen=True, slots=True)
class FieldError:
    """One reason a record does not follow its template, tied to a field and its index.

    ``code`` classifies the reason for programs: unknown_field, index_mismatch, duplicate,
    malformed, format, template, missing, type, float, unit, bounds, pattern or enum.
    """

    name: str
    index: int
    reason: str
    code: str = "invalid"

    def __str__(self) -> str:
        return f"field {self.name} (index {self.index}): {self.reason}"


def validate_values(effective: EffectiveTemplate, values: Iterable[Any]) -> list[FieldError]:
    """Every way the record values break the template; an empty list means they follow it."""
    errors: list[FieldError] = []
    items: dict[str, Any] = {}
    for position, value in enumerate(values):
        _collect(effective, position, value, items, errors)
    try:
        compiled_model(effective).model_validate(items)
    except ValidationError as exc:
        errors.extend(_translate(effective, detail) for detail in exc.errors(include_url=False))
    return errors


def check_values(effective: EffectiveTemplate, values: Iterable[Any]) -> None:
    """Raise :class:`RecordInvalid` listing every error when the values break the template."""
    errors = validate_values(effective, values)
    if errors:
        raise RecordInvalid(errors, effective.ref)


def _collect(
    effective: EffectiveTemplate,
    position: int,
    value: Any,
    items: dict[str, Any],
    errors: list[FieldError],
) -> None:
    """Put one record value's field value in ``items``, or say why it cannot go there."""
    index = value.get("index") if isinstance(value, Mapping) else None
    name = value.get("type") if isinstance(value, Mapping) else None
    data = value.get("data") if isinstance(value, Mapping) else None
    if (
        not isinstance(index, int)
        or isinstance(index, bool)
        or not isinstance(name, str)
        or not isinstance(data, Mapping)
        or "value" not in data
    ):
        errors.append(
            FieldError(
                name if isinstance(name, str) else f"#{position}",
                index if isinstance(index, int) else -1,
                f"record value #{position} is not of the form "
                '{"index": int, "type": str, "data": {"format": str, "value": ...}}',
                "malformed",
            )
        )
        return
    if index < FIRST_ITEM_INDEX:
        if index == TEMPLATE_INDEX:
            _check_template_value(effective, name, data["value"], errors)
        return
    field = effective.by_index.get(index)
    if field is None or field.name != name:
        errors.append(_misplaced(effective, name, index, field))
        return
    if name in items:
        errors.append(FieldError(name, index, "the record carries this field twice", "duplicate"))
        return
    field_value = data["value"]
    expected_format = "string" if isinstance(field_value, str) else "json"
    if data.get("format") != expected_format:
        errors.append(
            FieldError(
                name,
                index,
                f"data.format is {data.get('format')!r} but the value calls for "
                f'{expected_format!r} ("string" for a JSON string, "json" otherwise)',
                "format",
            )
        )
    items[name] = field_value


def _check_template_value(
    effective: EffectiveTemplate, name: str, ref: Any, errors: list[FieldError]
) -> None:
    try:
        named = "@".join(split_ref(ref)) if isinstance(ref, str) else None
    except InvalidTemplate:
        named = None
    if named != effective.ref:
        errors.append(
            FieldError(
                name,
                TEMPLATE_INDEX,
                f"the record names template {ref!r} but is checked against {effective.ref}",
                "template",
            )
        )


def _misplaced(
    effective: EffectiveTemplate, name: str, index: int, at_index: Field | None
) -> FieldError:
    by_name = effective.by_name.get(name)
    if by_name is not None:
        return FieldError(
            name,
            index,
            f"field {name!r} belongs at index {by_name.index}, not {index}",
            "index_mismatch",
        )
    if at_index is not None:
        return FieldError(
            name,
            index,
            f"index {index} holds field {at_index.name!r} in {effective.ref}, not {name!r}",
            "index_mismatch",
        )
    return FieldError(
        name,
        index,
        f"{effective.ref} has no field {name!r} and no field at index {index}",
        "unknown_field",
    )


# -- compiling an effective template into a pydantic model -------------------------------

_MODELS: dict[tuple[str, str], type[BaseModel]] = {}


def compiled_model(effective: EffectiveTemplate) -> type[BaseModel]:
    """The pydantic model of the template's items, built once per ref and field set."""
    key = (effective.ref, effective.digest)
    model = _MODELS.get(key)
    if model is None:
        definitions: dict[str, Any] = {
            f"f{field.index}": (
                _annotation(field),
                PydanticField(... if field.required else None, alias=field.name),
            )
            for field in effective.fields
        }
        model = create_model(
            f"Record_{re.sub(r'[^0-9A-Za-z]+', '_', effective.ref)}",
            __config__=_CONFIG,
            **definitions,
        )
        _MODELS[key] = model
    return model


def _annotation(field: Field) -> Any:
    value = _value_annotation(field)
    if field.type is FieldType.LIST:
        return Annotated[list[value], Strict()]  # type: ignore[valid-type]
    return value


def _value_annotation(field: Field) -> Any:
    kind = field.value_type
    if kind is FieldType.STRING:
        return Annotated[str, Strict(), *_pattern(field)]
    if kind is FieldType.IDENTIFIER:
        return Annotated[str, Strict(), AfterValidator(_identifier), *_pattern(field)]
    if kind is FieldType.INTEGER:
        return Annotated[int, Strict(), *_integer_bounds(field)]
    if kind is FieldType.BOOLEAN:
        return Annotated[bool, Strict()]
    if kind is FieldType.ENUM:
        return Annotated[str, BeforeValidator(_enum_check(field.enum or ()))]
    if kind is FieldType.DECIMAL:
        return Annotated[str, BeforeValidator(_decimal_check(_bounds_check(field, None)))]
    if kind is FieldType.DATE:
        return Annotated[str, BeforeValidator(_date)]
    if kind is FieldType.DATETIME:
        return Annotated[str, BeforeValidator(_datetime)]
    if kind is FieldType.QUANTITY:
        return Annotated[_Quantity, AfterValidator(_quantity_check(field))]
    return Annotated[_Input, AfterValidator(_input_check(field))]


def _fail(code: str, reason: str) -> PydanticCustomError:
    return PydanticCustomError(code, "{reason}", {"reason": reason})


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return "null" if value is None else type(value).__name__


def _decimal_text(value: Any) -> Decimal:
    if isinstance(value, str):
        if _DECIMAL.match(value):
            return Decimal(value)
        raise _fail("type", f'{value!r} is not a decimal string like "12.5"')
    if isinstance(value, float):
        raise _fail(
            "float",
            f'{value!r} is a JSON float where a decimal string is required: send "{value}"',
        )
    if isinstance(value, int) and not isinstance(value, bool):
        raise _fail("type", f"{value} is a JSON number where a decimal string is required")
    raise _fail("type", f'expected a decimal string like "12.5", got {_json_type(value)}')


def _decimal_check(bounds: Callable[[Decimal, str], None] | None) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        number = _decimal_text(value)
        if bounds is not None:
            bounds(number, value)
        return value

    return check


def _bounds_check(field: Field, unit: str | None) -> Callable[[Decimal, str], None]:
    """A check of a number already expressed in the field's unit against min and max."""
    low, high = field.min_decimal, field.max_decimal
    low_exclusive, high_exclusive = field.exclusive_min, field.exclusive_max
    suffix = f" {unit}" if unit else ""

    def check(number: Decimal, shown: str) -> None:
        if low is not None and (number <= low if low_exclusive else number < low):
            relation = "above" if low_exclusive else "at least"
            raise _fail("bounds", f"out of bounds: {shown} must be {relation} {low}{suffix}")
        if high is not None and (number >= high if high_exclusive else number > high):
            relation = "below" if high_exclusive else "at most"
            raise _fail("bounds", f"out of bounds: {shown} must be {relation} {high}{suffix}")

    return check


def _integer_bounds(field: Field) -> list[Any]:
    low, high = field.min_decimal, field.max_decimal
    bounds: list[Any] = []
    if low is not None:
        bounds.append(Gt(int(low)) if field.exclusive_min else Ge(int(low)))
    if high is not None:
        bounds.append(Lt(int(high)) if field.exclusive_max else Le(int(high)))
    return bounds


def _pattern(field: Field) -> list[Any]:
    return [StringConstraints(pattern=field.pattern)] if field.pattern else []


def _identifier(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise _fail("type", f"{value!r} is not an identifier of the form PREFIX/SUFFIX")
    return value


def _enum_check(allowed: tuple[str, ...]) -> Callable[[Any], Any]:
    choices = frozenset(allowed)

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise _fail("type", f"expected one of {', '.join(allowed)}, got {_json_type(value)}")
        if value not in choices:
            raise _fail("enum", f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return check


def _date(value: Any) -> Any:
    if not isinstance(value, str):
        raise _fail("type", f"expected a date string YYYY-MM-DD, got {_json_type(value)}")
    if not _DATE.match(value):
        raise _fail("type", f"{value!r} is not a date of the form YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise _fail("type", f"{value!r} is not a calendar date") from None
    return value


def _datetime(value: Any) -> Any:
    if not isinstance(value, str):
        raise _fail("type", f"expected an RFC 3339 date-time string, got {_json_type(value)}")
    if not _DATETIME.match(value):
        raise _fail("type", f"{value!r} is not a date-time like 2026-01-01T00:00:00Z (with a zone)")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise _fail("type", f"{value!r} is not a valid date and time") from None
    return value


class _Quantity(TypedDict):
    __pydantic_config__ = _CONFIG  # type: ignore[misc]
    value: Annotated[str, BeforeValidator(_decimal_check(None))]
    unit: Annotated[str, Strict()]


class _Input(TypedDict):
    __pydantic_config__ = _CONFIG  # type: ignore[misc]
    id: Annotated[str, Strict(), AfterValidator(_identifier)]
    quantity: _Quantity


def _quantity_check(field: Field) -> Callable[[_Quantity], _Quantity]:
    """Check a quantity's unit against the field's dimension, and its converted bounds."""
    unit_factor = _unit_factors(field)
    bounds = _bounds_check(field, field.unit)
    bounded = field.min is not None or field.max is not None

    def check(quantity: _Quantity) -> _Quantity:
        factor = unit_factor(quantity["unit"])
        if bounded:
            number = Decimal(quantity["value"]) * factor
            shown = f"{quantity['value']} {quantity['unit']}"
            if quantity["unit"] != field.unit:
                shown += f" (= {number.normalize():f} {field.unit})"
            bounds(number, shown)
        return quantity

    return check


def _input_check(field: Field) -> Callable[[_Input], _Input]:
    unit_factor = _unit_factors(field)

    def check(supply: _Input) -> _Input:
        unit_factor(supply["quantity"]["unit"])
        return supply

    return check


def _unit_factors(field: Field) -> Callable[[str], Decimal]:
    """Map a unit to the factor into the field's unit, refusing unknown or foreign units."""
    if field.unit is None:
        factors = {symbol: Decimal(1) for symbol in UNITS}
        wanted = "a known unit"
    else:
        dimension = UNITS[field.unit].dimension
        factors = {
            symbol: conversion_factor(symbol, field.unit)
            for symbol, unit in UNITS.items()
            if unit.dimension == dimension
        }
        wanted = f"a unit of {dimension} like {field.unit}"

    def factor(symbol: str) -> Decimal:
        found = factors.get(symbol)
        if found is None:
            if symbol in UNITS:
                raise _fail(
                    "unit",
                    f"unit {symbol} measures {UNITS[symbol].dimension}; expected {wanted}",
                )
            raise _fail("unit", f"unknown unit {symbol!r}; expected {wanted}")
        return found

    return factor


# -- turning pydantic's errors into field errors -------------------------------------------

_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "a boolean",
    "list_type": "a list",
    "dict_type": "an object",
}
_BOUND_WORDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("above", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("below", "lt"),
}


def _translate(effective: EffectiveTemplate, detail: ErrorDetails) -> FieldError:
    loc = detail["loc"]
    field = effective.by_name[str(loc[0])]
    path = _path(loc[1:])
    code, reason = _reason(detail, path)
    return FieldError(field.name, field.index, reason, code)


def _path(loc: tuple[int | str, ...]) -> str:
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in loc)
    return text.removeprefix(".")


def _reason(detail: ErrorDetails, path: str) -> tuple[str, str]:
    kind, value = detail["type"], detail["input"]
    at = f"{path}: " if path else ""
    ctx = detail.get("ctx", {})
    if kind == "missing":
        return ("missing", "required field is missing") if not path else ("type", f"{at}missing")
    if kind in _TYPE_NAMES:
        return "type", f"{at}expected {_TYPE_NAMES[kind]}, got {_json_type(value)}"
    if kind in _BOUND_WORDS:
        words, key = _BOUND_WORDS[kind]
        return "bounds", f"{at}out of bounds: {value} must be {words} {ctx[key]}"
    if kind == "string_pattern_mismatch":
        return "pattern", f"{at}{value!r} does not match the pattern {ctx['pattern']}"
    if kind == "extra_forbidden":
        return "type", f"{at}is not expected here"
    if isinstance(reason := ctx.get("reason"), str):
        return kind, f"{at}{reason}"
    return "type", f"{at}{detail['msg']}"


def referenced_template(values: Iterable[Any]) -> str | None:
    """The ID@VERSION a record's TEMPLATE value (index 1001) names, normalised, if any."""
    for value in values:
        if isinstance(value, Mapping) and value.get("index") == TEMPLATE_INDEX:
            data = value.get("data")
            ref = data.get("value") if isinstance(data, Mapping) else None
            if isinstance(ref, str):
                template_id, version = split_ref(ref)
                return f"{template_id}@{version}"
    return None
