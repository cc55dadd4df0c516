"""The PACT v3 footprint filters: read them from a query string or an event, then select.

ListFootprints and the RequestCreated event take the same criteria. Values of one
criterion are alternatives (OR); different criteria must all hold (AND). Filter names are
matched without regard to case, as the specification's own example writes them. The
validity period of a footprint without one starts at the end of its reference period and
lasts three years (PACT's default), so the date filters select every footprint.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from accounting.errors import AccountingError

LIST_CRITERIA: Final = ("productId", "companyId", "geography", "classification", "status")
DATE_CRITERIA: Final = ("validOn", "validAfter", "validBefore")
CRITERIA: Final = LIST_CRITERIA + DATE_CRITERIA
_BY_FOLDED = {name.lower(): name for name in CRITERIA}
DEFAULT_VALIDITY: Final = timedelta(days=3 * 365 + 1)


class FilterError(AccountingError):
    """A footprint filter is unknown or its value cannot be read."""


@dataclass(frozen=True, slots=True)
class Filters:
    """The criteria of one request: (criterion, alternatives) pairs in name order, and the
    dates. Hashable, so a node can remember what a filter selected while paging."""

    any_of: tuple[tuple[str, frozenset[str]], ...] = ()
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.any_of) or any(
            moment is not None for moment in (self.valid_on, self.valid_after, self.valid_before)
        )


@dataclass(frozen=True, slots=True)
class Facets:
    """What the filters look at in one footprint, read once when the footprint is indexed."""

    product_ids: frozenset[str]
    company_ids: frozenset[str]
    geography: frozenset[str]
    classifications: frozenset[str]
    status: str
    valid_from: datetime
    valid_until: datetime

    def values_of(self, criterion: str) -> frozenset[str]:
        if criterion == "productId":
            return self.product_ids
        if criterion == "companyId":
            return self.company_ids
        if criterion == "geography":
            return self.geography
        if criterion == "classification":
            return self.classifications
        return frozenset((self.status,))


def parse_query(pairs: Iterable[tuple[str, str]]) -> Filters:
    """Filters from query parameters (name, value) other than paging; an unknown name or a
    malformed date is a :class:`FilterError` naming it."""
    lists: dict[str, set[str]] = {}
    dates: dict[str, datetime] = {}
    for raw_name, value in pairs:
        name = _BY_FOLDED.get(raw_name.lower())
        if name is None:
            raise FilterError(
                f"unknown filter {raw_name!r}; this node filters by {', '.join(CRITERIA)}"
            )
        if name in DATE_CRITERIA:
            if name in dates:
                raise FilterError(f"filter {name} may be given once")
            dates[name] = parse_datetime(value, name)
        else:
            lists.setdefault(name, set()).add(value)
    return _filters(lists, dates)


def parse_request(data: Mapping[str, Any]) -> Filters:
    """Filters from the ``data`` of a RequestCreated event (lists for the list criteria, one
    date-time each for the date criteria; ``comment`` is free text)."""
    lists: dict[str, set[str]] = {}
    dates: dict[str, datetime] = {}
    for name, value in data.items():
        if name == "comment":
            if not isinstance(value, str):
                raise FilterError("data.comment: expected a string")
            continue
        if name not in CRITERIA:
            raise FilterError(f"data.{name}: not a PACT request criterion")
        if name in DATE_CRITERIA:
            if not isinstance(value, str):
                raise FilterError(f"data.{name}: expected a date-time string")
            dates[name] = parse_datetime(value, f"data.{name}")
        elif not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise FilterError(f"data.{name}: expected a list of strings")
        else:
            lists[name] = set(value)
    return _filters(lists, dates)


def _filters(lists: Mapping[str, set[str]], dates: Mapping[str, datetime]) -> Filters:
    return Filters(
        any_of=tuple(sorted((name, frozenset(values)) for name, values in lists.items())),
        valid_on=dates.get("validOn"),
        valid_after=dates.get("validAfter"),
        valid_before=dates.get("validBefore"),
    )


def parse_datetime(text: str, where: str) -> datetime:
    """An RFC 3339 date-time with a zone (seconds may be left out, as in PACT's examples)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FilterError(
            f"{where}: {text!r} is not a date-time such as 2025-04-01T00:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise FilterError(f"{where}: {text!r} has no time zone; add Z or an offset")
    return moment


def facets(footprint: Mapping[str, Any]) -> Facets:
    """The facets of a served footprint (a valid PACT ProductFootprint)."""
    pcf = footprint["pcf"]
    start_text = footprint.get("validityPeriodStart")
    start = parse_datetime(start_text or pcf["referencePeriodEnd"], "validityPeriodStart")
    end_text = footprint.get("validityPeriodEnd")
    end = parse_datetime(end_text, "validityPeriodEnd") if end_text else start + DEFAULT_VALIDITY
    geography = (
        pcf.get(member)
        for member in (
            "geographyCountry",
            "geographyCountrySubdivision",
            "geographyRegionOrSubregion",
        )
    )
    return Facets(
        product_ids=frozenset(footprint["productIds"]),
        company_ids=frozenset(footprint["companyIds"]),
        geography=frozenset(place for place in geography if place),
        classifications=frozenset(footprint.get("productClassifications", ())),
        status=footprint["status"],
        valid_from=start,
        valid_until=end,
    )


def selects(filters: Filters, facets: Facets) -> bool:
    """Whether one footprint passes every criterion (each by at least one of its values)."""
    for criterion, wanted in filters.any_of:
        if wanted.isdisjoint(facets.values_of(criterion)):
            return False
    if filters.valid_on is not None and not (
        facets.valid_from <= filters.valid_on <= facets.valid_until
    ):
        return False
    if filters.valid_after is not None and not facets.valid_from > filters.valid_after:
        return False
    return filters.valid_before is None or facets.valid_until < filters.valid_before


def select(filters: Filters, candidates: Sequence[Facets]) -> list[int]:
    """Positions of the candidates the filters select, in order."""
    if not filters:
        return list(range(len(candidates)))
    return [position for position, one in enumerate(candidates) if selects(filters, one)]
