"""Each rule has one home: SQL only in registry/store, each layout fact defined once, and
imports that only go down the layers (docs/DESIGN.md, "Layers").

These read the packages' source, so a new module that writes SQL of its own, copies a
constant or reaches up a layer fails here by name.
"""

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Bottom first: a package may import itself and those before it, never one after it.
LAYERS = ("glid_core", ("signing", "templates_meta"), "registry", "accounting", "resolver")
PACKAGES = ("glid_core", "signing", "templates_meta", "registry", "accounting", "resolver")
STORE = ROOT / "registry" / "store"
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE FROM|CREATE TABLE|PRAGMA)\b")
# The homes of the facts every layer shares (docs/DESIGN.md, "Each fact has one definition").
HOMES = ("glid_core/layout.py", "glid_core/identifiers.py")


@cache
def modules() -> dict[str, ast.Module]:
    """Every module of the packages, by its path relative to the checkout."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            found[relative] = ast.parse(path.read_text("utf-8"), relative)
    return found


def module_constants(tree: ast.Module) -> set[str]:
    """The upper-case names a module assigns at its top level."""
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper():
                names.add(target.id)
    return names


def test_no_sql_outside_the_store() -> None:
    found = [
        f"{path}:{number}: {line.strip()}"
        for path in modules()
        if not (ROOT / path).is_relative_to(STORE)
        for number, line in enumerate((ROOT / path).read_text("utf-8").splitlines(), 1)
        if SQL.search(line)
    ]
    assert found == [], "SQL belongs behind registry/store:\n" + "\n".join(found)


def test_the_sql_check_finds_sql() -> None:
    statements = ["SELECT 1", "INSERT INTO x", "DELETE FROM x", "PRAGMA data_version"]
    assert all(SQL.search(statement) for statement in statements)
    assert not SQL.search("selects the update")


def test_each_layout_constant_has_one_definition() -> None:
    shared = {name: home for home in HOMES for name in module_constants(modules()[home])}
    assert {"TEMPLATE_INDEX", "MAX_INDEX", "MAX_PREFIX_BYTES", "MAX_SEGMENT_CHARS"} <= set(shared)
    copies = [
        f"{path} defines {name} again (its home: {shared[name]})"
        for path, tree in modules().items()
        if path not in HOMES
        for name in module_constants(tree) & set(shared)
    ]
    assert copies == [], "\n".join(copies)


def test_no_module_spells_a_layout_value_out() -> None:
    """The template index, the index limit and the prefix grammar are written only in
    their homes: anywhere else a literal would drift when the home changes."""
    spelled = re.compile(r"2\s*\*\*\s*3[12]\b|\b(2147483647|4294967295|0x7fffffff)\b|\{1,63\}")
    found = []
    for path, tree in modules().items():
        if path in HOMES:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and type(node.value) is int and node.value == 1001:
                found.append(f"{path}:{node.lineno}: 1001 (TEMPLATE_INDEX)")
        for number, line in enumerate((ROOT / path).read_text("utf-8").splitlines(), 1):
            if spelled.search(line.split("#", 1)[0]):
                found.append(f"{path}:{number}: {line.strip()}")
    assert found == [], "use glid_core.layout / glid_core.identifiers:\n" + "\n".join(found)


def layer_of(module: str) -> int | None:
    top = module.split(".", 1)[0]
    for rank, layer in enumerate(LAYERS):
        if top == layer or (isinstance(layer, tuple) and top in layer):
            return rank
    return None


def imported(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, module) of every import in a module, type-only ones included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_imports_only_go_down_the_layers() -> None:
    upward = []
    for path, tree in modules().items():
        own = layer_of(path.split("/", 1)[0])
        assert own is not None
        for line, module in imported(tree):
            target = layer_of(module)
            if target is not None and target > own:
                upward.append(f"{path}:{line} imports {module}")
            elif target == own and module.split(".")[0] != path.split("/")[0]:
                upward.append(f"{path}:{line} imports {module}, a sibling on its layer")
    assert upward == [], "imports go down only:\n" + "\n".join(upward)
