"""What the buyer's page shows for one identifier, gathered from the network.

Once the identifier in any scheme has been looked up (through its alias, verified), one
call, :func:`gather`, does every further lookup the page needs: the footprint rolled up
the supply chain with each input's verdict, and the enterprise's carbon-efficiency grade
when the record links to one. The HTML is rendered from the result
(:mod:`resolver.page_html`) and does no I/O itself.
"""

from dataclasses import dataclass
from typing import Any

from accounting.efficiency import CarbonEfficiency, evaluate
from accounting.enterprise import from_record
from accounting.report import evaluation_report
from accounting.rollup import RollupResult
from glid_core.errors import GlidError
from resolver.client import Resolver
from resolver.footprint import Rollups
from resolver.lookup import Lookup
from resolver.resolution import Resolution

# A product record may name its maker's carbon-efficiency record with this value type
# (any index below 100); docs/FORMATS.md, "Links between records".
EFFICIENCY_LINK = "CARBON_EFFICIENCY"
FOOTPRINT_FIELD = "pcf_excluding_biogenic"
EFFICIENCY_FIELD = "value_added"


@dataclass(frozen=True, slots=True)
class Grade:
    """An enterprise's carbon-efficiency evaluation, and the lookup of the record it was
    read from (the page's own record, or the one it links to): which record, and whether
    it verified, are that lookup's, never copies of them."""

    source: Lookup | Resolution
    efficiency: CarbonEfficiency

    @property
    def record(self) -> str:
        return self.source.handle

    @property
    def verified(self) -> bool:
        return self.source.verified


@dataclass(frozen=True, slots=True)
class PageView:
    lookup: Lookup
    footprint: RollupResult | None = None
    footprint_error: str | None = None
    grade: Grade | None = None
    grade_error: str | None = None

    @property
    def values(self) -> dict[str, Any]:
        """The record's values by type (the product's fields), empty if nothing resolved."""
        return values_by_type(self.lookup)

    @property
    def tree(self) -> dict[str, Any] | None:
        if self.footprint is None:
            return None
        return self.footprint.tree(self.lookup.handle)

    def report(self) -> dict[str, Any] | None:
        """The evaluation report (grade, with the footprint when there is one)."""
        if self.grade is None:
            return None
        return evaluation_report(self.grade.efficiency, self.footprint)


def values_by_type(found: Lookup) -> dict[str, Any]:
    """A resolved record's value data by value type; empty when nothing resolved."""
    answer = found.resolution.answer or {}
    return {value["type"]: value["data"]["value"] for value in answer.get("values", [])}


async def gather(resolver: Resolver, rollups: Rollups, found: Lookup) -> PageView:
    """Everything the page shows for a looked-up identifier (asked with ``bundle=True``,
    so the page can offer its evidence); a part that fails is reported, not raised. The
    footprint is rolled up by ``rollups`` (the blocking driver, in its own thread)."""
    if found.resolution.answer is None:
        return PageView(found)
    values = values_by_type(found)
    footprint, footprint_error = None, None
    if FOOTPRINT_FIELD in values:
        try:
            footprint = await rollups.footprint([found.handle])
        except GlidError as exc:
            footprint_error = str(exc)
    grade, grade_error = await _grade(resolver, found, values)
    return PageView(found, footprint, footprint_error, grade, grade_error)


async def _grade(
    resolver: Resolver, found: Lookup, values: dict[str, Any]
) -> tuple[Grade | None, str | None]:
    """The grade of the record itself (an efficiency record) or of the one it links to."""
    answer = found.resolution.answer
    if EFFICIENCY_FIELD in values and answer is not None:
        return _evaluated(found, answer["values"])
    link = values.get(EFFICIENCY_LINK)
    if not isinstance(link, str):
        return None, None
    linked = await resolver.resolve(link)
    if linked.answer is None:
        return None, f"{link}: {linked.error or linked.status}"
    return _evaluated(linked, linked.answer["values"])


def _evaluated(
    source: Lookup | Resolution, values: list[dict[str, Any]]
) -> tuple[Grade | None, str | None]:
    try:
        return Grade(source, evaluate(from_record(values, id=source.handle))), None
    except GlidError as exc:
        return None, f"{source.handle}: {exc}"
