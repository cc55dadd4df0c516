"""The templates every node ships with, read from the JSON files in templates_meta/builtin/.

They are data, not code, so an operator can read them and another implementation can
load the same files. Each ``<name>.json`` has an example record beside it,
``<name>.example.json``, that follows it; the tests hold every built-in to its example.
"""

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from templates_meta.errors import UnknownTemplate
from templates_meta.model import Template, parse_template, split_ref

_EXAMPLE_SUFFIX = ".example.json"


_Example = tuple[dict[str, Any], ...]


@cache
def _load() -> dict[str, tuple[Template, _Example]]:
    """The built-ins by ref, each after the template it extends (for installing in order)."""
    folder = resources.files("templates_meta") / "builtin"
    loaded: dict[str, tuple[Template, _Example]] = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not entry.name.endswith(".json") or entry.name.endswith(_EXAMPLE_SUFFIX):
            continue
        template = parse_template(entry.read_text(encoding="utf-8"))
        example_file = folder / entry.name.replace(".json", _EXAMPLE_SUFFIX)
        loaded[template.ref] = (template, tuple(json.loads(example_file.read_text("utf-8"))))

    def depth(template: Template) -> int:
        steps = 0
        while template.extends in loaded:
            template = loaded[template.extends][0]
            steps += 1
        return steps

    return dict(sorted(loaded.items(), key=lambda item: (depth(item[1][0]), item[0])))


def builtin_templates() -> list[Template]:
    """Every built-in template, each after the template it extends."""
    return [template for template, _ in _load().values()]


def _entry(ref: str) -> tuple[Template, _Example]:
    template_id, version = split_ref(ref)
    found = _load().get(f"{template_id}@{version}")
    if found is None:
        raise UnknownTemplate(f"{ref} is not a built-in template")
    return found


def builtin_lookup(ref: str) -> Template:
    """Find a built-in by ID@VERSION: a lookup for effective_template with no catalog."""
    return _entry(ref)[0]


def builtin_example(ref: str) -> list[dict[str, Any]]:
    """The example record values of a built-in template (a fresh copy each call)."""
    return copy.deepcopy(list(_entry(ref)[1]))
