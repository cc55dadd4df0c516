"""Record ↔ PACT ProductFootprint: lossless both ways, valid against PACT's own schema."""

import copy
import string
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounting.pact.mapping import (
    BASE_TEMPLATE,
    EXTENSION_SCHEMA,
    MAPPED_FIELDS,
    Envelope,
    MappingError,
    envelope_for,
    footprint_id,
    from_pact,
    glid_urn,
    handle_of_urn,
    is_pact_template,
    to_pact,
)
from templates_meta.builtin import builtin_example, builtin_lookup
from templates_meta.inherit import EffectiveTemplate, effective_template
from templates_meta.model import Field, FieldType
from templates_meta.validate import validate_values
from tests.pact_support import assert_valid

HANDLE = "88.101.7/coil-2026-001"
V2 = effective_template(BASE_TEMPLATE, builtin_lookup)
STEEL = effective_template("88.101/tpl.steel@1.0.0", builtin_lookup)


def lookup(ref: str) -> EffectiveTemplate:
    return effective_template(ref, builtin_lookup)


def example() -> list[dict[str, Any]]:
    return [
        {key: value for key, value in item.items() if key not in ("ttl", "timestamp")}
        for item in builtin_example(BASE_TEMPLATE)
    ]


def envelope(version: int = 2) -> Envelope:
    return envelope_for(HANDLE, version, "2026-03-01T08:00:00Z", current=True)


def normalised(values: list[dict[str, Any]]) -> list[tuple[int, str, Any]]:
    return sorted((v["index"], v["type"], v["data"]["value"]) for v in values)


# -- strategies: any valid product-footprint 2.0.0 record --------------------------------

_TEXT = st.text(alphabet=string.ascii_letters + "éü钢 -.", min_size=1, max_size=12)
_URN = st.builds(
    lambda nid, nss: f"urn:{nid}:{nss}",
    st.sampled_from(["pact", "uuid", "example"]),
    st.text(alphabet=string.ascii_lowercase + string.digits + ":-.", min_size=1, max_size=16),
)
_DATETIME = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")
)
_SPECIAL: dict[str, st.SearchStrategy[Any]] = {
    "gtin": st.from_regex(r"\A([0-9]{8}|[0-9]{13})\Z"),
    "geography_country": st.sampled_from(["CN", "DE", "US"]),
    "geography_subdivision": st.sampled_from(["CN-ZJ", "CN-JS", "DE-BY"]),
    "company_ids": st.lists(_URN, min_size=1, max_size=3, unique=True),
    "product_ids": st.lists(_URN, min_size=1, max_size=3, unique=True),
    "product_classifications": st.lists(_URN, min_size=1, max_size=2, unique=True),
    "characterization_factors": st.lists(
        st.sampled_from(["AR4", "AR5", "AR6"]), min_size=1, unique=True
    ),
    "standards": st.lists(
        st.sampled_from(["ISO14067", "GHGP-Product", "PACT-3.0"]), min_size=1, unique=True
    ),
    "ccu_credit_certification": st.just("https://certs.example/ccu/1"),
    "inputs": st.lists(
        st.fixed_dictionaries(
            {"id": st.just("88.101.9/slab-1"), "quantity": st.just({"value": "1.5", "unit": "t"})},
            optional={"material": st.just("steel.hot_rolled_coil")},
        ),
        max_size=2,
    ),
    "product_or_sector_specific_rules": st.lists(
        st.fixed_dictionaries(
            {"operator": st.sampled_from(["PEF", "Other"]), "ruleNames": st.just(["R1"])},
            optional={"otherOperatorName": _TEXT},
        ),
        min_size=1,
        max_size=1,
    ),
    "secondary_emission_factor_sources": st.lists(
        st.fixed_dictionaries({"name": _TEXT, "version": _TEXT}), min_size=1, max_size=2
    ),
}


def _decimal(field: Field) -> st.SearchStrategy[str]:
    low = field.min_decimal if field.min_decimal is not None else Decimal(-5000)
    high = field.max_decimal if field.max_decimal is not None else Decimal(5000)
    if field.exclusive_min:
        low += Decimal("0.001")
    numbers = st.decimals(min_value=low, max_value=high, places=3, allow_nan=False)
    signs = st.sampled_from(["", "+"])
    return st.builds(
        lambda number, sign: f"{sign if number >= 0 else ''}{number.normalize():f}", numbers, signs
    )


def _value(field: Field) -> st.SearchStrategy[Any]:
    if field.name in _SPECIAL:
        return _SPECIAL[field.name]
    kind = field.value_type
    if kind is FieldType.DECIMAL:
        return _decimal(field)
    if kind is FieldType.ENUM:
        return st.sampled_from(list(field.enum or ()))
    if kind is FieldType.BOOLEAN:
        return st.booleans()
    if kind is FieldType.DATETIME:
        return _DATETIME
    assert kind is FieldType.STRING and field.type is not FieldType.LIST, field.name
    return _TEXT


_GEOGRAPHY = ("geography_country", "geography_subdivision", "geography_region")
_DQR = ("dqr_technological", "dqr_temporal", "dqr_geographical")


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, Any]]:
    fields: dict[str, Any] = {}
    geography = draw(st.sampled_from([None, *_GEOGRAPHY]))
    with_dqi = draw(st.booleans())
    for field in V2.fields:
        if field.name in _GEOGRAPHY and field.name != geography:
            continue
        if field.name in _DQR and not with_dqi:
            continue
        chosen = field.required or field.name in _DQR or field.name == geography
        if chosen or draw(st.booleans()):
            fields[field.name] = draw(_value(field))
    values = [{"index": 1001, "type": "TEMPLATE", "data": {"format": "string", "value": V2.ref}}]
    for name, value in fields.items():
        kind = "string" if isinstance(value, str) else "json"
        values.append(
            {
                "index": V2.by_name[name].index,
                "type": name,
                "data": {"format": kind, "value": value},
            }
        )
    return values


# -- the properties ----------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.integers(min_value=1, max_value=4), st.booleans())
def test_every_record_maps_to_a_valid_footprint_and_back_unchanged(
    values: list[dict[str, Any]], version: int, current: bool
) -> None:
    assert validate_values(V2, values) == []
    envelope = envelope_for(HANDLE, version, "2026-03-01T08:00:00Z", current=current)
    footprint = to_pact(HANDLE, values, envelope)
    assert_valid("ProductFootprint", footprint)
    handle, back, envelope_back = from_pact(copy.deepcopy(footprint), lookup)
    assert handle == HANDLE and envelope_back == envelope
    assert normalised(back) == normalised(values)
    assert to_pact(handle, back, envelope_back) == footprint


def test_the_built_in_example_maps_member_by_member() -> None:
    footprint = to_pact(HANDLE, example(), envelope())
    assert_valid("ProductFootprint", footprint)
    assert footprint["productIds"] == [glid_urn(HANDLE), "urn:gtin:06901234567892"]
    assert footprint["companyName"] == "浙江示例钢铁有限公司"
    assert footprint["pcf"]["pcfIncludingBiogenicUptake"] == "+2050.5"  # PACT's grammar, kept
    assert footprint["pcf"]["dqi"] == {
        "technologicalDQR": "1.6",
        "geographicalDQR": "4.5",
        "temporalDQR": "1.2",
    }
    assert footprint["pcf"]["verification"] == {
        "coverage": "product level",
        "providerName": "示例认证中心",
    }
    (extension,) = footprint["extensions"]
    assert extension["dataSchema"] == EXTENSION_SCHEMA
    assert set(extension["data"]["fields"]) == {
        "own_fossil_emissions",
        "allocation_method",
        "inputs",
        "boundary",
    }
    assert not MAPPED_FIELDS & set(extension["data"]["fields"])


def test_ids_are_deterministic_per_version_and_name_the_earlier_ones() -> None:
    first = envelope_for(HANDLE, 3, "2026-03-01T08:00:00Z", current=False)
    again = envelope_for(HANDLE, 3, "2026-03-01T08:00:00Z", current=False)
    assert first == again and first.status == "Deprecated"
    assert first.id == footprint_id(HANDLE, 3) != footprint_id(HANDLE, 2)
    assert first.preceding == (footprint_id(HANDLE, 1), footprint_id(HANDLE, 2))
    assert "precedingPfIds" not in to_pact(HANDLE, example(), envelope(version=1))


@given(st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s))
def test_glid_urns_carry_any_suffix(suffix: str) -> None:
    handle = f"88.101.7/{suffix}"
    urn = glid_urn(handle)
    assert urn.isascii() and " " not in urn
    assert handle_of_urn(urn) == handle


def test_an_industry_record_keeps_its_template_in_the_extension() -> None:
    assert is_pact_template(V2.chain) and not is_pact_template(STEEL.chain)
    values = example()
    values[0]["data"]["value"] = "88.101/tpl.steel@1.0.0"
    footprint = to_pact(HANDLE, values, envelope())
    assert footprint["extensions"][0]["data"]["template"] == "88.101/tpl.steel@1.0.0"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda v: v.append(_item(V2, "geography_country", "CN")), "one geography"),
        (lambda v: v.remove(_find(v, "dqr_temporal")), "needs all three ratings"),
        (
            lambda v: _find(v, "company_ids")["data"].update(value=[]),
            "companyIds must not be empty",
        ),
        (
            lambda v: _find(v, "standards")["data"].update(value=["PEF", "PEF"]),
            "crossSectoralStandards repeats",
        ),
    ],
)
def test_a_record_pact_cannot_carry_is_refused_by_name(change: Any, message: str) -> None:
    values = example()
    change(values)
    with pytest.raises(MappingError, match=message):
        to_pact(HANDLE, values, envelope())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.update(productIds=["urn:gtin:06901234567892"]), "not a glid URN"),
        (lambda f: f.update(unknownMember=1), "unknownMember: not a PACT v3 member"),
        (lambda f: f["pcf"].update(dqi={"x": "1"}), "pcf.dqi.x"),
        (
            lambda f: f.update(extensions=[{"specVersion": "2.0.0", "dataSchema": "https://x"}]),
            "only urn:glid:pact-extension",
        ),
        (lambda f: f.pop("created"), "created: required"),
    ],
)
def test_a_footprint_the_mapping_would_lose_something_of_is_refused(
    change: Any, message: str
) -> None:
    footprint = to_pact(HANDLE, example(), envelope())
    change(footprint)
    with pytest.raises(MappingError, match=message):
        from_pact(footprint, lookup)


def _item(effective: EffectiveTemplate, name: str, value: Any) -> dict[str, Any]:
    index = effective.by_name[name].index
    return {"index": index, "type": name, "data": {"format": "string", "value": value}}


def _find(values: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(item for item in values if item["type"] == name)


def test_docs_give_the_id_the_code_makes() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "PACT.md").read_text("utf-8")
    assert f"`88.101.7/coil-2026-001#1` → `{footprint_id('88.101.7/coil-2026-001', 1)}`" in text
