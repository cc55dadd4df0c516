"""Reading and appending record versions.

Versions are append-only (the schema's triggers refuse UPDATE and DELETE); the
``identifiers`` row only points at the current one. A deletion is itself a version, a
tombstone, so the history of an identifier stays complete and auditable.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from registry.connection import Connection
from registry.errors import NotFound
from registry.records import decode_values


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

# A LIMIT both engines read as "every row" (SQLite takes -1 for that, PostgreSQL NULL).
ALL_ROWS = 2**63 - 1


def _row(row: tuple[Any, ...]) -> StoredVersion:
    handle, version, record, signature, deleted, created_at, actor = row
    return StoredVersion(handle, version, record, signature, bool(deleted), created_at, actor)


def current_versions(conn: Connection, handles: Sequence[str]) -> dict[str, int]:
    """The current version number of each handle that exists (deleted ones included)."""
    found: dict[str, int] = {}
    for start in range(0, len(handles), 500):
        chunk = handles[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            conn.execute(
                f"SELECT handle, current_version FROM identifiers WHERE handle IN ({marks})",
                chunk,
            ).fetchall()
        )
    return found


def append(conn: Connection, rows: Sequence[NewVersion]) -> None:
    """Append versions and move each identifier's pointer; call inside Store.write()."""
    conn.executemany(
        INSERT_VERSION,
        [
            (r.handle, r.version, r.record, r.signature, int(r.deleted), r.created_at, r.actor)
            for r in rows
        ],
    )
    conn.executemany(
        UPSERT_IDENTIFIER,
        [(r.handle, r.prefix, r.version, int(r.deleted), r.created_at, r.created_at) for r in rows],
    )


def get(
    conn: Connection,
    handle: str,
    *,
    version: int | None = None,
    at: str | None = None,
) -> StoredVersion:
    """The current version, a numbered one, or the one in force at time ``at`` (ISO UTC)."""
    if version is not None:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM record_versions WHERE handle = ? AND version = ?",
            (handle, version),
        ).fetchone()
        what = f"version {version} of {handle}"
    elif at is not None:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM record_versions WHERE handle = ? AND created_at <= ?"
            " ORDER BY version DESC LIMIT 1",
            (handle, at),
        ).fetchone()
        what = f"a version of {handle} at {at}"
    else:
        row = conn.execute(
            f"SELECT {', '.join('v.' + c.strip() for c in _COLUMNS.split(','))}"
            " FROM identifiers i JOIN record_versions v"
            " ON v.handle = i.handle AND v.version = i.current_version WHERE i.handle = ?",
            (handle,),
        ).fetchone()
        what = handle
    if row is None:
        raise NotFound(f"{what} is not on this node")
    return _row(row)


def list_handles(
    conn: Connection, prefix: str, *, offset: int = 0, limit: int | None = None
) -> tuple[int, list[str]]:
    """Live handles under one prefix, sorted, with the total count (Handle REST paging)."""
    total = conn.execute(
        "SELECT count(*) FROM identifiers WHERE prefix = ? AND deleted = 0", (prefix,)
    ).fetchone()[0]
    rows = conn.execute(
        "SELECT handle FROM identifiers WHERE prefix = ? AND deleted = 0 ORDER BY handle"
        " LIMIT ? OFFSET ?",
        (prefix, ALL_ROWS if limit is None else limit, offset),
    ).fetchall()
    return int(total), [row[0] for row in rows]


def count(conn: Connection) -> tuple[int, int]:
    """(live identifiers, stored versions)."""
    live = conn.execute("SELECT count(*) FROM identifiers WHERE deleted = 0").fetchone()[0]
    stored = conn.execute("SELECT count(*) FROM record_versions").fetchone()[0]
    return int(live), int(stored)
