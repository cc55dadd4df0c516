"""The PACT v3 schema and conformance tool the tests hold the node to.

Both ship with the official conformance tool, which sits outside the repository: in CI
``shared/`` lies beside the clone (``../shared/tools``); ``GLID_SHARED_DIR`` points
elsewhere when it does not.
"""

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_FOOTPRINTS = ROOT / "docs" / "pact" / "sample-footprints.jsonl"


def tools_dir() -> Path:
    shared = Path(os.environ.get("GLID_SHARED_DIR", ROOT.parent / "shared"))
    tools = shared / "tools"
    if not (tools / "pact-conformance.sh").is_file():
        pytest.fail(
            f"the PACT conformance tool is not at {tools}/pact-conformance.sh; put shared/"
            " beside the clone or set GLID_SHARED_DIR"
        )
    return tools


@cache
def _openapi() -> dict[str, Any]:
    path = tools_dir() / "pact-conformance" / "src" / "schemas" / "openapi_v3_0.yaml"
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


@cache
def validator(component: str) -> Draft202012Validator:
    """A validator for one schema of the PACT v3 OpenAPI document (ProductFootprint, …)."""
    schema = {**_openapi(), "$ref": f"#/components/schemas/{component}"}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(component: str, document: Any) -> None:
    errors = sorted(validator(component).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
