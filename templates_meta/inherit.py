"""Inheritance: the fields a record of a template must follow, merged along ``extends``.

An industry or enterprise template states only what it adds or tightens; a record is
checked against the merged result. The rules keep every record of a child template a
valid record of each of its ancestors, which is what lets accounting read a steel
footprint as a plain product footprint: a child may add fields and tighten inherited
ones (raise min, lower max, shrink an enum, make a field required) but never loosen
them or give an index or name another meaning.
"""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from glid_core.canonical import encode
from templates_meta.errors import (
    ConstraintLoosened,
    FieldConflict,
    LayerNotAllowed,
    TemplateCycle,
    UnknownTemplate,
)
from templates_meta.model import Field, FieldType, Labels, Layer, Template, split_ref
from templates_meta.units import conversion_factor, dimension_of

Lookup = Callable[[str], Template]
"""Returns the template stored under an ID@VERSION, or raises UnknownTemplate (or KeyError)."""

_LAYER_RANK = {Layer.PUBLIC: 0, Layer.INDUSTRY: 1, Layer.ENTERPRISE: 2}
_CONVERTED = frozenset({FieldType.QUANTITY, FieldType.INPUT})
"""Value types whose unit travels with each value, so a child may pick another unit."""


@dataclass(frozen=True, slots=True, eq=False)
class EffectiveTemplate:
    """A template with every inherited field merged in, ready to validate records."""

    template: Template
    chain: tuple[str, ...]
    """The refs from this template up to its root: (ref, parent ref, ..., root ref)."""
    fields: tuple[Field, ...]
    """Every field, in index order."""
    by_name: Mapping[str, Field]
    by_index: Mapping[int, Field]
    origin: Mapping[str, str]
    """For each field name, the ref of the template that defined it last."""
    digest: str
    """SHA-256 over the ref and the merged fields: equal digests, equal validation."""

    @property
    def ref(self) -> str:
        return self.template.ref

    @property
    def layer(self) -> Layer:
        return self.template.layer

    @property
    def title(self) -> Labels:
        return self.template.title

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(field for field in self.fields if field.required)


def effective_template(ref: str, lookup: Lookup) -> EffectiveTemplate:
    """Merge the template ``ref`` with its ancestors, enforcing the inheritance rules."""
    template_id, version = split_ref(ref)
    chain = _ancestry(f"{template_id}@{version}", lookup)
    merged: dict[str, Field] = {}
    names_by_index: dict[int, str] = {}
    origin: dict[str, str] = {}
    for template in reversed(chain):
        for field in template.fields:
            inherited = merged.get(field.name)
            if inherited is not None:
                _check_override(inherited, field, origin[field.name], template.ref)
            elif field.index in names_by_index:
                other = names_by_index[field.index]
                raise FieldConflict(
                    f"{template.ref}: field {field.name!r} reuses index {field.index}, which "
                    f"{origin[other]} gives to field {other!r}; pick an unused index"
                )
            merged[field.name] = field
            names_by_index[field.index] = field.name
            origin[field.name] = template.ref
    fields = tuple(sorted(merged.values(), key=lambda field: field.index))
    leaf = chain[0]
    return EffectiveTemplate(
        template=leaf,
        chain=tuple(template.ref for template in chain),
        fields=fields,
        by_name={field.name: field for field in fields},
        by_index={field.index: field for field in fields},
        origin=origin,
        digest=_digest(leaf.ref, fields),
    )


def _ancestry(ref: str, lookup: Lookup) -> list[Template]:
    """The template and its ancestors, child first, refusing cycles and layer inversions."""
    chain: list[Template] = []
    next_ref: str | None = ref
    while next_ref is not None:
        seen = [template.ref for template in chain]
        if next_ref in seen:
            loop = " -> ".join([*seen[seen.index(next_ref) :], next_ref])
            raise TemplateCycle(f"templates extend each other in a cycle: {loop}")
        parent = _fetch(next_ref, lookup, chain[-1].ref if chain else None)
        if chain:
            _check_layer(chain[-1], parent)
        chain.append(parent)
        next_ref = parent.extends
    return chain


def _fetch(ref: str, lookup: Lookup, extended_by: str | None) -> Template:
    try:
        template = lookup(ref)
    except UnknownTemplate as exc:
        if extended_by is None:
            raise
        raise UnknownTemplate(f"{extended_by} extends {ref}, which cannot be used: {exc}") from None
    except KeyError:
        needed = f", which {extended_by} extends," if extended_by else ""
        raise UnknownTemplate(
            f"template {ref}{needed} is not known here; install or propose it first"
        ) from None
    if template.ref != ref:
        raise UnknownTemplate(f"looking up template {ref} returned {template.ref}")
    return template


def _check_layer(child: Template, parent: Template) -> None:
    if _LAYER_RANK[parent.layer] > _LAYER_RANK[child.layer]:
        raise LayerNotAllowed(
            f"{child.ref} is a {child.layer} template and may not extend the {parent.layer} "
            f"template {parent.ref}: public templates extend public ones, industry templates "
            "extend public or industry ones, enterprise templates extend any"
        )


def _check_override(parent: Field, child: Field, parent_ref: str, child_ref: str) -> None:
    """A field restated by a child must keep its meaning and may only get stricter."""
    where = f"{child_ref}: field {child.name!r} (from {parent_ref})"
    if child.index != parent.index:
        raise FieldConflict(
            f"{where} has index {parent.index}; an extension cannot move it to {child.index}"
        )
    if (child.type, child.item_type) != (parent.type, parent.item_type):
        raise FieldConflict(
            f"{where} is of type {_type_name(parent)}; an extension cannot change it to "
            f"{_type_name(child)}"
        )
    factor = _unit_factor(parent, child, where)
    if parent.required and not child.required:
        raise ConstraintLoosened(f"{where} is required; an extension cannot make it optional")
    low, high = _bounds(parent, factor)
    if not _at_least_as_tight(low, (child.min_decimal, child.exclusive_min), lower=True):
        raise ConstraintLoosened(
            f"{where} has minimum {_show(parent.min, parent.exclusive_min, parent.unit)}; "
            f"{_show(child.min, child.exclusive_min, child.unit)} would loosen it"
        )
    if not _at_least_as_tight(high, (child.max_decimal, child.exclusive_max), lower=False):
        raise ConstraintLoosened(
            f"{where} has maximum {_show(parent.max, parent.exclusive_max, parent.unit)}; "
            f"{_show(child.max, child.exclusive_max, child.unit)} would loosen it"
        )
    if parent.enum is not None:
        extra = [value for value in child.enum or () if value not in parent.enum]
        if extra:
            raise ConstraintLoosened(
                f"{where} allows only {', '.join(parent.enum)}; an extension cannot add "
                f"{', '.join(extra)}"
            )
    if parent.pattern is not None and child.pattern != parent.pattern:
        raise ConstraintLoosened(
            f"{where} has pattern {parent.pattern!r}; an extension must keep it unchanged"
        )


def _unit_factor(parent: Field, child: Field, where: str) -> Decimal:
    """The factor from the parent's unit to the child's, refusing a change of meaning."""
    if parent.unit is None:
        return Decimal(1)
    if child.unit is None:
        raise ConstraintLoosened(f"{where} is in {parent.unit}; an extension must keep a unit")
    if child.value_type not in _CONVERTED:
        if child.unit != parent.unit:
            raise FieldConflict(
                f"{where} is a plain number in {parent.unit}; an extension cannot change "
                f"its unit to {child.unit}"
            )
        return Decimal(1)
    parent_dimension, child_dimension = dimension_of(parent.unit), dimension_of(child.unit)
    if parent_dimension != child_dimension:
        raise FieldConflict(
            f"{where} measures {parent_dimension} ({parent.unit}); an extension cannot "
            f"change it to {child_dimension} ({child.unit})"
        )
    return conversion_factor(parent.unit, child.unit)


Bound = tuple[Decimal | None, bool]


def _bounds(field: Field, factor: Decimal) -> tuple[Bound, Bound]:
    low = None if field.min_decimal is None else field.min_decimal * factor
    high = None if field.max_decimal is None else field.max_decimal * factor
    return (low, field.exclusive_min), (high, field.exclusive_max)


def _at_least_as_tight(parent: Bound, child: Bound, *, lower: bool) -> bool:
    parent_value, parent_exclusive = parent
    child_value, child_exclusive = child
    if parent_value is None:
        return True
    if child_value is None:
        return False
    if child_value != parent_value:
        return child_value > parent_value if lower else child_value < parent_value
    return child_exclusive or not parent_exclusive


def _show(bound: str | None, exclusive: bool, unit: str | None) -> str:
    if bound is None:
        return "no bound"
    text = f"{bound} {unit}" if unit else bound
    return f"{text} (exclusive)" if exclusive else text


def _type_name(field: Field) -> str:
    return f"list of {field.item_type}" if field.item_type else str(field.type)


def _digest(ref: str, fields: tuple[Field, ...]) -> str:
    body = encode([ref, [field.model_dump(mode="json") for field in fields]])
    return hashlib.sha256(body).hexdigest()
