"""The node store: one SQLite file per node by default, or a PostgreSQL database.

The store is the only place that knows SQL. Every change goes through :meth:`Store.write`,
one transaction that runs alone among the node's writers (SQLite's ``BEGIN IMMEDIATE``,
PostgreSQL's advisory lock), so a record version, its log leaf and its audit row are
committed together or not at all, whatever happens to the process or host.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from registry.connection import Connection
from registry.errors import NodeExists, NotANode, StoreError
from registry.postgres.backend import PostgresBackend
from registry.records import utc_timestamp
from registry.sqlite_store import DB_NAME, SqliteBackend

ROLES = ("top", "secondary", "enterprise")
# A node whose data lives in PostgreSQL keeps the database URL in this file of its directory.
STORE_URL_FILE = "store.url"


@dataclass(frozen=True, slots=True)
class NodeInfo:
    role: str
    prefix: str
    created_at: str
    directory: Path


class Backend(Protocol):
    """What differs between the engines that hold a node: connecting, locking, noticing."""

    @property
    def conn(self) -> Connection: ...

    @property
    def location(self) -> str:
        """The file or database, as an operator names it (no password)."""

    def begin_write(self) -> None:
        """Open a write transaction that runs alone among the node's writers."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def change_token(self) -> int:
        """A number that changes whenever another connection commits to the store."""

    def schema_version(self) -> int: ...

    def table_names(self) -> list[str]:
        """The node's tables, sorted (the engine's own bookkeeping tables left out)."""

    def integrity_check(self) -> str:
        """'ok', or what the engine found wrong."""

    def after_copy(self) -> None:
        """Bring generated numbering up to rows copied in with their numbers (store copy)."""

    def close(self) -> None: ...


def store_exists(directory: Path) -> bool:
    return (directory / DB_NAME).exists() or (directory / STORE_URL_FILE).exists()


class Store:
    """A node's database. Open one with :meth:`open` or create one with :meth:`create`.

    The data lives in ``DIR/node.db`` (SQLite, the default) or, when ``DIR/store.url``
    exists, in the PostgreSQL database it names; keys and settings stay in ``DIR`` either way.
    """

    def __init__(self, directory: Path, backend: Backend) -> None:
        self.directory = directory
        self.backend = backend
        self.conn = backend.conn
        self.node = self._read_node()

    @classmethod
    def create(
        cls, directory: Path | str, *, role: str, prefix: str, url: str | None = None
    ) -> "Store":
        """A new node in ``directory``; its data in PostgreSQL at ``url`` when one is given."""
        directory = Path(directory)
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if store_exists(directory):
            raise NodeExists(f"{directory} already holds a glid node")
        directory.mkdir(parents=True, exist_ok=True)
        backend = open_backend(directory, url)
        if backend.conn.execute("SELECT count(*) FROM meta").fetchone()[0]:
            backend.close()
            raise NodeExists(f"{backend.location} already holds a glid node")
        now = utc_timestamp()
        with transaction(backend) as conn:
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("role", role), ("prefix", prefix), ("created_at", now)],
            )
            conn.execute(
                "INSERT INTO prefixes (prefix, relation, created_at) VALUES (?, 'own', ?)",
                (prefix, now),
            )
        if url is not None:
            url_file = directory / STORE_URL_FILE
            url_file.touch(mode=0o600)
            url_file.write_text(url + "\n")
        return cls(directory, backend)

    @classmethod
    def open(cls, directory: Path | str) -> "Store":
        directory = Path(directory)
        if not store_exists(directory):
            raise NotANode(
                f"{directory} is not a glid node (no {DB_NAME} or {STORE_URL_FILE});"
                " run `glid init` first"
            )
        url_file = directory / STORE_URL_FILE
        url = url_file.read_text().strip() if url_file.exists() else None
        return cls(directory, open_backend(directory, url))

    def _read_node(self) -> NodeInfo:
        meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        missing = {"role", "prefix", "created_at"} - meta.keys()
        if missing:
            raise NotANode(
                f"{self.backend.location} has a store without {', '.join(sorted(missing))};"
                " it was not made by `glid init`"
            )
        return NodeInfo(meta["role"], meta["prefix"], meta["created_at"], self.directory)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed on success, rolled back on any exception.

        Writers of every process and host take turns, so versions and log leaves
        commit in one total order.
        """
        with transaction(self.backend) as conn:
            yield conn

    def audit(
        self, conn: Connection, actor: str, action: str, target: str, detail: object = None
    ) -> None:
        conn.execute(
            "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            (
                utc_timestamp(),
                actor,
                action,
                target,
                None if detail is None else json.dumps(detail),
            ),
        )

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, conn: Connection, key: str, value: str) -> None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def change_token(self) -> int:
        """Changes whenever another connection commits: caches compare it to stay fresh."""
        return self.backend.change_token()

    def schema_version(self) -> int:
        return self.backend.schema_version()

    def table_names(self) -> list[str]:
        return self.backend.table_names()

    def integrity_check(self) -> str:
        return self.backend.integrity_check()

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_backend(directory: Path, url: str | None) -> Backend:
    """The PostgreSQL database at ``url``, or else the SQLite file of ``directory``."""
    if url is None:
        return SqliteBackend.open(directory / DB_NAME)
    return PostgresBackend.open(url)


@contextmanager
def transaction(backend: Backend) -> Iterator[Connection]:
    """A write transaction on ``backend``: committed on success, rolled back on any exception."""
    if backend.conn.in_transaction:
        raise StoreError("a write transaction is already open on this connection")
    backend.begin_write()
    try:
        yield backend.conn
    except BaseException:
        backend.rollback()
        raise
    backend.commit()
