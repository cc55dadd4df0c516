import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from templates_meta.errors import InvalidTemplate
from templates_meta.model import FieldType, Layer, parse_template, split_ref
from tests.templates_meta.builders import field, template


def document(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "88/tpl.sample",
        "version": "1.2.3",
        "layer": "public",
        "title": {"zh": "样例", "en": "Sample"},
        "fields": [field("mass", 2000, "quantity", unit="kg", min="0", required=True)],
    }
    base.update(changes)
    return base


def test_a_template_document_parses_into_typed_fields() -> None:
    parsed = parse_template(json.dumps(document()))
    assert parsed.ref == "88/tpl.sample@1.2.3"
    assert parsed.layer is Layer.PUBLIC
    (mass,) = parsed.fields
    assert (mass.type, mass.unit, mass.min, mass.required) == (FieldType.QUANTITY, "kg", "0", True)
    assert parsed.prefix == "88"


def test_the_prefix_of_an_id_is_lower_cased_and_the_suffix_kept() -> None:
    parsed = parse_template(document(id="88.ABC/Tpl.Mixed"))
    assert parsed.id == "88.abc/Tpl.Mixed"


def test_the_json_form_round_trips_and_its_canonical_bytes_ignore_key_order() -> None:
    parsed = parse_template(document())
    again = parse_template(parsed.to_json())
    assert again == parsed
    reordered = dict(reversed(list(document().items())))
    assert parse_template(reordered).canonical_bytes() == parsed.canonical_bytes()
    changed = parse_template(document(title={"zh": "样例", "en": "Other"}))
    assert changed.canonical_bytes() != parsed.canonical_bytes()


@pytest.mark.parametrize(
    "bounds",
    [
        {"type": "decimal", "min": "5", "max": "5"},
        {"type": "decimal", "min": "5", "max": "5.001", "exclusive_min": True},
        {"type": "integer", "min": "1", "max": "3", "exclusive_min": True, "exclusive_max": True},
        {"type": "integer", "min": "1", "max": "2", "exclusive_max": True},
    ],
)
def test_bounds_that_leave_a_single_value_or_more_are_accepted(bounds: dict[str, Any]) -> None:
    kind = bounds.pop("type")
    assert parse_template(document(fields=[field("mass", 2000, kind, **bounds)])).fields


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([field("Mass", 2000, "string")], "field name 'Mass' is not snake_case"),
        ([field("mass", 1999, "string")], "index 1999 is below 2000"),
        ([field("mass", 2000, "quantity", unit="furlong")], "unknown unit 'furlong'"),
        ([field("mass", 2000, "list")], "a list needs an item_type"),
        ([field("mass", 2000, "list", item_type="list")], "lists of lists are not supported"),
        ([field("mass", 2000, "string", item_type="string")], "item_type is only for lists"),
        ([field("mass", 2000, "quantity", min="0")], "bounds on a quantity need the unit"),
        ([field("mass", 2000, "decimal", min="5", max="1")], "min 5 is above max 1"),
        (
            [field("mass", 2000, "decimal", min="5", max="5", exclusive_max=True)],
            "no value lies between min 5 and max 5 as written",
        ),
        (
            [
                field(
                    "mass",
                    2000,
                    "integer",
                    min="1",
                    max="2",
                    exclusive_min=True,
                    exclusive_max=True,
                )
            ],
            "no value lies between min 1 and max 2 as written",
        ),
        ([field("mass", 2000, "decimal", min="1.5e3")], "bound '1.5e3' is not a decimal string"),
        ([field("mass", 2000, "decimal", min=0.5)], "Input should be a valid string"),
        ([field("mass", 2000, "integer", max="2.5")], "bound 2.5 of an integer field"),
        ([field("mass", 2000, "string", min="1")], "a string value cannot have min or max"),
        ([field("mass", 2000, "boolean", unit="kg")], "a boolean value has no unit"),
        ([field("mass", 2000, "enum")], "an enum needs a non-empty list of values"),
        ([field("mass", 2000, "enum", enum=["a", "a"])], "enum values repeat"),
        ([field("mass", 2000, "string", enum=["a"])], "a string value cannot have enum values"),
        ([field("mass", 2000, "decimal", pattern="^1")], "a decimal value cannot have a pattern"),
        ([field("mass", 2000, "string", pattern="(")], "pattern '(' does not compile"),
        ([field("mass", 2000, "decimal", exclusive_min=True)], "exclusive_min needs a min"),
        (
            [field("mass", 2000, "string"), field("mass", 2001, "string")],
            "two fields have the name 'mass'",
        ),
        (
            [field("mass", 2000, "string"), field("volume", 2000, "string")],
            "two fields have the index 2000",
        ),
        ([field("mass", 2000, "string", colour="red")], "colour: Extra inputs are not permitted"),
    ],
)
def test_a_bad_field_is_refused_with_the_reason(fields: object, message: str) -> None:
    with pytest.raises(InvalidTemplate) as caught:
        parse_template(document(fields=fields))
    assert message in str(caught.value)
    assert str(caught.value).startswith("template 88/tpl.sample is not valid:")


def test_the_location_names_the_field_by_name() -> None:
    with pytest.raises(InvalidTemplate) as caught:
        parse_template(document(fields=[field("ok", 2000, "string"), field("bad", 12, "string")]))
    assert "fields['bad'].index: index 12 is below 2000" in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "no-slash"}, "template id 'no-slash' is not of the form PREFIX/SUFFIX"),
        ({"version": "1.0"}, "version '1.0' is not a semantic version"),
        ({"layer": "national"}, "layer: Input should be 'public', 'industry' or 'enterprise'"),
        ({"extends": "88/tpl.base"}, "is not of the form PREFIX/SUFFIX@MAJOR.MINOR.PATCH"),
        ({"extends": "88/tpl.sample@1.2.3"}, "template 88/tpl.sample@1.2.3 extends itself"),
        ({"title": {"zh": "样例"}}, "title.en: Field required"),
        ({"title": {"zh": " ", "en": "x"}}, "title.zh: a label may not be blank"),
    ],
)
def test_a_bad_template_is_refused_with_the_reason(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidTemplate) as caught:
        parse_template(document(**changes))
    assert message in str(caught.value)


def test_text_that_is_not_a_json_object_is_refused() -> None:
    with pytest.raises(InvalidTemplate, match="not valid JSON"):
        parse_template("{")
    with pytest.raises(InvalidTemplate, match="a template document is a JSON object"):
        parse_template("[]")


def test_text_no_canonical_encoding_could_write_is_refused_as_not_json() -> None:
    text = json.dumps(document(title={"zh": "样例", "en": "Sample \ud800"}))
    with pytest.raises(InvalidTemplate) as caught:
        parse_template(text)
    assert str(caught.value).startswith("template is not valid JSON: no low surrogate in string")


def test_split_ref_normalises_the_prefix_and_refuses_other_shapes() -> None:
    assert split_ref("88.ABC/tpl.x@2.0.1") == ("88.abc/tpl.x", "2.0.1")
    assert split_ref("88/a@b@1.0.0") == ("88/a@b", "1.0.0")
    for bad in ("88/tpl.x", "88/tpl.x@1", "tpl.x@1.0.0", "@1.0.0"):
        with pytest.raises(InvalidTemplate, match="is not of the form"):
            split_ref(bad)


versions = st.tuples(*(st.integers(0, 10**6) for _ in range(3))).map(
    lambda parts: ".".join(map(str, parts))
)
segments = st.from_regex(r"[a-z0-9_-]{1,8}", fullmatch=True)
suffixes = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x7f", min_codepoint=32),
    min_size=1,
    max_size=20,
)


@given(st.lists(segments, min_size=1, max_size=4), suffixes, versions)
def test_a_template_ref_splits_back_into_its_id_and_version(
    prefix: list[str], suffix: str, version: str
) -> None:
    template_id = f"{'.'.join(prefix)}/{suffix}"
    built = template(template_id, [field("x", 2000, "string")], version=version)
    assert split_ref(built.ref) == (template_id, version)
