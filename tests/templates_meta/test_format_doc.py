"""The worked example of docs/formats/templates.md, checked against the code."""

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from templates_meta.builtin import builtin_lookup
from templates_meta.errors import ConstraintLoosened
from templates_meta.inherit import effective_template
from templates_meta.json_schema import export_json_schema
from templates_meta.model import Template, parse_template
from templates_meta.validate import validate_values

DOC = Path(__file__).parents[2] / "docs" / "formats" / "templates.md"
TEXT = DOC.read_text("utf-8")
BLOCKS = re.findall(r"```json(?: file=\S+)?\n(.*?)```", TEXT, re.S)
COIL = parse_template(BLOCKS[0])


def lookup(ref: str) -> Template:
    return COIL if ref == COIL.ref else builtin_lookup(ref)


def test_the_example_template_tightens_and_the_record_follows_it() -> None:
    merged = effective_template(COIL.ref, lookup)
    assert merged.by_name["scrap_share"].min == "10"
    assert validate_values(merged, json.loads(BLOCKS[1])) == []


def test_the_loosening_shown_is_refused_with_the_message_shown() -> None:
    document = json.loads(BLOCKS[0])
    document["fields"][1]["max"] = "120"
    loose = parse_template(document)
    with pytest.raises(ConstraintLoosened) as caught:
        effective_template(loose.ref, lambda ref: loose if ref == loose.ref else lookup(ref))
    assert " ".join(str(caught.value).split()) in " ".join(TEXT.split())


def test_the_errors_shown_are_the_errors_reported() -> None:
    values: list[dict[str, Any]] = copy.deepcopy(json.loads(BLOCKS[1]))
    for value in values:
        if value["type"] == "scrap_share":
            value["data"] = {"format": "json", "value": 85.0}
        if value["type"] == "coil_width":
            value["data"]["value"] = {"value": "1.25", "unit": "kg"}
    values = [value for value in values if value["type"] != "process_route"]
    errors = validate_values(effective_template(COIL.ref, lookup), values)
    shown = re.search(r"```\n(field process_route.*?)```", TEXT, re.S)
    assert shown is not None
    assert [str(error) for error in errors] == shown.group(1).strip().splitlines()


def test_the_schema_property_shown_is_exported() -> None:
    schema = export_json_schema(effective_template(COIL.ref, lookup))
    assert schema["properties"]["coil_width"] == json.loads(BLOCKS[2])
