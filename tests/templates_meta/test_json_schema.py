import json
import re
from typing import Any

import pytest

from templates_meta.builtin import builtin_example, builtin_lookup, builtin_templates
from templates_meta.inherit import effective_template
from templates_meta.json_schema import export_json_schema
from templates_meta.model import DECIMAL_PATTERN, IDENTIFIER_PATTERN
from tests.templates_meta.builders import effective, field, template


def labels(name: str) -> dict[str, str]:
    return {"zh": name, "en": name}


def test_a_small_template_exports_exactly_this_schema() -> None:
    sample = template(
        "88/tpl.sample",
        [
            field("name", 2000, "string", required=True, pattern="^[A-Z]"),
            field("count", 2001, "integer", min="1", max="5", exclusive_max=True),
            field("share", 2002, "decimal", min="0", max="100", unit="%"),
            field("area", 2003, "quantity", unit="m2", min="0", exclusive_min=True),
            field("ids", 2004, "list", item_type="identifier", pattern="^88\\."),
            field("route", 2005, "enum", enum=["BF-BOF", "EAF"]),
            field("ok", 2006, "boolean", description="checked by hand"),
        ],
    )
    schema = export_json_schema(effective(sample))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["x-glid-template"] == "88/tpl.sample@1.0.0"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name"]
    assert schema["$defs"]["decimal"] == {"type": "string", "pattern": DECIMAL_PATTERN}
    assert schema["$defs"]["identifier"] == {"type": "string", "pattern": IDENTIFIER_PATTERN}
    assert schema["properties"] == {
        "name": {
            "type": "string",
            "pattern": "^[A-Z]",
            "title": "name",
            "x-glid-index": 2000,
            "x-glid-labels": labels("name"),
        },
        "count": {
            "type": "integer",
            "minimum": 1,
            "exclusiveMaximum": 5,
            "title": "count",
            "x-glid-index": 2001,
            "x-glid-labels": labels("count"),
        },
        "share": {
            "$ref": "#/$defs/decimal",
            "x-glid-minimum": "0",
            "x-glid-maximum": "100",
            "x-glid-unit": "%",
            "title": "share",
            "x-glid-index": 2002,
            "x-glid-labels": labels("share"),
        },
        "area": {
            "type": "object",
            "properties": {"value": {"$ref": "#/$defs/decimal"}, "unit": {"enum": ["m2"]}},
            "required": ["value", "unit"],
            "additionalProperties": False,
            "x-glid-unit": "m2",
            "x-glid-exclusive-minimum": "0",
            "title": "area",
            "x-glid-index": 2003,
            "x-glid-labels": labels("area"),
        },
        "ids": {
            "type": "array",
            "items": {"allOf": [{"$ref": "#/$defs/identifier"}, {"pattern": "^88\\."}]},
            "title": "ids",
            "x-glid-index": 2004,
            "x-glid-labels": labels("ids"),
        },
        "route": {
            "type": "string",
            "enum": ["BF-BOF", "EAF"],
            "title": "route",
            "x-glid-index": 2005,
            "x-glid-labels": labels("route"),
        },
        "ok": {
            "type": "boolean",
            "title": "ok",
            "description": "checked by hand",
            "x-glid-index": 2006,
            "x-glid-labels": labels("ok"),
        },
    }


def test_a_quantity_lists_exactly_the_units_of_its_dimension() -> None:
    merged = effective_template("88/tpl.carbon-efficiency@1.0.0", builtin_lookup)
    properties = export_json_schema(merged)["properties"]
    assert properties["raw_coal"]["properties"]["unit"]["enum"] == ["g", "kg", "t", "10k t"]
    assert properties["value_added"]["properties"]["unit"]["enum"] == ["CNY", "10k CNY"]


def _string_values(schema: dict[str, Any], data: Any) -> list[tuple[str, str]]:
    """(pattern, text) pairs the schema states for the strings in ``data``."""
    pairs = []
    if "allOf" in schema:
        for part in schema["allOf"]:
            pairs += _string_values(part, data)
    if "pattern" in schema and isinstance(data, str):
        pairs.append((schema["pattern"], data))
    if schema.get("type") == "array":
        for item in data:
            pairs += _string_values(schema["items"], item)
    return pairs


@pytest.mark.parametrize("ref", [template.ref for template in builtin_templates()])
def test_each_built_in_schema_is_json_and_its_example_meets_its_patterns_and_enums(
    ref: str,
) -> None:
    merged = effective_template(ref, builtin_lookup)
    schema = json.loads(json.dumps(export_json_schema(merged), ensure_ascii=False))
    assert set(schema["properties"]) == set(merged.by_name)
    items = {value["type"]: value["data"]["value"] for value in builtin_example(ref)[1:]}
    assert set(schema["required"]) <= set(items)
    for name, data in items.items():
        property_schema = schema["properties"][name]
        assert property_schema["x-glid-index"] == merged.by_name[name].index
        for pattern, text in _string_values(property_schema, data):
            assert re.search(pattern, text), (name, pattern, text)
        if "enum" in property_schema:
            assert data in property_schema["enum"]
