import copy

import pytest

from templates_meta.builtin import builtin_example, builtin_lookup, builtin_templates
from templates_meta.errors import UnknownTemplate
from templates_meta.inherit import effective_template
from templates_meta.model import FieldType, Layer
from templates_meta.validate import validate_values

REFS = [template.ref for template in builtin_templates()]

# The names accounting and the demo read (DESIGN.md, "Templates"; the accounting part).
EXPECTED_FIELDS = {
    "88/tpl.product@1.0.0": {
        "product_name",
        "manufacturer",
        "model",
        "gtin",
        "category",
        "description",
    },
    "88/tpl.product-footprint@1.0.0": {
        "declared_unit",
        "declared_unit_amount",
        "pcf_excluding_biogenic",
        "pcf_including_biogenic",
        "fossil_ghg_emissions",
        "biogenic_emissions",
        "own_fossil_emissions",
        "own_biogenic_emissions",
        "allocation_method",
        "inputs",
        "primary_data_share",
        "dqr_technological",
        "dqr_temporal",
        "dqr_geographical",
        "reference_period_start",
        "reference_period_end",
        "geography",
        "boundary",
        "standards",
        "characterization_factors",
    },
    "88/tpl.product-footprint@2.0.0": {
        "declared_unit",
        "declared_unit_amount",
        "product_mass_per_declared_unit",
        "pcf_excluding_biogenic",
        "pcf_including_biogenic",
        "fossil_ghg_emissions",
        "fossil_carbon_content",
        "exempted_emissions_percent",
        "packaging_emissions_included",
        "ccs_technological_co2_capture_included",
        "own_fossil_emissions",
        "inputs",
        "company_ids",
        "product_description",
        "characterization_factors",
        "standards",
    },
    "88/tpl.carbon-efficiency@1.0.0": {
        "enterprise_name",
        "year",
        "industry_code",
        "region",
        "value_added",
        "raw_coal",
        "coke",
        "natural_gas",
        "diesel",
        "gasoline",
        "fuel_oil",
        "lpg",
        "purchased_electricity",
        "zero_carbon_electricity",
        "purchased_heat",
        "exported_electricity",
        "exported_heat",
        "energy_co2",
        "efficiency_value",
        "grade",
    },
    "88/tpl.activity-data@1.0.0": {
        "facility",
        "period_start",
        "period_end",
        "energy_carriers",
        "fuel_type",
        "fuel_quantity",
        "electricity",
        "heat",
        "materials",
        "process_emissions",
        "co2",
        "ch4",
        "n2o",
    },
    "88/tpl.device-reading@1.0.0": {
        "meter_id",
        "quantity",
        "interval_start",
        "interval_end",
        "device",
    },
    "88.101/tpl.steel@1.0.0": {"process_route", "product_category"},
    "88.102/tpl.building-materials@1.0.0": {"clinker_ratio", "glass_type"},
    "88.103/tpl.chemicals@1.0.0": {"cas_number"},
    "88.104/tpl.automotive-parts@1.0.0": {"part_number", "vehicle_category"},
    "88.105/tpl.aluminium@1.0.0": {"power_source_mix", "ac_power_per_tonne"},
}


def test_every_expected_template_is_built_in() -> None:
    assert sorted(REFS) == sorted(EXPECTED_FIELDS)


@pytest.mark.parametrize("ref", REFS)
def test_each_built_in_has_its_expected_fields(ref: str) -> None:
    merged = effective_template(ref, builtin_lookup)
    assert EXPECTED_FIELDS[ref] <= set(merged.by_name)


@pytest.mark.parametrize("ref", REFS)
def test_each_built_in_validates_its_own_example(ref: str) -> None:
    example = builtin_example(ref)
    assert example[0]["index"] == 1001
    assert example[0]["data"]["value"] == ref
    assert validate_values(effective_template(ref, builtin_lookup), example) == []


@pytest.mark.parametrize("ref", REFS)
def test_each_example_also_follows_every_ancestor_on_the_ancestors_fields(ref: str) -> None:
    merged = effective_template(ref, builtin_lookup)
    for ancestor_ref in merged.chain[1:]:
        ancestor = effective_template(ancestor_ref, builtin_lookup)
        shared = [item for item in builtin_example(ref)[1:] if item["index"] in ancestor.by_index]
        assert validate_values(ancestor, shared) == []


@pytest.mark.parametrize("ref", REFS)
def test_each_built_in_has_labels_in_both_languages(ref: str) -> None:
    template = builtin_lookup(ref)
    assert template.title.zh and template.title.en
    for field in template.fields:
        assert field.labels.zh.strip() and field.labels.en.strip()
        assert any("\u4e00" <= char <= "\u9fff" for char in field.labels.zh), field.name


def test_layers_and_parents_follow_the_hierarchy() -> None:
    for template in builtin_templates():
        if template.id.startswith("88/"):
            assert template.layer is Layer.PUBLIC
        else:
            assert template.layer is Layer.INDUSTRY
            assert template.extends == "88/tpl.product-footprint@1.0.0"
    assert builtin_lookup("88/tpl.product-footprint@1.0.0").extends == "88/tpl.product@1.0.0"


def test_built_ins_come_after_the_templates_they_extend() -> None:
    for position, template in enumerate(builtin_templates()):
        if template.extends:
            assert template.extends in REFS[:position]


def test_the_footprint_emissions_are_quantities_of_emissions() -> None:
    merged = effective_template("88/tpl.product-footprint@1.0.0", builtin_lookup)
    for name in ("pcf_excluding_biogenic", "fossil_ghg_emissions", "own_fossil_emissions"):
        assert merged.by_name[name].type is FieldType.QUANTITY
        assert merged.by_name[name].unit == "kgCO2e"
    assert merged.by_name["declared_unit"].enum == (
        "kg",
        "t",
        "piece",
        "kWh",
        "MJ",
        "m3",
        "m2",
        "L",
        "tkm",
    )
    assert merged.by_name["inputs"].item_type is FieldType.INPUT


def test_the_pact_aligned_version_speaks_pacts_units_ranges_and_grammar() -> None:
    merged = effective_template("88/tpl.product-footprint@2.0.0", builtin_lookup)
    assert "kilogram" in (merged.by_name["declared_unit"].enum or ())
    assert "t" not in (merged.by_name["declared_unit"].enum or ())
    assert merged.by_name["pcf_excluding_biogenic"].type is FieldType.DECIMAL
    assert merged.by_name["dqr_temporal"].max == "5"
    assert merged.by_name["reference_period_end"].type is FieldType.DATETIME
    assert merged.by_name["characterization_factors"].type is FieldType.LIST
    example = builtin_example("88/tpl.product-footprint@2.0.0")
    for item in example:
        if item["type"] == "dqr_temporal":
            item["data"]["value"] = "5.1"
    (error,) = validate_values(merged, example)
    assert (error.name, error.code) == ("dqr_temporal", "bounds")


def test_the_steel_template_narrows_the_declared_unit_to_mass() -> None:
    merged = effective_template("88.101/tpl.steel@1.0.0", builtin_lookup)
    assert merged.by_name["declared_unit"].enum == ("kg", "t")
    example = builtin_example("88.101/tpl.steel@1.0.0")
    for item in example:
        if item["type"] == "declared_unit":
            item["data"]["value"] = "piece"
    (error,) = validate_values(merged, example)
    assert (error.name, error.code) == ("declared_unit", "enum")


def test_an_example_is_a_fresh_copy() -> None:
    """A caller that edits an example, however deep, leaves the next caller's untouched."""
    ref = "88/tpl.product-footprint@1.0.0"
    pristine = copy.deepcopy(builtin_example(ref))
    edited = builtin_example(ref)
    for value in edited:
        data = value["data"]
        if isinstance(data["value"], dict):
            data["value"]["value"] = "0"
        data["format"] = "edited"
    edited.clear()
    assert builtin_example(ref) == pristine


def test_an_unknown_built_in_is_named() -> None:
    with pytest.raises(UnknownTemplate) as caught:
        builtin_lookup("88/tpl.none@1.0.0")
    assert str(caught.value) == "88/tpl.none@1.0.0 is not a built-in template"
