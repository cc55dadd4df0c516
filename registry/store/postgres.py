"""The PostgreSQL backend: a node's data in one database that many hosts serve at once.

Statements arrive in the store's portable form (``?`` placeholders) and are translated
once each to psycopg's ``%s`` form. Every write transaction first takes one
transaction-scoped advisory lock, so writers on every host take turns exactly as SQLite's
``BEGIN IMMEDIATE`` makes processes on one host take turns: the log gets one total order
and a leaf index is never claimed twice. The transaction ends with ``NOTIFY``, which
PostgreSQL delivers on commit and only on commit, to every listening connection:
:class:`~registry.store.postgres_changes.Changes` turns those into the change mark caches
compare, so a host drops what another host changed within milliseconds, without polling.

A connection the server dropped (a restart, a failover, an idle timeout) is opened again
before the next statement: the statement that met the break fails (a write's transaction
is lost whole), the next one runs on a new connection, which libpq makes to whichever
server the URL names as read-write.
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from registry.errors import NotANode, StoreError, StoreUnavailable
from registry.store import postgres_schema
from registry.store.backend import Backend, Params, Row, Session
from registry.store.postgres_changes import CHANNEL, Changes

Connection = psycopg.Connection[tuple[Any, ...]]
LOCK_WAIT_SECONDS = 30.0  # as long as SQLite's busy timeout

# "INSERT INTO table (columns) VALUES (?, ..., ?)" and nothing after: rows that COPY can
# load as they are (an upsert cannot go that way).
_PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \((?:\?, )*\?\)")


def translate(sql: str) -> str:
    """``?`` placeholders to ``%s``, a literal ``%`` to ``%%``; quoted text left alone."""
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        out.append("%%" if char == "%" else char)
    return "".join(out)


def redacted(url: str) -> str:
    """The URL as an operator may see it in logs and errors: any password removed."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable PostgreSQL URL>"
    parts.pop("password", None)
    return make_conninfo("", **parts)


class PgSession:
    """:class:`~registry.store.backend.Session` over one psycopg connection (autocommit)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.location = redacted(url)
        self._conn = psycopg.connect(url, autocommit=True)
        self._translated: dict[str, str] = {}

    @property
    def conn(self) -> Connection:
        """The connection, opened again first if the server dropped it."""
        if self._conn.broken:
            self._conn = psycopg.connect(self.url, autocommit=True)
        return self._conn

    def _sql(self, sql: str) -> str:
        translated = self._translated.get(sql)
        if translated is None:
            translated = self._translated[sql] = translate(sql)
        return translated

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return self.conn.execute(self._sql(sql), params).fetchall()
        except psycopg.Error as exc:
            raise self._failed(exc) from exc

    def one(self, sql: str, params: Params = ()) -> Row | None:
        try:
            return self.conn.execute(self._sql(sql), params).fetchone()
        except psycopg.Error as exc:
            raise self._failed(exc) from exc

    def run(self, sql: str, params: Params = ()) -> int:
        try:
            return self.conn.execute(self._sql(sql), params).rowcount
        except psycopg.Error as exc:
            raise self._failed(exc) from exc

    def run_many(self, sql: str, params: Iterable[Params]) -> None:
        """Plain inserts go through COPY, PostgreSQL's bulk path (one statement for the
        whole batch, rows streamed); anything else runs once per row, pipelined."""
        plain = _PLAIN_INSERT.fullmatch(sql)
        try:
            if plain is None:
                self.conn.cursor().executemany(self._sql(sql), params)
                return
            table, columns = plain.groups()
            with self.conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
        except psycopg.Error as exc:
            raise self._failed(exc) from exc

    def rollback(self) -> None:
        """End the open transaction, if the connection still has one to end."""
        if not self._conn.broken and not self._conn.closed:
            self._conn.execute("ROLLBACK")

    def _failed(self, exc: psycopg.Error) -> StoreUnavailable:
        return StoreUnavailable(f"the node store {self.location} failed: {exc}; try again")

    def close(self) -> None:
        self._conn.close()


class PostgresBackend(Backend):
    """A node store in one PostgreSQL database."""

    _session: PgSession

    def __init__(
        self, url: str, *, read_only: bool = False, lock_wait: float = LOCK_WAIT_SECONDS
    ) -> None:
        self.url = url
        self.read_only = read_only
        self.lock_wait = lock_wait
        self.location = redacted(url)
        try:
            self._session = PgSession(url)
        except psycopg.OperationalError as exc:
            raise StoreError(
                f"cannot reach the node's PostgreSQL database {self.location}: {exc}".strip()
                + "; check that the server runs and that store.url names it"
            ) from exc
        try:
            if read_only:
                postgres_schema.check_current(self._session.conn)
            else:
                postgres_schema.apply(self._session.conn)
        except psycopg.Error as exc:
            self._session.close()
            raise NotANode(f"{self.location} is not a usable glid store: {exc}") from exc
        self._changes: Changes | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        self.check_writable()
        session = self._session
        if session.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            raise StoreError("a write transaction is already open on this connection")
        session.run("BEGIN")
        try:
            # A writer waits at most lock_wait for the one before it, then fails whole.
            session.run(f"SET LOCAL lock_timeout = {int(self.lock_wait * 1000)}")
            session.run("SELECT pg_advisory_xact_lock(?)", (postgres_schema.WRITE_LOCK,))
            yield session
            session.run(f"NOTIFY {CHANNEL}")
            session.run("COMMIT")
        except BaseException:
            session.rollback()
            raise

    def change_mark(self) -> int:
        if self._changes is None:
            self._changes = Changes.listen(self.url)
        return self._changes.mark

    def schema_version(self) -> int:
        return postgres_schema.schema_version(self._session.conn)

    def integrity_check(self) -> str:
        """PostgreSQL checks its own pages; here the node's schema is checked to be whole."""
        version = self.schema_version()
        if version != len(postgres_schema.MIGRATIONS):
            return f"schema version {version}, expected {len(postgres_schema.MIGRATIONS)}"
        return "ok"

    def table_names(self) -> list[str]:
        rows = self._session.rows(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename <> 'schema_version' ORDER BY tablename"
        )
        return [str(row[0]) for row in rows]

    def column_names(self, table: str) -> list[str]:
        rows = self._session.rows(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [str(row[0]) for row in rows]

    def after_copy(self, session: Session) -> None:
        for table, column in postgres_schema.IDENTITY_COLUMNS:
            session.run(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" coalesce(max({column}), 0) + 1, false) FROM {table}"
            )

    def close(self) -> None:
        if self._changes is not None:
            self._changes.stop()
        self._session.close()
