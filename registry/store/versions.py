"""The ``identifiers`` and ``record_versions`` tables: every version of every record.

Versions are append-only (the schema refuses UPDATE and DELETE on ``record_versions``); the
``identifiers`` row only points at the current one. A deletion is itself a version, a
tombstone, so the history of an identifier stays complete and auditable.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from registry.errors import NotFound
from registry.records import decode_values
from registry.store.backend import Row, Session, in_chunks


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """One version of a record as the store holds it."""

    handle: str
    version: int
    record: bytes  # canonical MessagePack of the values' JSON form
    signature: str | None
    deleted: bool
    created_at: str
    actor: str

    def values(self) -> list[dict[str, Any]]:
        return decode_values(self.record)


@dataclass(frozen=True, slots=True)
class NewVersion:
    handle: str
    prefix: str
    version: int
    record: bytes
    signature: str | None
    deleted: bool
    created_at: str
    actor: str


_COLUMNS = "handle, version, record, signature, deleted, created_at, actor"
# The two statements a new version writes; bench/registry_signed replays them bare.
INSERT_VERSION = f"INSERT INTO record_versions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
UPSERT_IDENTIFIER = (
    "INSERT INTO identifiers (handle, prefix, current_version, deleted, created_at,"
    " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (handle) DO UPDATE SET"
    " current_version = excluded.current_version, deleted = excluded.deleted,"
    " updated_at = excluded.updated_at"
)
_CURRENT = (
    f"SELECT {', '.join('v.' + c.strip() for c in _COLUMNS.split(','))}"
    " FROM identifiers i JOIN record_versions v"
    " ON v.handle = i.handle AND v.version = i.current_version WHERE i.handle = ?"
)


# LIMIT has no portable "all" (SQLite takes -1, PostgreSQL ALL or NULL): a bound no
# prefix reaches stands in for it.
_NO_LIMIT = 2**62


def _stored(row: Row) -> StoredVersion:
    handle, version, record, signature, deleted, created_at, actor = row
    return StoredVersion(
        handle, version, bytes(record), signature, bool(deleted), created_at, actor
    )


class Versions:
    """Reads and appends record versions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def current_numbers(self, handles: Sequence[str]) -> dict[str, int]:
        """The current version number of each handle that exists (deleted ones included)."""
        found: dict[str, int] = {}
        for chunk in in_chunks(handles):
            marks = ",".join("?" * len(chunk))
            rows = self.session.rows(
                f"SELECT handle, current_version FROM identifiers WHERE handle IN ({marks})",
                chunk,
            )
            found.update((str(handle), int(number)) for handle, number in rows)
        return found

    def current_number(self, handle: str) -> int | None:
        """The current version number of ``handle``, or None if it was never registered."""
        row = self.session.one(
            "SELECT current_version FROM identifiers WHERE handle = ?", (handle,)
        )
        return None if row is None else int(row[0])

    def append(self, rows: Sequence[NewVersion]) -> None:
        """Append versions and move each identifier's pointer; inside a write transaction."""
        self.session.run_many(
            INSERT_VERSION,
            [
                (r.handle, r.version, r.record, r.signature, int(r.deleted), r.created_at, r.actor)
                for r in rows
            ],
        )
        self.session.run_many(
            UPSERT_IDENTIFIER,
            [
                (r.handle, r.prefix, r.version, int(r.deleted), r.created_at, r.created_at)
                for r in rows
            ],
        )

    def get(
        self, handle: str, *, version: int | None = None, at: str | None = None
    ) -> StoredVersion:
        """The current version, a numbered one, or the one in force at time ``at`` (ISO
        UTC); NotFound names what was asked for."""
        if version is not None:
            row = self.session.one(
                f"SELECT {_COLUMNS} FROM record_versions WHERE handle = ? AND version = ?",
                (handle, version),
            )
            what = f"version {version} of {handle}"
        elif at is not None:
            row = self.session.one(
                f"SELECT {_COLUMNS} FROM record_versions WHERE handle = ? AND created_at <= ?"
                " ORDER BY version DESC LIMIT 1",
                (handle, at),
            )
            what = f"a version of {handle} at {at}"
        else:
            row = self.session.one(_CURRENT, (handle,))
            what = handle
        if row is None:
            raise NotFound(f"{what} is not on this node")
        return _stored(row)

    def list_handles(
        self, prefix: str, *, offset: int = 0, limit: int | None = None
    ) -> tuple[int, list[str]]:
        """Live handles under one prefix, sorted, with the total count (Handle REST paging)."""
        total = self.session.one(
            "SELECT count(*) FROM identifiers WHERE prefix = ? AND deleted = 0", (prefix,)
        )
        rows = self.session.rows(
            "SELECT handle FROM identifiers WHERE prefix = ? AND deleted = 0 ORDER BY handle"
            " LIMIT ? OFFSET ?",
            (prefix, _NO_LIMIT if limit is None else limit, offset),
        )
        return int(total[0]) if total else 0, [str(row[0]) for row in rows]

    def all_records(self) -> list[tuple[str, int, bytes]]:
        """Every stored (handle, version, record bytes) (for `glid store check`)."""
        rows = self.session.rows("SELECT handle, version, record FROM record_versions")
        return [(str(h), int(v), bytes(record)) for h, v, record in rows]

    def all(self) -> Iterator[StoredVersion]:
        """Every stored version, in (handle, version) order (for a whole-store check)."""
        for row in self.session.rows(
            f"SELECT {_COLUMNS} FROM record_versions ORDER BY handle, version"
        ):
            yield _stored(row)

    def current(self) -> dict[str, int]:
        """Every identifier's current-version pointer."""
        rows = self.session.rows("SELECT handle, current_version FROM identifiers")
        return {str(handle): int(version) for handle, version in rows}

    def count(self) -> tuple[int, int]:
        """(live identifiers, stored versions)."""
        live = self.session.one("SELECT count(*) FROM identifiers WHERE deleted = 0")
        stored = self.session.one("SELECT count(*) FROM record_versions")
        return int(live[0]) if live else 0, int(stored[0]) if stored else 0

    def appended_since(self, after: int, *, limit: int = 5000) -> list[tuple[int, StoredVersion]]:
        """Versions in the order the node accepted them, each with its position in that
        order (its transparency-log leaf index), after position ``after`` (-1 = from the
        start). The log is append-only, so the position is a cursor that never skips or
        repeats a version, on every backend."""
        rows = self.session.rows(
            f"SELECT l.leaf_index, {', '.join('v.' + c.strip() for c in _COLUMNS.split(','))}"
            " FROM log_leaves l JOIN record_versions v"
            " ON v.handle = l.handle AND v.version = l.version"
            " WHERE l.leaf_index > ? ORDER BY l.leaf_index LIMIT ?",
            (after, limit),
        )
        return [(int(row[0]), _stored(row[1:])) for row in rows]

    def last_appended(self) -> int:
        """The position of the newest accepted version (-1 for none): a cheap test for
        anything new since a cursor was taken."""
        row = self.session.one("SELECT max(leaf_index) FROM log_leaves")
        return -1 if row is None or row[0] is None else int(row[0])
