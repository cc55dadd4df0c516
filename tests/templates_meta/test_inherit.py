import re

import pytest

from templates_meta.errors import (
    ConstraintLoosened,
    FieldConflict,
    LayerNotAllowed,
    TemplateCycle,
    UnknownTemplate,
)
from templates_meta.inherit import effective_template
from templates_meta.model import Template
from tests.templates_meta.builders import catalog, effective, field, template

BASE_FIELDS = [
    field("name", 2000, "string", required=True),
    field("mass", 2001, "quantity", unit="t", min="0", max="10"),
    field("kind", 2002, "enum", enum=["a", "b", "c"]),
    field("share", 2003, "decimal", min="0", max="100", exclusive_min=True, unit="%"),
    field("code", 2004, "string", pattern="^C"),
    field("note", 2005, "string"),
]
BASE = template("88/tpl.base", BASE_FIELDS)


def child(*fields: dict[str, object], layer: str = "industry") -> Template:
    return template("88.101/tpl.child", fields, layer=layer, extends=BASE.ref)


def test_a_child_inherits_every_field_and_adds_its_own_in_index_order() -> None:
    merged = effective(child(field("route", 2500, "enum", enum=["EAF"], required=True)), BASE)
    assert [f.name for f in merged.fields] == [
        "name",
        "mass",
        "kind",
        "share",
        "code",
        "note",
        "route",
    ]
    assert merged.chain == ("88.101/tpl.child@1.0.0", "88/tpl.base@1.0.0")
    assert merged.origin["route"] == "88.101/tpl.child@1.0.0"
    assert merged.origin["mass"] == "88/tpl.base@1.0.0"
    assert [f.name for f in merged.required] == ["name", "route"]
    assert merged.by_index[2500].name == "route"


def test_a_child_may_tighten_every_kind_of_constraint() -> None:
    tightened = child(
        field("mass", 2001, "quantity", unit="kg", min="100", max="9000"),
        field("kind", 2002, "enum", enum=["b"], required=True),
        field("share", 2003, "decimal", min="0", max="50", exclusive_min=True, unit="%"),
        field("code", 2004, "string", pattern="^C", required=True),
        field("note", 2005, "string", pattern="^n"),
    )
    merged = effective(tightened, BASE)
    assert merged.by_name["mass"].unit == "kg"
    assert merged.by_name["kind"].enum == ("b",)
    assert merged.by_name["code"].required
    assert merged.origin["mass"] == "88.101/tpl.child@1.0.0"


def test_bounds_are_compared_after_converting_units() -> None:
    # Parent: mass 0..10 t. 10 t = 10000 kg, so 10000 kg keeps the maximum and 10001 kg
    # would loosen it.
    same = child(field("mass", 2001, "quantity", unit="kg", min="0", max="10000"))
    assert effective(same, BASE).by_name["mass"].max == "10000"
    with pytest.raises(ConstraintLoosened) as caught:
        effective(child(field("mass", 2001, "quantity", unit="kg", min="0", max="10001")), BASE)
    assert str(caught.value) == (
        "88.101/tpl.child@1.0.0: field 'mass' (from 88/tpl.base@1.0.0) has maximum 10 t;"
        " 10001 kg would loosen it"
    )


@pytest.mark.parametrize(
    ("restated", "message"),
    [
        (
            field("mass", 2001, "quantity", unit="t", min="-1", max="10"),
            "has minimum 0 t; -1 t would loosen it",
        ),
        (
            field("mass", 2001, "quantity", unit="t", max="10"),
            "has minimum 0 t; no bound would loosen it",
        ),
        (
            field("mass", 2001, "quantity", unit="t", min="0", max="11"),
            "has maximum 10 t; 11 t would loosen it",
        ),
        (
            field("share", 2003, "decimal", min="0", max="100", unit="%"),
            "has minimum 0 % (exclusive); 0 % would loosen it",
        ),
        (
            field("kind", 2002, "enum", enum=["a", "d"]),
            "allows only a, b, c; an extension cannot add d",
        ),
        (field("name", 2000, "string"), "is required; an extension cannot make it optional"),
        (
            field("code", 2004, "string", pattern="^C|^D"),
            "has pattern '^C'; an extension must keep it unchanged",
        ),
        (field("mass", 2001, "quantity"), "is in t; an extension must keep a unit"),
    ],
)
def test_a_child_that_loosens_a_constraint_is_refused(
    restated: dict[str, object], message: str
) -> None:
    with pytest.raises(ConstraintLoosened) as caught:
        effective(child(restated), BASE)
    assert f"field {restated['name']!r} (from 88/tpl.base@1.0.0) {message}" in str(caught.value)


@pytest.mark.parametrize(
    ("restated", "message"),
    [
        (
            field("grade", 2001, "string"),
            "field 'grade' reuses index 2001, which 88/tpl.base@1.0.0 gives to field 'mass'",
        ),
        (field("note", 2600, "string"), "has index 2005; an extension cannot move it to 2600"),
        (
            field("note", 2005, "integer"),
            "is of type string; an extension cannot change it to integer",
        ),
        (
            field("mass", 2001, "quantity", unit="kWh", min="0", max="10"),
            "measures mass (t); an extension cannot change it to energy (kWh)",
        ),
        (
            field("share", 2003, "decimal", min="0", max="1", exclusive_min=True, unit="1"),
            "is a plain number in %; an extension cannot change its unit to 1",
        ),
    ],
)
def test_a_child_that_changes_a_fields_meaning_is_refused(
    restated: dict[str, object], message: str
) -> None:
    with pytest.raises(FieldConflict) as caught:
        effective(child(restated), BASE)
    assert message in str(caught.value)


def test_a_list_cannot_change_its_item_type() -> None:
    base = template("88/tpl.lists", [field("tags", 2000, "list", item_type="string")])
    changed = template(
        "88.1/tpl.lists",
        [field("tags", 2000, "list", item_type="identifier")],
        layer="industry",
        extends=base.ref,
    )
    with pytest.raises(
        FieldConflict, match="list of string; an extension cannot change it to list of identifier"
    ):
        effective(changed, base)


def test_reuse_is_caught_across_several_generations() -> None:
    middle = child(field("route", 2500, "string"))
    leaf = template(
        "88.101.8/tpl.leaf",
        [field("other", 2500, "string")],
        layer="enterprise",
        extends=middle.ref,
    )
    with pytest.raises(FieldConflict) as caught:
        effective(leaf, middle, BASE)
    assert str(caught.value) == (
        "88.101.8/tpl.leaf@1.0.0: field 'other' reuses index 2500, which "
        "88.101/tpl.child@1.0.0 gives to field 'route'; pick an unused index"
    )


def test_a_cycle_in_extends_is_named() -> None:
    first = template("88/tpl.a", [field("a", 2000, "string")], extends="88/tpl.b@1.0.0")
    second = template("88/tpl.b", [field("b", 2001, "string")], extends="88/tpl.c@1.0.0")
    third = template("88/tpl.c", [field("c", 2002, "string")], extends="88/tpl.a@1.0.0")
    with pytest.raises(TemplateCycle) as caught:
        effective(first, second, third)
    assert str(caught.value) == (
        "templates extend each other in a cycle: "
        "88/tpl.a@1.0.0 -> 88/tpl.b@1.0.0 -> 88/tpl.c@1.0.0 -> 88/tpl.a@1.0.0"
    )


def test_a_cycle_above_the_template_names_only_the_loop() -> None:
    top = template("88/tpl.top", [field("t", 2009, "string")], extends="88/tpl.a@1.0.0")
    first = template("88/tpl.a", [field("a", 2000, "string")], extends="88/tpl.b@1.0.0")
    second = template("88/tpl.b", [field("b", 2001, "string")], extends="88/tpl.a@1.0.0")
    with pytest.raises(
        TemplateCycle, match=r"cycle: 88/tpl.a@1.0.0 -> 88/tpl.b@1.0.0 -> 88/tpl.a@1.0.0$"
    ):
        effective(top, first, second)


def test_a_template_that_does_not_exist_is_named() -> None:
    with pytest.raises(UnknownTemplate) as caught:
        effective_template("88/tpl.none@1.0.0", catalog(BASE).__getitem__)
    assert str(caught.value) == (
        "template 88/tpl.none@1.0.0 is not known here; install or propose it first"
    )


def test_a_missing_parent_names_the_child_that_needs_it() -> None:
    orphan = template(
        "88.101/tpl.orphan",
        [field("x", 2500, "string")],
        layer="industry",
        extends="88/tpl.gone@2.0.0",
    )
    with pytest.raises(UnknownTemplate) as caught:
        effective(orphan)
    assert str(caught.value) == (
        "template 88/tpl.gone@2.0.0, which 88.101/tpl.orphan@1.0.0 extends, is not known here;"
        " install or propose it first"
    )


def test_a_lookup_that_returns_another_template_is_refused() -> None:
    with pytest.raises(UnknownTemplate, match=re.escape("returned 88/tpl.base@1.0.0")):
        effective_template("88/tpl.other@1.0.0", lambda ref: BASE)


def test_refs_are_looked_up_with_a_lower_cased_prefix() -> None:
    mixed = template("88.ab/tpl.Mixed", [field("a", 2000, "string")])
    merged = effective_template("88.AB/tpl.Mixed@1.0.0", catalog(mixed).__getitem__)
    assert merged.ref == "88.ab/tpl.Mixed@1.0.0"


@pytest.mark.parametrize(
    ("parent_layer", "child_layer", "allowed"),
    [
        ("public", "public", True),
        ("public", "industry", True),
        ("public", "enterprise", True),
        ("industry", "public", False),
        ("industry", "industry", True),
        ("industry", "enterprise", True),
        ("enterprise", "public", False),
        ("enterprise", "industry", False),
        ("enterprise", "enterprise", True),
    ],
)
def test_layers_extend_only_their_own_or_a_wider_layer(
    parent_layer: str, child_layer: str, allowed: bool
) -> None:
    parent = template("88.1/tpl.parent", [field("a", 2000, "string")], layer=parent_layer)
    kid = template(
        "88.1.2/tpl.kid", [field("b", 2001, "string")], layer=child_layer, extends=parent.ref
    )
    if allowed:
        assert effective(kid, parent).layer == child_layer
    else:
        with pytest.raises(LayerNotAllowed) as caught:
            effective(kid, parent)
        assert str(caught.value).startswith(
            f"88.1.2/tpl.kid@1.0.0 is a {child_layer} template and may not extend the "
            f"{parent_layer} template 88.1/tpl.parent@1.0.0"
        )


def test_the_digest_changes_with_the_fields_and_not_otherwise() -> None:
    first = effective(child(field("route", 2500, "string")), BASE)
    again = effective(child(field("route", 2500, "string")), BASE)
    other = effective(child(field("route", 2500, "string", required=True)), BASE)
    assert first.digest == again.digest
    assert first.digest != other.digest
