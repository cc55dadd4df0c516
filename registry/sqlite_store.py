"""The embedded backend: one SQLite file per node (WAL), the default.

``BEGIN IMMEDIATE`` takes SQLite's single write lock, so every write transaction of every
process on the node runs one after another, which gives the log its single order.
``PRAGMA data_version`` changes whenever another connection commits: caches compare it to
tell that another process (a worker, a CLI command) changed the store.
"""

import sqlite3
from pathlib import Path

from registry import migrations
from registry.errors import NotANode

DB_NAME = "node.db"


class SqliteBackend:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        self.conn = conn

    @classmethod
    def open(cls, path: Path) -> "SqliteBackend":
        try:
            backend = cls(path)
            migrations.apply(backend.conn)
        except sqlite3.DatabaseError as exc:
            raise NotANode(f"{path} is not a readable glid store: {exc}") from exc
        return backend

    def begin_write(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        self.conn.execute("ROLLBACK")

    def change_token(self) -> int:
        token: int = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return token

    def schema_version(self) -> int:
        return migrations.schema_version(self.conn)

    def table_names(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
        return [str(row[0]) for row in rows]

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    def after_copy(self) -> None:
        """Nothing to do: SQLite numbers new rows from the largest id already present."""

    def close(self) -> None:
        self.conn.close()
