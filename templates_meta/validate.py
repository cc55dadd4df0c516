"""Checking a record's values against its effective template, reporting every problem.

The effective template compiles once (per ref and field set) into a pydantic model whose
fields are the template's, named as they are (aliased only where BaseModel has the name),
so the per-record work is a dictionary build and one ``model_validate`` call. The
registration path wants all the errors of a record at once, each naming the field and
index, so an enterprise fixes a bulk file in one pass; :func:`validate_values` returns
them and :func:`check_values` raises them.

A record that follows its template takes a short way (:func:`_follows`): one loop that
stops at the first item not at its field's index with its field's data format (a
repeated item leaves fewer items than values), then the model; no error is worded. Any
other record takes the full walk, :func:`all_errors`, which finds and words every error,
so a refused record costs about twice an accepted one, and both ways agree on every
record (tests/templates_meta/test_short_way.py).
"""

import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, NotRequired

from annotated_types import Ge, Gt, Le, Len, Lt
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    GetPydanticSchema,
    Strict,
    StringConstraints,
    ValidationError,
    create_model,
)
from pydantic import Field as PydanticField
from pydantic_core import ErrorDetails, PydanticCustomError, core_schema
from typing_extensions import TypedDict

from glid_core.layout import FIRST_ITEM_INDEX, TEMPLATE_INDEX
from templates_meta.errors import InvalidTemplate, RecordInvalid
from templates_meta.inherit import EffectiveTemplate
from templates_meta.model import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    DECIMAL_PATTERN,
    IDENTIFIER_PATTERN,
    Field,
    FieldType,
    split_ref,
)
from templates_meta.units import UNITS, conversion_factor

_CONFIG = ConfigDict(extra="forbid")
_MODEL_CONFIG = ConfigDict(extra="forbid", protected_namespaces=())
"""A record's model: a field may be called "model" (the product-footprint template's is)."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One reason a record does not follow its template, tied to a field and its index.

    ``code`` classifies the reason for programs: unknown_field, index_mismatch, duplicate,
    malformed, format, template, missing, type, float, unit, bounds, pattern or enum.
    """

    name: str
    index: int
    reason: str
    code: str

    def __str__(self) -> str:
        return f"field {self.name} (index {self.index}): {self.reason}"


# What reading a value that is not shaped like a Handle value raises.
_NOT_HANDLE_SHAPED = (TypeError, KeyError, IndexError, AttributeError)


def validate_values(effective: EffectiveTemplate, values: Iterable[Any]) -> list[FieldError]:
    """Every way the record values break the template; an empty list means they follow it.

    ``values`` are in their JSON form (dicts, lists, str, int, float, bool, None, as a JSON
    or MessagePack decoder makes them; a subclass of str or int counts as one, a bool is
    not an int).
    """
    listed = values if type(values) is list else list(values)
    # A bulk import checks every record against the same effective template object.
    last = _LAST[0]
    compiled = last[1] if last is not None and last[0] is effective else _compiled(effective)
    if _follows(effective, compiled, listed):
        return []
    return _walk(effective, compiled, listed)


def all_errors(effective: EffectiveTemplate, values: Iterable[Any]) -> list[FieldError]:
    """The full walk behind :func:`validate_values`, without its short way for records that
    follow the template: the same answer, value by value (the reference the short way is
    tested against)."""
    return _walk(effective, _compiled(effective), list(values))


def _follows(effective: EffectiveTemplate, compiled: "_Compiled", values: list[Any]) -> bool:
    """Whether the record surely follows the template; False means "walk it", not "it breaks".

    Values below the item range sort first in a stored record (registry.records sorts by
    index), so they are checked one by one as a prefix. Each item after them must sit at
    its field's index with the data format its field's values call for: one lookup in
    ``compiled.layout`` (by format, then name) answers both, a name no field has or a
    format other than "string" and "json" raises KeyError, and ``operator.index`` refuses a
    float index (a bool index is never an item's). A repeated item shows as fewer items
    than values. Each check is the walk's, inlined in plain loops over local names: this
    runs once per record of a bulk import, and every bytecode per value counts.
    """
    start = 0
    try:
        for value in values:
            index = value["index"]
            if index >= FIRST_ITEM_INDEX:
                break
            name, item = value["type"], value["data"]["value"]
            if type(index) is not int or type(name) is not str:
                return False  # stricter than the walk, which has the last word
            if (
                index == TEMPLATE_INDEX
                and item != compiled.ref
                and not _names_template(effective, item)
            ):
                return False
            start += 1
        layout, as_index = compiled.layout, operator.index
        items = {}
        for value in values[start:]:
            data, name = value["data"], value["type"]
            if layout[data["format"]][name] != as_index(value["index"]):
                return False
            items[name] = data["value"]
    except _NOT_HANDLE_SHAPED:
        return False
    if len(items) != len(values) - start:
        return False
    try:
        compiled.model.model_validate(items)
    except ValidationError:
        return False
    return True


def _is_index(index: Any) -> bool:
    """An int that is not a bool: JSON's true and false are not indexes."""
    return isinstance(index, int) and not isinstance(index, bool)


def _walk(
    effective: EffectiveTemplate, compiled: "_Compiled", values: Sequence[Any]
) -> list[FieldError]:
    errors: list[FieldError] = []
    items: dict[str, Any] = {}
    for position, value in enumerate(values):
        try:
            index, name, data = value["index"], value["type"], value["data"]
            item = data["value"]
            written = data.get("format")
        except _NOT_HANDLE_SHAPED:
            errors.append(_malformed(position, value))
            continue
        if not (_is_index(index) and isinstance(name, str)):
            errors.append(_malformed(position, value))
            continue
        if index < FIRST_ITEM_INDEX:
            if index == TEMPLATE_INDEX and not _names_template(effective, item):
                errors.append(_wrong_template(effective, name, item))
            continue
        if compiled.names.get(index) != name:
            errors.append(_misplaced(effective, name, index))
        elif name in items:
            errors.append(
                FieldError(name, index, "the record carries this field twice", "duplicate")
            )
        else:
            if written != ("string" if isinstance(item, str) else "json"):
                errors.append(_wrong_format(name, index, written, item))
            items[name] = item
    try:
        compiled.model.model_validate(items)
    except ValidationError as exc:
        errors.extend(_translate(effective, detail) for detail in exc.errors(include_url=False))
    return errors


def check_values(effective: EffectiveTemplate, values: Iterable[Any]) -> None:
    """Raise :class:`RecordInvalid` listing every error when the values break the template."""
    errors = validate_values(effective, values)
    if errors:
        raise RecordInvalid(errors, effective.ref)


def _malformed(position: int, value: Any) -> FieldError:
    name = value.get("type") if isinstance(value, Mapping) else None
    index = value.get("index") if isinstance(value, Mapping) else None
    return FieldError(
        name if isinstance(name, str) else f"#{position}",
        index if type(index) is int else -1,
        f"record value #{position} is not of the form "
        '{"index": int, "type": str, "data": {"format": str, "value": ...}}',
        "malformed",
    )


def _wrong_format(name: str, index: int, written: Any, item: Any) -> FieldError:
    expected = "string" if isinstance(item, str) else "json"
    return FieldError(
        name,
        index,
        f"data.format is {written!r} but the value calls for {expected!r}"
        ' ("string" for a JSON string, "json" otherwise)',
        "format",
    )


def _names_template(effective: EffectiveTemplate, ref: Any) -> bool:
    """Whether a TEMPLATE value names the template the record is checked against."""
    try:
        return isinstance(ref, str) and _normalised_ref(ref) == effective.ref
    except InvalidTemplate:
        return False


def _wrong_template(effective: EffectiveTemplate, name: str, ref: Any) -> FieldError:
    return FieldError(
        name,
        TEMPLATE_INDEX,
        f"the record names template {ref!r} but is checked against {effective.ref}",
        "template",
    )


def _misplaced(effective: EffectiveTemplate, name: str, index: int) -> FieldError:
    at_index = effective.by_index.get(index)
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


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A template made ready for checking records: its ref, the model of its items, the
    field name each item index holds, and each field's index by data format and name (the
    short way's one lookup per value)."""

    ref: str
    model: type[BaseModel]
    names: dict[int, str]
    layout: dict[str, dict[str, int]]


_MODELS: dict[tuple[str, str], _Compiled] = {}
_LAST: list[tuple[EffectiveTemplate, _Compiled] | None] = [None]


def compiled_model(effective: EffectiveTemplate) -> type[BaseModel]:
    """The pydantic model of the template's items, built once per ref and field set."""
    return _compiled(effective).model


def _compiled(effective: EffectiveTemplate) -> _Compiled:
    key = (effective.ref, effective.digest)
    compiled = _MODELS.get(key)
    if compiled is None:
        definitions: dict[str, Any] = dict(map(_definition, effective.fields))
        model = create_model(
            f"Record_{re.sub(r'[^0-9A-Za-z]+', '_', effective.ref)}",
            __config__=_MODEL_CONFIG,
            **definitions,
        )
        layout: dict[str, dict[str, int]] = {"string": {}, "json": {}}
        for field in effective.fields:
            layout[_wire_format(field)][field.name] = field.index
        compiled = _Compiled(
            effective.ref, model, {field.index: field.name for field in effective.fields}, layout
        )
        _MODELS[key] = compiled
    _LAST[0] = (effective, compiled)
    return compiled


def _definition(field: Field) -> tuple[str, tuple[Any, Any]]:
    """The model attribute of a field and its (type, default): named as the field, so the
    model reads the item under its own key (an alias costs each record a little more),
    unless BaseModel has an attribute of that name (json, copy, schema, ...) or reserves
    its model_ prefix; then named f<index> and aliased by the field's name."""
    default = ... if field.required else None
    if hasattr(BaseModel, field.name) or field.name.startswith("model_"):
        return f"f{field.index}", (_annotation(field), PydanticField(default, alias=field.name))
    return field.name, (_annotation(field), PydanticField(default))


_STRING_TYPES = frozenset(
    {
        FieldType.STRING,
        FieldType.IDENTIFIER,
        FieldType.DECIMAL,
        FieldType.DATE,
        FieldType.DATETIME,
        FieldType.ENUM,
    }
)


def _wire_format(field: Field) -> str:
    """The data format of every value the model accepts for ``field``: "string" for a JSON
    string (text, identifiers, decimals, dates, enums), "json" for anything else."""
    return "string" if field.type in _STRING_TYPES else "json"


def _annotation(field: Field) -> Any:
    value = _value_annotation(field)
    if field.type is FieldType.LIST:
        return Annotated[list[value], Strict()]  # type: ignore[valid-type]
    return value


def _value_annotation(field: Field) -> Any:
    """The pydantic type of one value: core (Rust) checks first, Python only where needed."""
    kind = field.value_type
    if kind is FieldType.STRING:
        return Annotated[str, Strict(), *_template_pattern(field)]
    if kind is FieldType.IDENTIFIER:
        return Annotated[str, Strict(), _IDENTIFIER_SHAPE, *_template_pattern(field)]
    if kind is FieldType.INTEGER:
        return Annotated[int, Strict(), *_integer_bounds(field)]
    if kind is FieldType.BOOLEAN:
        return Annotated[bool, Strict()]
    if kind is FieldType.ENUM:
        return Literal[tuple(field.enum or ())]
    if kind is FieldType.DECIMAL:
        if field.min is None and field.max is None:
            return _DecimalText
        return Annotated[_DecimalText, AfterValidator(_decimal_bounds(field))]
    if kind is FieldType.DATE:
        return DateText
    if kind is FieldType.DATETIME:
        return _DateTimeText
    if kind is FieldType.QUANTITY:
        return Annotated[_Quantity, AfterValidator(_quantity_check(field))]
    if kind is FieldType.FACTOR_SOURCE:
        return _FactorSource
    if kind is FieldType.SECTOR_RULE:
        return _SectorRule
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


def _calendar_datetime(text: str) -> str:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise _fail("type", f"{text!r} is not a valid date and time") from None
    return text


_DecimalText = Annotated[str, Strict(), StringConstraints(pattern=DECIMAL_PATTERN)]
_IDENTIFIER_SHAPE = StringConstraints(pattern=IDENTIFIER_PATTERN)
_IdentifierText = Annotated[str, Strict(), _IDENTIFIER_SHAPE]
DateText = Annotated[
    str,
    GetPydanticSchema(
        lambda _source, _handler: core_schema.chain_schema(
            [
                core_schema.str_schema(strict=True, pattern=DATE_PATTERN),
                core_schema.date_schema(strict=False),
            ]
        )
    ),
]
"""A date as records carry it: a JSON string YYYY-MM-DD naming a calendar day. The shape,
then the calendar, both in pydantic-core: for text of that shape its date parser refuses
exactly what date.fromisoformat refuses."""
_DateTimeText = Annotated[
    str, Strict(), StringConstraints(pattern=DATETIME_PATTERN), AfterValidator(_calendar_datetime)
]


def _bounds_check(field: Field, unit: str | None) -> Callable[[Decimal], str | None]:
    """What a number outside the field's bounds (in the field's unit) must be, or None when
    it is within them; called only once a number is known to be outside (:func:`_range`)."""
    low, high = field.min_decimal, field.max_decimal
    low_exclusive, high_exclusive = field.exclusive_min, field.exclusive_max
    suffix = f" {unit}" if unit else ""

    def breach(number: Decimal) -> str | None:
        if low is not None and (number <= low if low_exclusive else number < low):
            return f"must be {'above' if low_exclusive else 'at least'} {low}{suffix}"
        if high is not None and (number >= high if high_exclusive else number > high):
            return f"must be {'below' if high_exclusive else 'at most'} {high}{suffix}"
        return None

    return breach


_Compare = Callable[[Decimal, Decimal], bool]


def _range(field: Field) -> tuple[Decimal | None, _Compare, Decimal | None, _Compare]:
    """(low, below, high, above): a number is outside when ``below(number, low)`` or
    ``above(number, high)``. The comparisons are operator's C functions, so a check costs
    no Python call beyond its own (the per-record path runs it for every bounded value)."""
    below = operator.le if field.exclusive_min else operator.lt
    above = operator.ge if field.exclusive_max else operator.gt
    return field.min_decimal, below, field.max_decimal, above


def _out_of_bounds(shown: str, breach: str | None) -> PydanticCustomError:
    return _fail("bounds", f"out of bounds: {shown} {breach}")


def _decimal_bounds(field: Field) -> Callable[[str], str]:
    low, below, high, above = _range(field)
    breach = _bounds_check(field, None)

    def check(text: str) -> str:
        number = Decimal(text)
        if (low is not None and below(number, low)) or (high is not None and above(number, high)):
            raise _out_of_bounds(text, breach(number))
        return text

    return check


def _integer_bounds(field: Field) -> list[Any]:
    low, high = field.min_decimal, field.max_decimal
    bounds: list[Any] = []
    if low is not None:
        bounds.append(Gt(int(low)) if field.exclusive_min else Ge(int(low)))
    if high is not None:
        bounds.append(Lt(int(high)) if field.exclusive_max else Le(int(high)))
    return bounds


def _template_pattern(field: Field) -> list[Any]:
    """A template's own pattern, matched with Python's re (search), as the format says."""
    if field.pattern is None:
        return []
    pattern = field.pattern
    compiled = re.compile(pattern)

    def check(text: str) -> str:
        if compiled.search(text) is None:
            raise _fail("pattern", f"{text!r} does not match the pattern {pattern}")
        return text

    return [AfterValidator(check)]


class _Quantity(TypedDict):
    __pydantic_config__ = _CONFIG  # type: ignore[misc]
    value: _DecimalText
    unit: Annotated[str, Strict()]


class _Input(TypedDict):
    __pydantic_config__ = _CONFIG  # type: ignore[misc]
    id: _IdentifierText
    quantity: _Quantity
    material: NotRequired[Annotated[str, Strict()]]
    """The material whose secondary factor stands in if the supplier's record is unusable."""


_Text = Annotated[str, Strict(), StringConstraints(min_length=1)]


class _FactorSource(TypedDict):
    """A secondary emission factor database, as PACT's EmissionFactorSource."""

    __pydantic_config__ = _CONFIG  # type: ignore[misc]
    name: _Text
    version: _Text


class _SectorRule(TypedDict):
    """Product or sector specific rules, as PACT's ProductOrSectorSpecificRule."""

    __pydantic_config__ = _CONFIG  # type: ignore[misc]
    operator: Literal["PEF", "EPD International", "Other"]
    ruleNames: Annotated[list[_Text], Strict(), Len(min_length=1)]
    otherOperatorName: NotRequired[_Text]


def _quantity_check(field: Field) -> Callable[[_Quantity], _Quantity]:
    """Check a quantity's unit against the field's dimension, and its converted bounds."""
    factors, wanted = _unit_factors(field)
    low, below, high, above = _range(field)
    breach = _bounds_check(field, field.unit)
    bounded = low is not None or high is not None

    def check(quantity: _Quantity) -> _Quantity:
        symbol = quantity["unit"]
        factor = factors.get(symbol)
        if factor is None:
            raise _unit_refused(symbol, wanted)
        if bounded:
            number = Decimal(quantity["value"]) * factor
            if (low is not None and below(number, low)) or (
                high is not None and above(number, high)
            ):
                shown = f"{quantity['value']} {symbol}"
                if symbol != field.unit:
                    shown += f" (= {number.normalize():f} {field.unit})"
                raise _out_of_bounds(shown, breach(number))
        return quantity

    return check


def _input_check(field: Field) -> Callable[[_Input], _Input]:
    factors, wanted = _unit_factors(field)

    def check(supply: _Input) -> _Input:
        symbol = supply["quantity"]["unit"]
        if symbol not in factors:
            raise _unit_refused(symbol, wanted)
        return supply

    return check


def _unit_factors(field: Field) -> tuple[dict[str, Decimal], str]:
    """The units a value of the field may use, each with its factor into the field's unit,
    and how to word what was expected."""
    if field.unit is None:
        return {symbol: Decimal(1) for symbol in UNITS}, "a known unit"
    dimension = UNITS[field.unit].dimension
    factors = {
        symbol: conversion_factor(symbol, field.unit)
        for symbol, unit in UNITS.items()
        if unit.dimension == dimension
    }
    return factors, f"a unit of {dimension} like {field.unit}"


def _unit_refused(symbol: str, wanted: str) -> PydanticCustomError:
    if symbol in UNITS:
        return _fail("unit", f"unit {symbol} measures {UNITS[symbol].dimension}; expected {wanted}")
    return _fail("unit", f"unknown unit {symbol!r}; expected {wanted}")


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
_NOT_A_DATE = frozenset({"date_parsing", "date_from_datetime_parsing"})
"""What pydantic-core says of text of the form YYYY-MM-DD that names no day: year 0 fails
its date parser, an impossible month or day its fall-back reading as a date-time."""
_SHAPES = {
    DECIMAL_PATTERN: 'a decimal string like "12.5"',
    IDENTIFIER_PATTERN: "an identifier of the form PREFIX/SUFFIX",
    DATE_PATTERN: "a date of the form YYYY-MM-DD",
    DATETIME_PATTERN: "a date-time like 2026-01-01T00:00:00Z (with a zone)",
}


def _translate(effective: EffectiveTemplate, detail: ErrorDetails) -> FieldError:
    loc = detail["loc"]
    field = effective.by_name[str(loc[0])]
    code, reason = _reason(field, detail, loc[1:])
    return FieldError(field.name, field.index, reason, code)


def _path(loc: tuple[int | str, ...]) -> str:
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in loc)
    return text.removeprefix(".")


def _slot(field: Field, loc: tuple[int | str, ...]) -> FieldType | None:
    """What the failing value was meant to be: a decimal, a date, ... (None: anything else)."""
    last = loc[-1] if loc else None
    if last is None or isinstance(last, int):
        return field.value_type
    if last == "value":
        return FieldType.DECIMAL
    return None


def _reason(field: Field, detail: ErrorDetails, loc: tuple[int | str, ...]) -> tuple[str, str]:
    kind, value = detail["type"], detail["input"]
    path = _path(loc)
    at = f"{path}: " if path else ""
    ctx = detail.get("ctx", {})
    if kind == "missing":
        return ("missing", "required field is missing") if not path else ("type", f"{at}missing")
    if kind == "string_type":
        return _not_a_string(_slot(field, loc), value, at)
    if kind == "literal_error":
        allowed = ", ".join(field.enum) if field.enum else str(ctx["expected"])
        if isinstance(value, str):
            return "enum", f"{at}{value!r} is not one of {allowed}"
        return "type", f"{at}expected one of {allowed}, got {_json_type(value)}"
    if kind in _TYPE_NAMES:
        return "type", f"{at}expected {_TYPE_NAMES[kind]}, got {_json_type(value)}"
    if kind in _BOUND_WORDS:
        words, key = _BOUND_WORDS[kind]
        return "bounds", f"{at}out of bounds: {value} must be {words} {ctx[key]}"
    if kind == "string_pattern_mismatch":
        return "type", f"{at}{value!r} is not {_SHAPES[ctx['pattern']]}"
    if kind in _NOT_A_DATE:
        return "type", f"{at}{value!r} is not a calendar date"
    if kind == "extra_forbidden":
        return "type", f"{at}is not expected here"
    if isinstance(reason := ctx.get("reason"), str):
        return kind, f"{at}{reason}"
    return "type", f"{at}{detail['msg']}"


def _not_a_string(slot: FieldType | None, value: Any, at: str) -> tuple[str, str]:
    if slot is FieldType.DECIMAL:
        if isinstance(value, float):
            return (
                "float",
                f'{at}{value!r} is a JSON float where a decimal string is required: send "{value}"',
            )
        if isinstance(value, int) and not isinstance(value, bool):
            return "type", f"{at}{value} is a JSON number where a decimal string is required"
        return "type", f'{at}expected a decimal string like "12.5", got {_json_type(value)}'
    if slot is FieldType.DATE:
        return "type", f"{at}expected a date string YYYY-MM-DD, got {_json_type(value)}"
    if slot is FieldType.DATETIME:
        return "type", f"{at}expected an RFC 3339 date-time string, got {_json_type(value)}"
    return "type", f"{at}expected a string, got {_json_type(value)}"


def referenced_template(values: Iterable[Any]) -> str | None:
    """The ID@VERSION a record's TEMPLATE value (index 1001) names, normalised, if any."""
    for value in values:
        if not (type(value) is dict or isinstance(value, Mapping)):
            continue
        if value.get("index") == TEMPLATE_INDEX:
            data = value.get("data")
            ref = data.get("value") if type(data) is dict or isinstance(data, Mapping) else None
            if isinstance(ref, str):
                return _normalised_ref(ref)
    return None


@lru_cache(maxsize=1024)
def _normalised_ref(ref: str) -> str:
    # A bulk import names the same few templates in every record: parse each once. A
    # malformed ref raises, and lru_cache keeps no entry for it.
    template_id, version = split_ref(ref)
    return f"{template_id}@{version}"
