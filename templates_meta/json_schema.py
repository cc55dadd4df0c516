"""JSON Schema (2020-12) of a template's items, for tools outside glid.

The schema describes the record's template items as one JSON object keyed by field name
(the same object :func:`templates_meta.validate.validate_values` builds from the Handle
values), so a form generator or a supplier's own validator can check data before it is
registered. Decimal bounds cannot be stated on strings in JSON Schema and unit
conversion is beyond it, so they travel as ``x-glid-*`` annotations that JSON Schema
validators ignore; glid's own validation enforces them.
"""

import copy
from typing import Any

from templates_meta.inherit import EffectiveTemplate
from templates_meta.model import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    DECIMAL_PATTERN,
    IDENTIFIER_PATTERN,
    Field,
    FieldType,
)
from templates_meta.units import UNITS

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_DEFINITIONS: dict[str, Any] = {
    "decimal": {"type": "string", "pattern": DECIMAL_PATTERN},
    "identifier": {"type": "string", "pattern": IDENTIFIER_PATTERN},
    "quantity": {
        "type": "object",
        "properties": {
            "value": {"$ref": "#/$defs/decimal"},
            "unit": {"enum": list(UNITS)},
        },
        "required": ["value", "unit"],
        "additionalProperties": False,
    },
}


def export_json_schema(effective: EffectiveTemplate) -> dict[str, Any]:
    """The JSON Schema of a record's items under ``effective``, keyed by field name."""
    template = effective.template
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "title": template.title.en,
        "description": template.description or template.title.zh,
        "x-glid-template": effective.ref,
        "x-glid-title": template.title.model_dump(),
        "type": "object",
        "properties": {field.name: _field_schema(field) for field in effective.fields},
        "required": [field.name for field in effective.required],
        "additionalProperties": False,
        "$defs": copy.deepcopy(_DEFINITIONS),
    }
    return schema


def _field_schema(field: Field) -> dict[str, Any]:
    value = _value_schema(field)
    schema: dict[str, Any] = value
    if field.type is FieldType.LIST:
        schema = {"type": "array", "items": value}
    schema["title"] = field.labels.en
    if field.description:
        schema["description"] = field.description
    schema["x-glid-index"] = field.index
    schema["x-glid-labels"] = field.labels.model_dump()
    return schema


def _value_schema(field: Field) -> dict[str, Any]:
    kind = field.value_type
    if kind is FieldType.STRING:
        return _with_pattern({"type": "string"}, field)
    if kind is FieldType.IDENTIFIER:
        return _with_pattern({"$ref": "#/$defs/identifier"}, field)
    if kind is FieldType.INTEGER:
        return {"type": "integer", **_numeric_bounds(field)}
    if kind is FieldType.DECIMAL:
        return {"$ref": "#/$defs/decimal", **_annotated_bounds(field), **_unit(field)}
    if kind is FieldType.BOOLEAN:
        return {"type": "boolean"}
    if kind is FieldType.DATE:
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    if kind is FieldType.DATETIME:
        return {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}
    if kind is FieldType.ENUM:
        return {"type": "string", "enum": list(field.enum or ())}
    if kind is FieldType.QUANTITY:
        return _quantity(field)
    if kind is FieldType.FACTOR_SOURCE:
        return _object({"name": _TEXT, "version": _TEXT}, ["name", "version"])
    if kind is FieldType.SECTOR_RULE:
        return _object(
            {
                "operator": {"enum": ["PEF", "EPD International", "Other"]},
                "ruleNames": {"type": "array", "items": _TEXT, "minItems": 1},
                "otherOperatorName": _TEXT,
            },
            ["operator", "ruleNames"],
        )
    return _object(
        {
            "id": {"$ref": "#/$defs/identifier"},
            "quantity": _quantity(field),
            "material": {"type": "string"},
        },
        ["id", "quantity"],
    )


_TEXT = {"type": "string", "minLength": 1}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _quantity(field: Field) -> dict[str, Any]:
    if field.unit is None:
        return {"$ref": "#/$defs/quantity", **_annotated_bounds(field)}
    dimension = UNITS[field.unit].dimension
    units = [symbol for symbol, unit in UNITS.items() if unit.dimension == dimension]
    return {
        "type": "object",
        "properties": {"value": {"$ref": "#/$defs/decimal"}, "unit": {"enum": units}},
        "required": ["value", "unit"],
        "additionalProperties": False,
        **_unit(field),
        **_annotated_bounds(field),
    }


def _with_pattern(schema: dict[str, Any], field: Field) -> dict[str, Any]:
    if field.pattern is None:
        return schema
    if "pattern" in schema or "$ref" in schema:
        return {"allOf": [schema, {"pattern": field.pattern}]}
    return {**schema, "pattern": field.pattern}


def _numeric_bounds(field: Field) -> dict[str, int]:
    bounds = {}
    if field.min is not None:
        bounds["exclusiveMinimum" if field.exclusive_min else "minimum"] = int(field.min)
    if field.max is not None:
        bounds["exclusiveMaximum" if field.exclusive_max else "maximum"] = int(field.max)
    return bounds


def _annotated_bounds(field: Field) -> dict[str, str]:
    """Bounds on decimal strings, in the field's unit: annotations, enforced by glid."""
    bounds = {}
    if field.min is not None:
        bounds["x-glid-exclusive-minimum" if field.exclusive_min else "x-glid-minimum"] = field.min
    if field.max is not None:
        bounds["x-glid-exclusive-maximum" if field.exclusive_max else "x-glid-maximum"] = field.max
    return bounds


def _unit(field: Field) -> dict[str, str]:
    return {"x-glid-unit": field.unit} if field.unit else {}
