"""The template document: what a metadata template says about the items of a record.

A template is a JSON document (docs/formats/templates.md) naming the fields a record of
that kind carries at indexes >= 2000, with each field's type, unit, bounds and labels.
The models here check a document on its own; rules that need the parent template
(tightening, index reuse, layers) live in :mod:`templates_meta.inherit`.
"""

import re
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from glid_core.canonical import encode
from glid_core.layout import FIRST_ITEM_INDEX
from templates_meta.errors import InvalidTemplate, UnitError
from templates_meta.units import dimension_of

"""Handle indexes below this belong to the record machinery (admin, keys, signatures, 1001)."""

DECIMAL_PATTERN = r"^[+-]?[0-9]+(\.[0-9]+)?$"
"""A decimal travels as a JSON string of this form (as PACT's Decimal does): "12.5", "-3", "+1"."""

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
"""RFC 3339 date-time with a zone, as record timestamps are written: 2026-01-01T00:00:00Z."""

IDENTIFIER_PATTERN = r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*/[^\x00-\x1f\x7f]+$"
"""The shape of a PREFIX/SUFFIX reference; glid_core.identifiers checks the full grammar."""

_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_SEMVER = re.compile(
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_DECIMAL = re.compile(DECIMAL_PATTERN)


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    ENUM = "enum"
    QUANTITY = "quantity"
    IDENTIFIER = "identifier"
    INPUT = "input"
    FACTOR_SOURCE = "factor_source"
    SECTOR_RULE = "sector_rule"
    LIST = "list"


class Layer(StrEnum):
    PUBLIC = "public"
    INDUSTRY = "industry"
    ENTERPRISE = "enterprise"


NUMERIC_TYPES = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.QUANTITY})
"""Types whose values (or whose quantity's value) can be bounded by min and max."""

UNIT_TYPES = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.QUANTITY, FieldType.INPUT})
"""Types a unit means something for: the unit of a plain number, or of a quantity's value."""

PATTERN_TYPES = frozenset({FieldType.STRING, FieldType.IDENTIFIER})


def is_identifier(text: str) -> bool:
    return _IDENTIFIER.match(text) is not None


def is_decimal(text: str) -> bool:
    return _DECIMAL.match(text) is not None


def split_ref(ref: str) -> tuple[str, str]:
    """Split "ID@VERSION" into its identifier and version, refusing any other shape."""
    template_id, at, version = ref.rpartition("@")
    if not at or not is_identifier(template_id) or not _SEMVER.match(version):
        raise InvalidTemplate(
            f"template reference {ref!r} is not of the form PREFIX/SUFFIX@MAJOR.MINOR.PATCH, "
            "for example 88/tpl.product-footprint@1.0.0"
        )
    return normalise_id(template_id), version


def normalise_id(template_id: str) -> str:
    """Prefixes are case-insensitive and stored lower-case; suffixes keep their case."""
    prefix, _, suffix = template_id.partition("/")
    return f"{prefix.lower()}/{suffix}"


def prefix_of(template_id: str) -> str:
    return template_id.partition("/")[0]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


class Labels(_Frozen):
    """A name in both languages the network publishes in."""

    zh: str
    en: str

    @field_validator("zh", "en")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("a label may not be blank")
        return text


class Field(_Frozen):
    """One item of a record: its name, Handle index, type and constraints."""

    name: str
    index: int
    type: FieldType
    item_type: FieldType | None = None
    unit: str | None = None
    required: bool = False
    min: str | None = None
    max: str | None = None
    exclusive_min: bool = False
    exclusive_max: bool = False
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    labels: Labels
    description: str | None = None

    @property
    def value_type(self) -> FieldType:
        """The type each value has: the item type for a list, the field's type otherwise."""
        return self.item_type if self.type is FieldType.LIST and self.item_type else self.type

    @property
    def min_decimal(self) -> Decimal | None:
        return None if self.min is None else Decimal(self.min)

    @property
    def max_decimal(self) -> Decimal | None:
        return None if self.max is None else Decimal(self.max)

    @field_validator("name")
    @classmethod
    def _snake_case(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError(f"field name {name!r} is not snake_case (a-z, 0-9, single _)")
        return name

    @field_validator("index")
    @classmethod
    def _item_index(cls, index: int) -> int:
        if index < FIRST_ITEM_INDEX:
            raise ValueError(
                f"index {index} is below {FIRST_ITEM_INDEX}; lower indexes are reserved"
            )
        return index

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, symbol: str | None) -> str | None:
        if symbol is not None:
            try:
                dimension_of(symbol)
            except UnitError as exc:
                raise ValueError(str(exc)) from None
        return symbol

    @field_validator("min", "max")
    @classmethod
    def _decimal_bound(cls, bound: str | None) -> str | None:
        if bound is not None and not is_decimal(bound):
            raise ValueError(f"bound {bound!r} is not a decimal string like '0' or '12.5'")
        return bound

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
        return pattern

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = list(self._problems())
        if problems:
            raise ValueError(f"field {self.name!r}: " + "; ".join(problems))
        return self

    def _holds_nothing(self, low: Decimal, high: Decimal) -> bool:
        """Whether bounds with ``low <= high`` still leave no value: equal bounds with one
        exclusive, or integer bounds with no whole number left once the exclusive ends go."""
        if self.value_type is FieldType.INTEGER:
            return low + self.exclusive_min > high - self.exclusive_max
        return low == high and (self.exclusive_min or self.exclusive_max)

    def _problems(self) -> list[str]:
        problems = []
        if self.type is FieldType.LIST:
            if self.item_type is None:
                problems.append("a list needs an item_type")
            elif self.item_type is FieldType.LIST:
                problems.append("lists of lists are not supported")
        elif self.item_type is not None:
            problems.append(f"item_type is only for lists, not {self.type}")
        kind = self.value_type
        if self.unit is not None and kind not in UNIT_TYPES:
            problems.append(f"a {kind} value has no unit")
        if (self.min is not None or self.max is not None) and kind not in NUMERIC_TYPES:
            problems.append(f"a {kind} value cannot have min or max")
        if kind is FieldType.QUANTITY and (self.min or self.max) and self.unit is None:
            problems.append("bounds on a quantity need the unit they are written in")
        if kind is FieldType.INTEGER:
            for bound in (self.min_decimal, self.max_decimal):
                if bound is not None and bound != bound.to_integral_value():
                    problems.append(f"bound {bound} of an integer field is not a whole number")
        if self.exclusive_min and self.min is None:
            problems.append("exclusive_min needs a min")
        if self.exclusive_max and self.max is None:
            problems.append("exclusive_max needs a max")
        low, high = self.min_decimal, self.max_decimal
        if low is not None and high is not None:
            if low > high:
                problems.append(f"min {low} is above max {high}")
            elif self._holds_nothing(low, high):
                problems.append(f"no value lies between min {low} and max {high} as written")
        if self.pattern is not None and kind not in PATTERN_TYPES:
            problems.append(f"a {kind} value cannot have a pattern")
        if kind is FieldType.ENUM:
            if not self.enum:
                problems.append("an enum needs a non-empty list of values")
            elif len(set(self.enum)) != len(self.enum):
                problems.append("enum values repeat")
        elif self.enum is not None:
            problems.append(f"a {kind} value cannot have enum values")
        return problems


class Template(_Frozen):
    """A metadata template, identified by ID@VERSION and immutable once published."""

    id: str
    version: str
    layer: Layer
    extends: str | None = None
    title: Labels
    description: str | None = None
    fields: tuple[Field, ...]

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def prefix(self) -> str:
        """The prefix of the node that owns the template (the part of the id before "/")."""
        return prefix_of(self.id)

    def to_json(self) -> dict[str, Any]:
        """The JSON document of this template, without members left at their defaults."""
        return self.model_dump(mode="json", exclude_defaults=True)

    def canonical_bytes(self) -> bytes:
        """Canonical MessagePack of the document: equal bytes iff equal templates."""
        return encode(self.to_json())

    @field_validator("id")
    @classmethod
    def _identifier(cls, template_id: str) -> str:
        if not is_identifier(template_id):
            raise ValueError(f"template id {template_id!r} is not of the form PREFIX/SUFFIX")
        return normalise_id(template_id)

    @field_validator("version")
    @classmethod
    def _semver(cls, version: str) -> str:
        if not _SEMVER.match(version):
            raise ValueError(f"version {version!r} is not a semantic version like 1.0.0")
        return version

    @field_validator("extends")
    @classmethod
    def _reference(cls, ref: str | None) -> str | None:
        if ref is None:
            return None
        try:
            template_id, version = split_ref(ref)
        except InvalidTemplate as exc:
            raise ValueError(str(exc)) from None
        return f"{template_id}@{version}"

    @model_validator(mode="after")
    def _distinct_fields(self) -> Self:
        if self.extends == self.ref:
            raise ValueError(f"template {self.ref} extends itself")
        for attribute in ("name", "index"):
            seen: set[object] = set()
            for field in self.fields:
                key = getattr(field, attribute)
                if key in seen:
                    raise ValueError(f"two fields have the {attribute} {key!r}")
                seen.add(key)
        return self


def parse_template(document: Mapping[str, Any] | str | bytes) -> Template:
    """Read a template document (parsed JSON, or its text), listing every problem at once."""
    if isinstance(document, (str, bytes)):
        try:  # strict RFC 8259, as request bodies: no NaN, no lone surrogate to encode later
            document = orjson.loads(document)
        except orjson.JSONDecodeError as exc:
            raise InvalidTemplate(f"template is not valid JSON: {exc}") from None
    if not isinstance(document, Mapping):
        raise InvalidTemplate("a template document is a JSON object")
    try:
        return Template.model_validate(document)
    except ValidationError as exc:
        raise InvalidTemplate(_describe(document, exc)) from None


def _describe(document: Mapping[str, Any], exc: ValidationError) -> str:
    about = document.get("id", "template")
    lines = []
    for detail in exc.errors(include_url=False):
        where = _location(document, detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        lines.append(f"  - {where}: {message}" if where else f"  - {message}")
    return f"template {about} is not valid:\n" + "\n".join(lines)


def _location(document: Mapping[str, Any], loc: tuple[int | str, ...]) -> str:
    """Name a field by its name rather than its position, which is what an author sees."""
    parts: list[str] = []
    node: Any = document
    for step in loc:
        if isinstance(step, int):
            name = node[step].get("name") if isinstance(node, list) else None
            parts[-1] += f"[{name!r}]" if isinstance(name, str) else f"[{step}]"
        else:
            parts.append(step)
        node = _child(node, step)
    return ".".join(parts)


def _child(node: Any, step: int | str) -> Any:
    if isinstance(node, Mapping) and isinstance(step, str):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and step < len(node):
        return node[step]
    return None
