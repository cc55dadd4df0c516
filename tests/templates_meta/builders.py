"""Small builders for template documents and record values used across the tests."""

from collections.abc import Iterable
from typing import Any

from templates_meta.inherit import EffectiveTemplate, effective_template
from templates_meta.model import Template, parse_template


def field(name: str, index: int, type_: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "index": index,
        "type": type_,
        "labels": {"zh": name, "en": name},
        **extra,
    }


def template(
    template_id: str,
    fields: Iterable[dict[str, Any]],
    *,
    layer: str = "public",
    extends: str | None = None,
    version: str = "1.0.0",
) -> Template:
    document: dict[str, Any] = {
        "id": template_id,
        "version": version,
        "layer": layer,
        "title": {"zh": template_id, "en": template_id},
        "fields": list(fields),
    }
    if extends is not None:
        document["extends"] = extends
    return parse_template(document)


def catalog(*templates: Template) -> dict[str, Template]:
    return {item.ref: item for item in templates}


def effective(*templates: Template) -> EffectiveTemplate:
    """The effective form of the first template, looking its ancestors up among all given."""
    return effective_template(templates[0].ref, catalog(*templates).__getitem__)


def value(index: int, name: str, data: Any) -> dict[str, Any]:
    return {
        "index": index,
        "type": name,
        "data": {"format": "string" if isinstance(data, str) else "json", "value": data},
        "ttl": 86400,
        "timestamp": "2026-01-01T00:00:00Z",
    }
