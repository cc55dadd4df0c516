import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.records import parse_values, values_to_json
from registry.store import Store
from registry.template_catalog import TemplateCatalog
from templates_meta.builtin import builtin_example, builtin_templates
from templates_meta.errors import (
    AlreadyDecided,
    ConstraintLoosened,
    FieldConflict,
    NotReviewer,
    ReasonRequired,
    RecordInvalid,
    TemplateImmutable,
    UnknownTemplate,
    WrongLayerPrefix,
)
from templates_meta.model import Template, parse_template
from templates_meta.review import ReviewState
from tests.store_file import raw_connection
from tests.templates_data import STEEL, coil_extension


def extension(**changes: Any) -> Template:
    return parse_template(coil_extension(**changes))


@pytest.fixture
def secondary(make_node: Callable[..., Path]) -> Iterator[TemplateCatalog]:
    store = Store.open(make_node("88.101", role="secondary"))
    yield TemplateCatalog.open(store)
    store.close()


@pytest.fixture
def top(make_node: Callable[..., Path]) -> Iterator[TemplateCatalog]:
    store = Store.open(make_node("88", role="top"))
    yield TemplateCatalog.open(store)
    store.close()


def snapshot(catalog: TemplateCatalog) -> tuple[list[Any], int]:
    conn = raw_connection(catalog.store)
    rows = conn.execute("SELECT * FROM templates ORDER BY id, version").fetchall()
    audits = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    return rows, audits


def test_opening_a_catalog_installs_every_built_in_once(secondary: TemplateCatalog) -> None:
    entries = secondary.entries()
    assert sorted(entry.ref for entry in entries) == sorted(t.ref for t in builtin_templates())
    assert {entry.review.state for entry in entries} == {ReviewState.PUBLISHED}
    assert secondary.install_builtins() == 0
    assert TemplateCatalog.open(secondary.store).entries() == entries


def test_a_built_in_is_stored_unchanged(secondary: TemplateCatalog) -> None:
    for template in builtin_templates():
        assert secondary.lookup(template.ref) == template


def test_a_bare_id_means_its_highest_version(secondary: TemplateCatalog) -> None:
    for version in ("1.0.0", "1.10.0", "1.2.0", "2.0.0-rc.1"):
        secondary.propose(extension(version=version), "test")
    assert secondary.get("88.101.8/tpl.coil").ref == "88.101.8/tpl.coil@2.0.0-rc.1"
    secondary.propose(extension(version="2.0.0"), "test")
    assert secondary.get("88.101.8/tpl.coil").template.version == "2.0.0"
    assert [entry.template.version for entry in secondary.entries(ReviewState.PROPOSED)] == [
        "1.0.0",
        "1.2.0",
        "1.10.0",
        "2.0.0-rc.1",
        "2.0.0",
    ]


def test_a_proposal_is_approved_by_the_parent_node_and_then_usable(
    secondary: TemplateCatalog,
) -> None:
    proposed = secondary.propose(extension(), "enterprise-8")
    assert (proposed.review.state, proposed.review.reviewer) == (ReviewState.PROPOSED, "88.101")
    with pytest.raises(UnknownTemplate) as caught:
        secondary.lookup(proposed.ref)
    assert str(caught.value) == (
        "template 88.101.8/tpl.coil@1.0.0 is proposed; records and extensions can use it once"
        " it is approved"
    )
    approved = secondary.approve(proposed.ref, "operator")
    assert approved.review.state is ReviewState.APPROVED
    assert approved.decided_at is not None
    merged = secondary.effective(proposed.ref)
    assert merged.chain[1] == STEEL
    assert merged.by_name["coil_width"].index == 3000
    actions = (
        raw_connection(secondary.store)
        .execute(
            "SELECT actor, action, target FROM audit WHERE target = ? ORDER BY id", (proposed.ref,)
        )
        .fetchall()
    )
    assert actions == [
        ("enterprise-8", "template proposed", proposed.ref),
        ("operator", "template approved", proposed.ref),
    ]


def test_the_top_node_approving_publishes(top: TemplateCatalog) -> None:
    industry = extension(id="88.106/tpl.paper", layer="industry", extends=None)
    top.propose(industry, "secondary-106")
    assert top.approve(industry.ref, "operator").review.state is ReviewState.PUBLISHED


def test_proposing_the_same_body_again_changes_nothing(secondary: TemplateCatalog) -> None:
    first = secondary.propose(extension(), "test")
    before = snapshot(secondary)
    assert secondary.propose(extension(), "test") == first
    assert snapshot(secondary) == before


def test_a_different_body_under_a_stored_ref_is_refused(secondary: TemplateCatalog) -> None:
    secondary.propose(extension(), "test")
    before = snapshot(secondary)
    with pytest.raises(TemplateImmutable) as caught:
        secondary.propose(extension(title={"zh": "钢卷", "en": "Coil"}), "test")
    assert str(caught.value) == (
        "template 88.101.8/tpl.coil@1.0.0 is already stored (proposed) with a different body;"
        " a stored template never changes, so propose it as a new version"
    )
    with pytest.raises(TemplateImmutable, match=re.escape("already stored (published)")):
        secondary.propose(extension(id="88.101/tpl.steel", layer="industry", extends=None), "test")
    assert snapshot(secondary) == before


def loosening() -> Template:
    steel_route = {
        "name": "process_route",
        "index": 2500,
        "type": "enum",
        "enum": ["BF-BOF", "EAF", "DRI", "HIsarna"],
        "required": True,
        "labels": {"zh": "工艺路线", "en": "Process route"},
    }
    return extension(fields=[steel_route])


def reusing() -> Template:
    return extension(
        fields=[
            {"name": "coil", "index": 2500, "type": "string", "labels": {"zh": "卷", "en": "c"}}
        ]
    )


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            loosening,
            ConstraintLoosened,
            "allows only BF-BOF, EAF, DRI; an extension cannot add HIsarna",
        ),
        (reusing, FieldConflict, "reuses index 2500, which 88.101/tpl.steel@1.0.0 gives to"),
        (
            lambda: extension(extends="88.101/tpl.stainless@1.0.0"),
            UnknownTemplate,
            "template 88.101/tpl.stainless@1.0.0 is not known on node 88.101",
        ),
        (
            lambda: extension(id="88.102.3/tpl.coil", layer="public"),
            WrongLayerPrefix,
            "public templates have ids under the top node's prefix 88/",
        ),
    ],
)
def test_a_bad_proposal_is_refused_precisely_and_nothing_is_stored(
    secondary: TemplateCatalog,
    make: Callable[[], Template],
    error: type[Exception],
    message: str,
) -> None:
    before = snapshot(secondary)
    with pytest.raises(error) as caught:
        secondary.propose(make(), "test")
    assert message in str(caught.value)
    assert snapshot(secondary) == before


def test_an_extension_of_a_proposal_waits_for_its_approval(secondary: TemplateCatalog) -> None:
    secondary.propose(extension(), "test")
    child = extension(
        id="88.101.8.1/tpl.coil-line",
        extends="88.101.8/tpl.coil@1.0.0",
        fields=[
            {"name": "line", "index": 3100, "type": "string", "labels": {"zh": "线", "en": "l"}}
        ],
    )
    before = snapshot(secondary)
    with pytest.raises(UnknownTemplate) as caught:
        secondary.propose(child, "test")
    assert str(caught.value) == (
        "88.101.8.1/tpl.coil-line@1.0.0 extends 88.101.8/tpl.coil@1.0.0, which cannot be used:"
        " template 88.101.8/tpl.coil@1.0.0 is proposed; records and extensions can use it once"
        " it is approved"
    )
    assert snapshot(secondary) == before


def test_approving_a_template_one_does_not_own_is_refused_and_nothing_changes(
    secondary: TemplateCatalog,
) -> None:
    own_industry = extension(id="88.101/tpl.wire", layer="industry", extends=STEEL)
    secondary.propose(own_industry, "test")
    before = snapshot(secondary)
    with pytest.raises(NotReviewer) as caught:
        secondary.approve(own_industry.ref, "operator")
    assert str(caught.value) == (
        "node 88.101 may not approve 88.101/tpl.wire@1.0.0: the industry template of 88.101 is"
        " decided by node 88"
    )
    assert snapshot(secondary) == before


def test_deciding_twice_and_rejecting_without_a_reason_are_refused(
    secondary: TemplateCatalog,
) -> None:
    ref = secondary.propose(extension(), "test").ref
    with pytest.raises(ReasonRequired):
        secondary.reject(ref, " ", "operator")
    rejected = secondary.reject(ref, "width belongs in the steel template", "operator")
    assert (rejected.review.state, rejected.review.reason) == (
        ReviewState.REJECTED,
        "width belongs in the steel template",
    )
    before = snapshot(secondary)
    with pytest.raises(AlreadyDecided, match=re.escape("was already rejected by 88.101")):
        secondary.approve(ref, "operator")
    assert snapshot(secondary) == before


def test_the_catalog_checks_records_for_the_registrar(secondary: TemplateCatalog) -> None:
    ref = "88/tpl.product-footprint@1.0.0"
    secondary.check("88.101.8/coil-1", values_to_json(parse_values(builtin_example(ref))))
    broken = builtin_example(ref)
    broken.append({"index": 2999, "type": "colour", "data": {"format": "string", "value": "blue"}})
    with pytest.raises(RecordInvalid) as caught:
        secondary.check("88.101.8/coil-1", values_to_json(parse_values(broken)))
    assert [(e.name, e.code) for e in caught.value.errors] == [("colour", "unknown_field")]


def test_a_record_without_a_template_value_may_not_carry_template_items(
    secondary: TemplateCatalog,
) -> None:
    plain = [{"index": 1, "type": "URL", "data": {"format": "string", "value": "https://x"}}]
    secondary.check("88.101.8/page", values_to_json(parse_values(plain)))
    items = builtin_example("88/tpl.product@1.0.0")[1:]
    with pytest.raises(RecordInvalid, match="has template items but no TEMPLATE value"):
        secondary.check("88.101.8/coil-1", values_to_json(parse_values(items)))


def test_a_record_naming_an_unknown_template_is_refused(secondary: TemplateCatalog) -> None:
    values = builtin_example("88/tpl.product@1.0.0")
    values[0]["data"]["value"] = "88/tpl.product@9.0.0"
    with pytest.raises(UnknownTemplate, match=re.escape("88/tpl.product@9.0.0 is not known")):
        secondary.check("88.101.8/coil-1", values_to_json(parse_values(values)))


def test_the_templates_table_is_the_only_place_a_template_lives(
    secondary: TemplateCatalog,
) -> None:
    ref = secondary.propose(extension(), "test").ref
    reopened = TemplateCatalog.open(Store.open(secondary.store.directory))
    assert reopened.get(ref).template == extension()
    with pytest.raises(sqlite3.IntegrityError):
        raw_connection(secondary.store).execute(
            "INSERT INTO templates (id, version, layer, owner_prefix, state, body,"
            " created_at) VALUES ('88.101.8/tpl.coil', '1.0.0', 'x', 'x', 'x', '{}', 'x')"
        )
