"""The node's footprints as PACT serves them, kept in memory and encoded once.

A record version is immutable, so its ProductFootprint is mapped and encoded when the
version is first seen; only its ``status`` changes (Active → Deprecated) when a later
version or a deletion supersedes it, and then it is encoded again. Every accepted version
has a leaf in the node's append-only transparency log, so the leaf index is a cursor:
each request first asks for the newest leaf (one indexed lookup) and maps only what was
appended since, which also picks up versions other worker processes, this process's own
writes and ``glid register`` made.

Order is the order versions were stored, so an offset into the list stays valid while
new footprints arrive (they are appended at the end) — which is what makes the paging
links stable.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson

from accounting.pact.filters import Facets, Filters, facets, select
from accounting.pact.mapping import (
    Envelope,
    MappingError,
    envelope_for,
    is_pact_template,
    to_pact,
)
from glid_core.errors import GlidError
from registry.store import Store
from registry.store.versions import StoredVersion
from registry.template_catalog import TemplateCatalog
from templates_meta.validate import referenced_template

log = logging.getLogger("glid.pact")

_REMEMBERED_SELECTIONS = 64


@dataclass(slots=True)
class Entry:
    """One footprint: its record version and the JSON bytes of its PACT form (only the
    bytes are kept: ten thousand footprints as dicts would cost hundreds of megabytes)."""

    handle: str
    version: int
    envelope: Envelope
    body: bytes

    def footprint(self) -> dict[str, Any]:
        decoded: dict[str, Any] = orjson.loads(self.body)
        return decoded


class FootprintIndex:
    """Every footprint of the node's records, in stored order, with lookups by id."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._catalog = TemplateCatalog(store)
        self._pact_refs: dict[str, bool] = {}
        self._cursor = -1
        self.entries: list[Entry] = []
        self.facets: list[Facets] = []
        self._by_id: dict[str, int] = {}
        self._by_handle: dict[str, list[int]] = {}
        self._selections: dict[Filters, list[int]] = {}

    def refresh(self) -> None:
        """Map the versions stored since the last call (cheap when there are none)."""
        versions = self._store.versions
        if versions.last_appended() == self._cursor:
            return
        self._selections.clear()
        while batch := versions.appended_since(self._cursor):
            for position, stored in batch:
                self._take(stored)
                self._cursor = position

    def get(self, footprint_id: str) -> Entry | None:
        position = self._by_id.get(footprint_id)
        return None if position is None else self.entries[position]

    def select(self, filters: Filters) -> list[int]:
        """Positions of the footprints the filters select; a buyer paging through one
        filter costs one scan, not one per page (remembered until a footprint changes)."""
        chosen = self._selections.get(filters)
        if chosen is None:
            if len(self._selections) >= _REMEMBERED_SELECTIONS:
                del self._selections[next(iter(self._selections))]
            chosen = self._selections[filters] = select(filters, self.facets)
        return chosen

    def page(self, positions: Sequence[int]) -> bytes:
        """``{"data": [...]}`` for these footprints, joined from their encoded bytes."""
        return b'{"data":[' + b",".join(self.entries[p].body for p in positions) + b"]}"

    def _take(self, stored: StoredVersion) -> None:
        for position in self._by_handle.get(stored.handle, ()):
            self._deprecate(position)
        if stored.deleted:
            return
        values = stored.values()
        ref = referenced_template(values)
        if ref is None or not self._is_pact(ref):
            return
        envelope = envelope_for(stored.handle, stored.version, stored.created_at, current=True)
        try:
            footprint = to_pact(stored.handle, values, envelope)
            entry_facets = facets(footprint)
        except (MappingError, GlidError) as exc:
            log.warning(
                "record %s version %d is not served over PACT: %s; register a corrected version",
                stored.handle,
                stored.version,
                exc,
            )
            return
        position = len(self.entries)
        self.entries.append(Entry(stored.handle, stored.version, envelope, orjson.dumps(footprint)))
        self.facets.append(entry_facets)
        self._by_id[envelope.id] = position
        self._by_handle.setdefault(stored.handle, []).append(position)

    def _deprecate(self, position: int) -> None:
        entry = self.entries[position]
        if entry.envelope.status == "Deprecated":
            return
        entry.envelope = replace(entry.envelope, status="Deprecated")
        entry.body = orjson.dumps({**entry.footprint(), "status": "Deprecated"})
        self.facets[position] = replace(self.facets[position], status="Deprecated")

    def _is_pact(self, ref: str) -> bool:
        known = self._pact_refs.get(ref)
        if known is None:
            try:
                known = is_pact_template(self._catalog.effective(ref).chain)
            except GlidError:
                known = False
            self._pact_refs[ref] = known
        return known
