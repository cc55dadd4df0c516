"""Record ↔ PACT v3 ProductFootprint: one mapping, both ways, losing nothing.

A product-footprint 2.x record holds every PACT member that describes the product and its
carbon footprint (docs/PACT.md has the table). Five members describe the record *version*
rather than its values: ``id``, ``specVersion``, ``created``, ``status`` and
``precedingPfIds``. They travel beside the values as an :class:`Envelope`, which
:func:`envelope_for` derives from the version history, so that

    to_pact(*from_pact(pf, lookup)) == pf      and      from_pact(to_pact(values, e)) == (values, e)

for every footprint and every record of the template (the tests hold both with hypothesis).
Template fields that PACT has no member for (supply-chain ``inputs``, own emissions, the
allocation method, and any field an industry or enterprise template adds) travel in one
PACT data-model extension, :data:`EXTENSION_SCHEMA`.
"""

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, unquote

from accounting.errors import AccountingError
from accounting.records import read_values
from glid_core.layout import TEMPLATE_INDEX, TEMPLATE_TYPE
from templates_meta.inherit import EffectiveTemplate

SPEC_VERSION: Final = "3.0.0"
BASE_TEMPLATE: Final = "88/tpl.product-footprint@2.0.0"
BASE_TEMPLATE_ID: Final = "88/tpl.product-footprint"
FIRST_PACT_VERSION: Final = 2
"""The major version of ``88/tpl.product-footprint`` from which records map onto PACT."""

EXTENSION_SCHEMA: Final = "urn:glid:pact-extension:record:1.0.0"
EXTENSION_VERSION: Final = "1.0.0"
GLID_URN: Final = "urn:glid:"
GTIN_URN: Final = "urn:gtin:"
FOOTPRINT_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:glid:pact-footprint")
"""UUIDv5 namespace of footprint ids: id = uuid5(namespace, "HANDLE#VERSION")."""

# RFC 8141 NSS characters kept as they are; everything else is percent-encoded (UTF-8).
_NSS_SAFE = "/:@!$&'()*+,;=-._~"
_GTIN = re.compile(r"^([0-9]{8}|[0-9]{12,14})$")


class MappingError(AccountingError):
    """A record and a PACT ProductFootprint could not be mapped onto each other."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """The PACT members that belong to a record version, not to its values."""

    id: str
    spec_version: str
    created: str
    status: str
    preceding: tuple[str, ...]
    """precedingPfIds, oldest first; empty when there is none (PACT then omits the member)."""


def footprint_id(handle: str, version: int) -> str:
    """The footprint id of one record version: the same UUID every time, on every node."""
    return str(uuid.uuid5(FOOTPRINT_NAMESPACE, f"{handle}#{version}"))


def is_footprint_id(text: object) -> bool:
    """Whether ``text`` is a UUID in its usual 36-character form, as footprint ids are."""
    if not isinstance(text, str) or len(text) != 36:
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def envelope_for(handle: str, version: int, created: str, *, current: bool) -> Envelope:
    """The envelope of version ``version`` of ``handle``: Active while it is the current
    version of a live identifier, Deprecated once superseded or deleted. precedingPfIds
    names every earlier version (1 … version-1), so any copy of the record, served or
    exported, carries the same list."""
    return Envelope(
        id=footprint_id(handle, version),
        spec_version=SPEC_VERSION,
        created=created,
        status="Active" if current else "Deprecated",
        preceding=tuple(footprint_id(handle, number) for number in range(1, version)),
    )


def glid_urn(handle: str) -> str:
    """A glid identifier as a URN: ``urn:glid:`` + the handle, percent-encoded as RFC 8141
    requires (``88.101.7/coil 1`` → ``urn:glid:88.101.7/coil%201``)."""
    return GLID_URN + quote(handle, safe=_NSS_SAFE)


def handle_of_urn(urn: str) -> str | None:
    """The handle a ``urn:glid:`` URN names (None for any other URN)."""
    if urn[: len(GLID_URN)].lower() != GLID_URN:
        return None
    return unquote(urn[len(GLID_URN) :])


def is_pact_template(chain: Iterable[str]) -> bool:
    """Whether a template chain (a ref and its ancestors) reaches product-footprint ≥ 2."""
    for ref in chain:
        template_id, _, version = ref.partition("@")
        if template_id == BASE_TEMPLATE_ID and int(version.split(".")[0]) >= FIRST_PACT_VERSION:
            return True
    return False


# -- the member table -------------------------------------------------------------------
# (PACT member, template field) pairs copied as they are, in PACT's order. The members
# with shapes of their own (productIds, dqi, verification, extensions) are mapped below.
_ENVELOPE_FIELDS: tuple[tuple[str, str], ...] = (
    ("validityPeriodStart", "validity_period_start"),
    ("validityPeriodEnd", "validity_period_end"),
    ("companyName", "manufacturer"),
    ("companyIds", "company_ids"),
    ("productDescription", "product_description"),
)
_AFTER_PRODUCT_IDS: tuple[tuple[str, str], ...] = (
    ("productClassifications", "product_classifications"),
    ("productNameCompany", "product_name"),
    ("comment", "comment"),
)
_PCF_FIELDS: tuple[tuple[str, str], ...] = (
    ("declaredUnitOfMeasurement", "declared_unit"),
    ("declaredUnitAmount", "declared_unit_amount"),
    ("productMassPerDeclaredUnit", "product_mass_per_declared_unit"),
    ("referencePeriodStart", "reference_period_start"),
    ("referencePeriodEnd", "reference_period_end"),
    ("geographyRegionOrSubregion", "geography_region"),
    ("geographyCountry", "geography_country"),
    ("geographyCountrySubdivision", "geography_subdivision"),
    ("boundaryProcessesDescription", "boundary_processes_description"),
    ("pcfExcludingBiogenicUptake", "pcf_excluding_biogenic"),
    ("pcfIncludingBiogenicUptake", "pcf_including_biogenic"),
    ("fossilCarbonContent", "fossil_carbon_content"),
    ("biogenicCarbonContent", "biogenic_carbon_content"),
    ("recycledCarbonContent", "recycled_carbon_content"),
    ("fossilGhgEmissions", "fossil_ghg_emissions"),
    ("landUseChangeGhgEmissions", "land_use_change_ghg_emissions"),
    ("landCarbonLeakage", "land_carbon_leakage"),
    ("landManagementFossilGhgEmissions", "land_management_fossil_ghg_emissions"),
    ("landManagementBiogenicCO2Emissions", "land_management_biogenic_co2_emissions"),
    ("landManagementBiogenicCO2Removals", "land_management_biogenic_co2_removals"),
    ("biogenicCO2Uptake", "biogenic_co2_uptake"),
    ("biogenicNonCO2Emissions", "biogenic_non_co2_emissions"),
    ("landAreaOccupation", "land_area_occupation"),
    ("aircraftGhgEmissions", "aircraft_ghg_emissions"),
    ("packagingEmissionsIncluded", "packaging_emissions_included"),
    ("packagingGhgEmissions", "packaging_ghg_emissions"),
    ("packagingBiogenicCarbonContent", "packaging_biogenic_carbon_content"),
    ("outboundLogisticsGhgEmissions", "outbound_logistics_ghg_emissions"),
    ("ccsTechnologicalCO2CaptureIncluded", "ccs_technological_co2_capture_included"),
    ("ccsTechnologicalCO2Capture", "ccs_technological_co2_capture"),
    ("technologicalCO2CaptureOrigin", "technological_co2_capture_origin"),
    ("technologicalCO2Removals", "technological_co2_removals"),
    ("ccuCarbonContent", "ccu_carbon_content"),
    ("ccuCalculationApproach", "ccu_calculation_approach"),
    ("ccuCreditCertification", "ccu_credit_certification"),
    ("ipccCharacterizationFactors", "characterization_factors"),
    ("crossSectoralStandards", "standards"),
    ("productOrSectorSpecificRules", "product_or_sector_specific_rules"),
    ("exemptedEmissionsPercent", "exempted_emissions_percent"),
    ("exemptedEmissionsDescription", "exempted_emissions_description"),
    ("allocationRulesDescription", "allocation_rules_description"),
    ("secondaryEmissionFactorSources", "secondary_emission_factor_sources"),
    ("primaryDataShare", "primary_data_share"),
)
_DQI: tuple[tuple[str, str], ...] = (
    ("technologicalDQR", "dqr_technological"),
    ("geographicalDQR", "dqr_geographical"),
    ("temporalDQR", "dqr_temporal"),
)
_VERIFICATION: tuple[tuple[str, str], ...] = (
    ("coverage", "verification_coverage"),
    ("providerName", "verification_provider_name"),
    ("completedAt", "verification_completed_at"),
    ("standardName", "verification_standard_name"),
    ("comments", "verification_comments"),
)
_IDENTITY_FIELDS = ("gtin", "product_ids")
MAPPED_FIELDS: Final = frozenset(
    name
    for table in (_ENVELOPE_FIELDS, _AFTER_PRODUCT_IDS, _PCF_FIELDS, _DQI, _VERIFICATION)
    for _, name in table
) | frozenset(_IDENTITY_FIELDS)
"""Template fields with a PACT member of their own; every other field is an extension."""
_UNIQUE_LISTS = frozenset(
    {
        "companyIds",
        "productIds",
        "productClassifications",
        "ipccCharacterizationFactors",
        "crossSectoralStandards",
        "productOrSectorSpecificRules",
        "precedingPfIds",
    }
)


# -- record → PACT ----------------------------------------------------------------------


def to_pact(handle: str, values: Iterable[Mapping[str, Any]], envelope: Envelope) -> dict[str, Any]:
    """The PACT ProductFootprint of record ``handle`` with these values and envelope."""
    fields, template = read_values(values, record=handle)
    if template is None:
        raise MappingError(f"{handle}: the record names no template (index {TEMPLATE_INDEX})")
    footprint: dict[str, Any] = {"id": envelope.id, "specVersion": envelope.spec_version}
    if envelope.preceding:
        footprint["precedingPfIds"] = list(envelope.preceding)
    footprint["created"] = envelope.created
    footprint["status"] = envelope.status
    _copy_out(fields, _ENVELOPE_FIELDS, footprint)
    footprint["productIds"] = _product_ids(handle, fields)
    _copy_out(fields, _AFTER_PRODUCT_IDS, footprint)
    pcf: dict[str, Any] = {}
    _copy_out(fields, _PCF_FIELDS, pcf)
    _nested_out(handle, fields, _DQI, "dqi", pcf, complete=True)
    _nested_out(handle, fields, _VERIFICATION, "verification", pcf, complete=False)
    footprint["pcf"] = pcf
    extension = {name: value for name, value in fields.items() if name not in MAPPED_FIELDS}
    if extension or template != BASE_TEMPLATE:
        footprint["extensions"] = [
            {
                "specVersion": EXTENSION_VERSION,
                "dataSchema": EXTENSION_SCHEMA,
                "data": {"template": template, "fields": extension},
            }
        ]
    _check_geography(handle, pcf)
    _check_lists(handle, footprint)
    return footprint


def _copy_out(
    fields: Mapping[str, Any], table: tuple[tuple[str, str], ...], into: dict[str, Any]
) -> None:
    for member, name in table:
        if name in fields:
            into[member] = fields[name]


def _nested_out(
    handle: str,
    fields: Mapping[str, Any],
    table: tuple[tuple[str, str], ...],
    member: str,
    into: dict[str, Any],
    *,
    complete: bool,
) -> None:
    nested = {key: fields[name] for key, name in table if name in fields}
    if not nested:
        return
    if complete and len(nested) < len(table):
        missing = ", ".join(name for _, name in table if name not in fields)
        raise MappingError(
            f"{handle}: PACT's {member} needs all three ratings; the record lacks {missing}"
        )
    into[member] = nested


def _product_ids(handle: str, fields: Mapping[str, Any]) -> list[str]:
    ids = [glid_urn(handle)]
    gtin = fields.get("gtin")
    if isinstance(gtin, str):
        ids.append(GTIN_URN + gtin)
    others = fields.get("product_ids", [])
    if not isinstance(others, list):
        raise MappingError(f"{handle}: product_ids must be a list of URNs")
    ids.extend(others)
    return ids


_GEOGRAPHY = ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")


def _check_geography(handle: str, pcf: Mapping[str, Any]) -> None:
    """PACT takes at most one of region, country and subdivision (the finest one known)."""
    given = [member for member in _GEOGRAPHY if member in pcf]
    if len(given) > 1:
        raise MappingError(
            f"{handle}: PACT takes one geography, the record gives {' and '.join(given)};"
            " keep only the most precise"
        )


def _check_lists(handle: str, footprint: Mapping[str, Any]) -> None:
    """PACT's lists are non-empty sets; the template cannot say so, the mapping does."""
    for where, container in (("", footprint), ("pcf.", footprint["pcf"])):
        for member in _UNIQUE_LISTS & container.keys():
            items = container[member]
            if not items:
                raise MappingError(f"{handle}: PACT's {where}{member} must not be empty")
            keys = [
                repr(sorted(item.items())) if isinstance(item, dict) else item for item in items
            ]
            if len(set(keys)) != len(keys):
                raise MappingError(f"{handle}: PACT's {where}{member} repeats an entry")


# -- PACT → record ----------------------------------------------------------------------

_TOP_MEMBERS = frozenset(
    {"id", "specVersion", "precedingPfIds", "created", "status", "productIds", "pcf"}
    | {member for member, _ in _ENVELOPE_FIELDS + _AFTER_PRODUCT_IDS}
    | {"extensions"}
)
_PCF_MEMBERS = frozenset({member for member, _ in _PCF_FIELDS} | {"dqi", "verification"})

Lookup = Callable[[str], EffectiveTemplate]


def from_pact(
    footprint: Mapping[str, Any], lookup: Lookup
) -> tuple[str, list[dict[str, Any]], Envelope]:
    """The handle, record values and envelope a PACT ProductFootprint maps to.

    ``lookup`` gives the effective template of a ref (the extension names the template;
    without one it is :data:`BASE_TEMPLATE`). The first productId must be the glid URN of
    the record. A member the mapping would drop is refused, naming it."""
    _refuse_unknown(footprint, _TOP_MEMBERS, "")
    pcf = footprint.get("pcf")
    if not isinstance(pcf, dict):
        raise MappingError("pcf: required, an object")
    _refuse_unknown(pcf, _PCF_MEMBERS, "pcf.")
    handle, identity = _identity(footprint.get("productIds"))
    template, fields = _extension(footprint.get("extensions"))
    fields.update(identity)
    _copy_in(footprint, _ENVELOPE_FIELDS + _AFTER_PRODUCT_IDS, fields)
    _copy_in(pcf, _PCF_FIELDS, fields)
    for member, table in (("dqi", _DQI), ("verification", _VERIFICATION)):
        nested = pcf.get(member)
        if nested is None:
            continue
        if not isinstance(nested, dict):
            raise MappingError(f"pcf.{member}: expected an object")
        _refuse_unknown(nested, {key for key, _ in table}, f"pcf.{member}.")
        _copy_in(nested, table, fields)
    values = _values(lookup(template), fields)
    return handle, values, _envelope(footprint)


def _refuse_unknown(container: Mapping[str, Any], known: Iterable[str], where: str) -> None:
    unknown = sorted(set(container) - set(known))
    if unknown:
        raise MappingError(f"{where}{unknown[0]}: not a PACT v3 member this node maps")


def _identity(product_ids: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(product_ids, list) or not product_ids:
        raise MappingError("productIds: required, a non-empty list of URNs")
    handle = handle_of_urn(product_ids[0]) if isinstance(product_ids[0], str) else None
    if handle is None:
        raise MappingError(
            f"productIds[0]: {product_ids[0]!r} is not a glid URN (urn:glid:PREFIX/SUFFIX);"
            " a footprint maps to a record only under its glid identifier"
        )
    rest = list(product_ids[1:])
    identity: dict[str, Any] = {}
    if rest and isinstance(rest[0], str) and rest[0].startswith(GTIN_URN):
        gtin = rest[0][len(GTIN_URN) :]
        if _GTIN.match(gtin):
            identity["gtin"] = gtin
            rest = rest[1:]
    if rest:
        identity["product_ids"] = rest
    return handle, identity


def _extension(extensions: Any) -> tuple[str, dict[str, Any]]:
    if extensions is None:
        return BASE_TEMPLATE, {}
    if not isinstance(extensions, list) or len(extensions) != 1:
        raise MappingError("extensions: this node keeps exactly one, the glid record extension")
    (extension,) = extensions
    if not isinstance(extension, dict) or extension.get("dataSchema") != EXTENSION_SCHEMA:
        raise MappingError(f"extensions[0].dataSchema: only {EXTENSION_SCHEMA} is kept")
    data = extension.get("data")
    if (
        extension.get("specVersion") != EXTENSION_VERSION
        or set(extension) != {"specVersion", "dataSchema", "data"}
        or not isinstance(data, dict)
        or set(data) != {"template", "fields"}
        or not isinstance(data["template"], str)
        or not isinstance(data["fields"], dict)
    ):
        raise MappingError(
            f"extensions[0]: expected specVersion {EXTENSION_VERSION} and data"
            ' {"template": ID@VERSION, "fields": {...}}'
        )
    mapped = sorted(MAPPED_FIELDS & set(data["fields"]))
    if mapped:
        raise MappingError(f"extensions[0].data.fields.{mapped[0]}: has a PACT member of its own")
    return data["template"], dict(data["fields"])


def _copy_in(
    container: Mapping[str, Any], table: tuple[tuple[str, str], ...], fields: dict[str, Any]
) -> None:
    for member, name in table:
        if member in container:
            fields[name] = container[member]


def _values(effective: EffectiveTemplate, fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = [
        {
            "index": TEMPLATE_INDEX,
            "type": TEMPLATE_TYPE,
            "data": {"format": "string", "value": effective.ref},
        }
    ]
    for name in sorted(fields, key=lambda name: _index(effective, name)):
        value = fields[name]
        kind = "string" if isinstance(value, str) else "json"
        values.append(
            {
                "index": _index(effective, name),
                "type": name,
                "data": {"format": kind, "value": value},
            }
        )
    return values


def _index(effective: EffectiveTemplate, name: str) -> int:
    field = effective.by_name.get(name)
    if field is None:
        raise MappingError(f"{name}: template {effective.ref} has no such field")
    return field.index


def _envelope(footprint: Mapping[str, Any]) -> Envelope:
    parts = {}
    for member in ("id", "specVersion", "created", "status"):
        value = footprint.get(member)
        if not isinstance(value, str):
            raise MappingError(f"{member}: required, a string")
        parts[member] = value
    preceding = footprint.get("precedingPfIds")
    if preceding is not None and (
        not isinstance(preceding, list)
        or not preceding
        or not all(isinstance(item, str) for item in preceding)
    ):
        raise MappingError("precedingPfIds: if present, a non-empty list of ids")
    return Envelope(
        id=parts["id"],
        spec_version=parts["specVersion"],
        created=parts["created"],
        status=parts["status"],
        preceding=tuple(preceding or ()),
    )
