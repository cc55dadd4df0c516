"""The SQLite backend: one file per node, in WAL mode, shared by every process of the node.

Reads run in autocommit on the process's one connection; a write transaction is
``BEGIN IMMEDIATE``, which takes SQLite's write lock before the first read, so writers in
different worker processes serialise (a waiting writer retries for up to 30 s).
"""

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from registry.errors import NotANode, StoreError, StoreUnavailable
from registry.store import sqlite_schema
from registry.store.backend import Backend, Params, Row, Session

BUSY_TIMEOUT_SECONDS = 30


class SqliteSession:
    """:class:`~registry.store.backend.Session` over a sqlite3 connection.

    A failure of SQLite itself (locked past the busy timeout, disk full, a damaged file,
    a trigger refusing a change) becomes StoreUnavailable naming the store, so nothing
    above the store sees a sqlite3 exception.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc

    def one(self, sql: str, params: Params = ()) -> Row | None:
        try:
            row: Row | None = self.conn.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc
        return row

    def run(self, sql: str, params: Params = ()) -> int:
        try:
            return self.conn.execute(sql, params).rowcount
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc

    def run_many(self, sql: str, params: Iterable[Params]) -> None:
        try:
            self.conn.executemany(sql, params)
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: sqlite3.Error) -> StoreUnavailable:
        return StoreUnavailable(f"the node store {self.path} failed: {exc}; try again")


class SqliteBackend(Backend):
    """A node store in one SQLite file."""

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        create: bool = False,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> None:
        self.path = path
        self.location = str(path)
        self.read_only = read_only
        if create:
            _private_file(path)
        elif not read_only:
            _keep_private(path)
        try:
            self._conn = _connect(path, read_only=read_only, busy_timeout=busy_timeout)
            if read_only:
                sqlite_schema.check_current(self._conn)
            else:
                sqlite_schema.apply(self._conn)
        except sqlite3.DatabaseError as exc:
            if create:
                raise StoreError(f"cannot create a store at {path}: {exc}") from exc
            raise NotANode(f"{path} is not a readable glid store: {exc}") from exc
        self._session = SqliteSession(self._conn, path)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        self.check_writable()
        conn = self._conn
        if conn.in_transaction:
            raise StoreError("a write transaction is already open on this connection")
        session = self._session
        session.run("BEGIN IMMEDIATE")
        try:
            yield session
            session.run("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def change_mark(self) -> int:
        mark: int = self._conn.execute("PRAGMA data_version").fetchone()[0]
        return mark

    def schema_version(self) -> int:
        return sqlite_schema.schema_version(self._conn)

    def integrity_check(self) -> str:
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    def table_names(self) -> list[str]:
        rows = self._session.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
        return [str(row[0]) for row in rows]

    def column_names(self, table: str) -> list[str]:
        return [str(row[1]) for row in self._session.rows(f"PRAGMA table_info({table})")]

    def after_copy(self, session: Session) -> None:
        """Nothing to do: SQLite numbers new rows from the largest id already present."""

    def close(self) -> None:
        self._conn.close()


def _private_file(path: Path) -> None:
    """Create the store file readable by its owner only, whatever the umask: it holds the
    admin secrets' hashes, the audit trail and the replay nonces. SQLite gives its -wal and
    -shm files the same mode. The node directory, which also holds the key files, is 0700."""
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)


def _keep_private(path: Path) -> None:
    """Take group and other access away from a node made before stores were private."""
    for each in (path.parent, *(path.with_name(path.name + end) for end in ("", "-wal", "-shm"))):
        if each.exists() and each.stat().st_uid == os.getuid() and each.stat().st_mode & 0o077:
            os.chmod(each, 0o700 if each.is_dir() else 0o600)


def _connect(path: Path, *, read_only: bool, busy_timeout: float) -> sqlite3.Connection:
    if read_only:
        # mode=ro: the file and its WAL are only read; a writable sibling process may
        # still be committing, and this connection sees each commit as it lands.
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            timeout=busy_timeout,
        )
        conn.execute("PRAGMA query_only = ON")
        return conn
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
    )
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn
