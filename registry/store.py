"""The node store: one SQLite file per node, opened through sqlite-utils in WAL mode.

The store is the only place that knows SQL. Every change goes through :meth:`Store.write`,
one ``BEGIN IMMEDIATE`` transaction, so a record version, its log leaf and its audit row
are committed together or not at all, whatever happens to the process.
"""

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from registry import migrations
from registry.errors import NodeExists, NotANode, StoreError
from registry.records import utc_timestamp

DB_NAME = "node.db"
ROLES = ("top", "secondary", "enterprise")


@dataclass(frozen=True, slots=True)
class NodeInfo:
    role: str
    prefix: str
    created_at: str
    directory: Path


def _private_file(path: Path) -> None:
    """Create the store file readable by its owner only, whatever the umask: it holds the
    admin secrets' hashes, the audit trail and the replay nonces. SQLite gives its -wal and
    -shm files the same mode. The node directory, which also holds the key files, is 0700."""
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)


def _keep_private(directory: Path) -> None:
    """Take group and other access away from a node made before stores were private."""
    for path in (directory, *(directory / f"{DB_NAME}{end}" for end in ("", "-wal", "-shm"))):
        if path.exists() and path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
            os.chmod(path, 0o700 if path.is_dir() else 0o600)


def _connect(path: Path) -> Database:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return Database(conn)


class Store:
    """A node's database. Open one with :meth:`open` or create one with :meth:`create`."""

    def __init__(self, directory: Path, db: Database) -> None:
        self.directory = directory
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        self.node = self._read_node()

    @classmethod
    def create(cls, directory: Path | str, *, role: str, prefix: str) -> "Store":
        directory = Path(directory)
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        path = directory / DB_NAME
        if path.exists():
            raise NodeExists(f"{directory} already holds a glid node ({path})")
        directory.mkdir(parents=True, exist_ok=True)
        _private_file(path)
        db = _connect(path)
        migrations.apply(db.conn)
        now = utc_timestamp()
        with _transaction(db.conn):
            db.conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("role", role), ("prefix", prefix), ("created_at", now)],
            )
            db.conn.execute(
                "INSERT INTO prefixes (prefix, relation, created_at) VALUES (?, 'own', ?)",
                (prefix, now),
            )
        return cls(directory, db)

    @classmethod
    def open(cls, directory: Path | str) -> "Store":
        directory = Path(directory)
        path = directory / DB_NAME
        if not path.is_file():
            raise NotANode(f"{directory} is not a glid node (no {DB_NAME}); run `glid init` first")
        _keep_private(directory)
        try:
            db = _connect(path)
            migrations.apply(db.conn)
        except sqlite3.DatabaseError as exc:
            raise NotANode(f"{path} is not a readable glid store: {exc}") from exc
        return cls(directory, db)

    def _read_node(self) -> NodeInfo:
        meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        missing = {"role", "prefix", "created_at"} - meta.keys()
        if missing:
            raise NotANode(
                f"{self.directory} has a store without {', '.join(sorted(missing))};"
                " it was not made by `glid init`"
            )
        return NodeInfo(meta["role"], meta["prefix"], meta["created_at"], self.directory)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        with _transaction(self.conn):
            yield self.conn

    def audit(
        self, conn: sqlite3.Connection, actor: str, action: str, target: str, detail: object = None
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

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    if conn.in_transaction:
        raise StoreError("a write transaction is already open on this connection")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
