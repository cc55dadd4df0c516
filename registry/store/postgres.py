"""The PostgreSQL backend: a node's data in one database that many hosts serve at once.

Statements arrive in the store's portable form (``?`` placeholders) and are translated
once each to psycopg's ``%s`` form. Every write transaction first takes one
transaction-scoped advisory lock, so writers on every host take turns exactly as SQLite's
``BEGIN IMMEDIATE`` makes processes on one host take turns: the log gets one total order
and a leaf index is never claimed twice. The transaction ends with ``NOTIFY``, which
PostgreSQL delivers on commit and only on commit, to every listening connection:
:class:`~registry.store.postgres_changes.Changes` turns those into the change mark caches
compare, so a host drops what another host changed within milliseconds, without polling.

Connections come from a psycopg_pool pool, one per process. A connection the server
dropped (a restart, a failover, an idle timeout) is discarded when it goes back to the
pool: a read that met the break runs once more on another connection, a write's
transaction is lost whole, and new connections go to whichever server the URL names as
read-write. Reads may go to a streaming replica (:mod:`registry.store.postgres_replica`).
"""

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import lru_cache
from typing import TypeVar

import psycopg

from registry.errors import NotANode, StoreError, StoreUnavailable
from registry.store import postgres_schema
from registry.store.backend import Backend, Params, Row, Session, SharedBuckets
from registry.store.postgres_buckets import TABLE as BUCKETS_TABLE
from registry.store.postgres_buckets import PgBuckets
from registry.store.postgres_changes import CHANNEL, Changes
from registry.store.postgres_pool import Connection, Lent, open_pool, redacted
from registry.store.postgres_replica import Replica, ReplicaSettings

T = TypeVar("T")
Borrow = Callable[[], AbstractContextManager[Connection]]
LOCK_WAIT_SECONDS = 30.0  # as long as SQLite's busy timeout

# "INSERT INTO table (columns) VALUES (?, ..., ?)", then nothing (rows COPY can load as
# they are) or an ON CONFLICT clause naming its key columns (an upsert: COPY into a
# temporary table, then one INSERT ... SELECT with the same clause).
_INSERT = re.compile(
    r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \((?:\?, )*\?\)"
    r"(?P<conflict> ON CONFLICT \((?P<key>[\w, ]+)\) .+)?",
    re.DOTALL,
)


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


class PgSession:
    """:class:`~registry.store.backend.Session` over connections lent by ``borrow``.

    ``borrow`` lends one connection for one statement: the pool's next free connection for
    reads, the transaction's own connection inside a write (``transactional``). A read
    that meets a connection the server dropped (a restart, a failover, an idle timeout)
    runs once more on another connection, since a read has no effect to repeat; a
    statement inside a write transaction does not: the transaction is lost whole.
    """

    def __init__(self, borrow: Borrow, location: str, *, transactional: bool = False) -> None:
        self.location = location
        self._borrow = borrow
        self._transactional = transactional

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        return self._execute(lambda conn: conn.execute(_sql(sql), params).fetchall())

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return self._execute(lambda conn: conn.execute(_sql(sql), params).fetchone())

    def run(self, sql: str, params: Params = ()) -> int:
        return self._execute(lambda conn: conn.execute(_sql(sql), params).rowcount)

    def run_many(self, sql: str, params: Iterable[Params]) -> None:
        """Inserts go through COPY, PostgreSQL's bulk path (one statement for the whole
        batch, rows streamed). An upsert inside a write transaction goes through COPY into
        a temporary table and one ``INSERT ... SELECT`` with the same ``ON CONFLICT``
        clause, when no two rows share a key (one statement cannot update a row twice;
        such a batch, and anything else, runs once per row, pipelined)."""
        insert = _INSERT.fullmatch(sql)
        if insert is None:
            self._execute(lambda conn: conn.cursor().executemany(_sql(sql), params))
            return
        table, columns, conflict, key = insert.group(1, 2, "conflict", "key")
        if conflict is None:
            self._execute(lambda conn: _copy(conn, table, columns, params))
            return
        rows = list(params)
        if not (self._transactional and _unique(rows, columns, key)):
            self._execute(lambda conn: conn.cursor().executemany(_sql(sql), rows))
            return
        self._execute(lambda conn: _copy_upsert(conn, table, columns, conflict, rows))

    def _execute(self, work: Callable[[Connection], T]) -> T:
        try:
            with self._borrow() as conn:
                try:
                    return work(conn)
                except psycopg.Error:
                    if self._transactional or not conn.broken:
                        raise
            with self._borrow() as conn:  # the pool has dropped the broken one
                return work(conn)
        except psycopg.Error as exc:
            raise StoreUnavailable(
                f"the node store {self.location} failed: {exc}; try again"
            ) from exc


def _copy(conn: Connection, table: str, columns: str, rows: Iterable[Params]) -> None:
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_upsert(
    conn: Connection, table: str, columns: str, conflict: str, rows: list[Params]
) -> None:
    """Upsert ``rows`` in three statements whatever their number; inside a transaction
    (the temporary table empties itself at commit, and after each use)."""
    batch = f"glid_batch_{table}"
    conn.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {batch} (LIKE {table}) ON COMMIT DELETE ROWS"
    )
    _copy(conn, batch, columns, rows)
    conn.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {batch}{conflict}")
    conn.execute(f"TRUNCATE {batch}")


def _unique(rows: list[Params], columns: str, key: str) -> bool:
    """Whether no two rows have the same value in the key columns."""
    names = [c.strip() for c in columns.split(",")]
    at = [names.index(k.strip()) for k in key.split(",")]
    return len({tuple(row[i] for i in at) for row in rows}) == len(rows)


@lru_cache(maxsize=4096)
def _sql(sql: str) -> str:
    """The store's statements are a fixed set of constants: translate each once."""
    return translate(sql)


class PostgresBackend(Backend):
    """A node store in one PostgreSQL database, reached through a pool of connections.

    Each process keeps one pool (:mod:`registry.store.postgres_pool`): a read borrows a
    connection for one statement, a write transaction for its whole length, so the event
    loop, the writer thread and the worker threads never share a connection, and a write
    in one thread never holds up a read in another. Reads go to the streaming replica
    named by ``replica`` while it is within its staleness bound
    (:mod:`registry.store.postgres_replica`), to the primary otherwise; writes always go
    to the primary.
    """

    _session: PgSession

    def __init__(
        self,
        url: str,
        *,
        read_only: bool = False,
        lock_wait: float = LOCK_WAIT_SECONDS,
        replica: ReplicaSettings | None = None,
    ) -> None:
        self.url = url
        self.read_only = read_only
        self.lock_wait = lock_wait
        self.location = redacted(url)
        _prepare_schema(url, self.location, read_only=read_only)
        self._pool = open_pool(url)
        try:
            self._replica = None if replica is None else Replica.follow(replica, self._pool)
        except StoreError:
            self._pool.close()
            raise
        self._session = PgSession(self._borrow_for_read, self.location)
        self._writing = threading.local()
        self._changes: Changes | None = None
        self._buckets: PgBuckets | None = None

    def _borrow_for_read(self) -> AbstractContextManager[Connection]:
        if self._replica is not None and self._replica.fresh():
            return self._replica.borrow()
        return Lent(self._pool)

    @property
    def replica(self) -> Replica | None:
        """The streaming replica reads go to while it is fresh enough, if one was named."""
        return self._replica

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        self.check_writable()
        if getattr(self._writing, "open", False):
            raise StoreError("a write transaction is already open in this thread")
        self._writing.open = True
        try:
            with Lent(self._pool) as conn:
                session = PgSession(lambda: nullcontext(conn), self.location, transactional=True)
                with conn.transaction():
                    # A writer waits at most lock_wait for the one before it, then fails whole.
                    session.run(f"SET LOCAL lock_timeout = {int(self.lock_wait * 1000)}")
                    session.run("SELECT pg_advisory_xact_lock(?)", (postgres_schema.WRITE_LOCK,))
                    yield session
                    session.run(f"NOTIFY {CHANNEL}")
        except psycopg.Error as exc:  # no connection to be had, or the commit failed
            raise StoreUnavailable(
                f"the node store {self.location} failed: {exc}; try again"
            ) from exc
        finally:
            self._writing.open = False

    def change_mark(self) -> int:
        """Commits heard by LISTEN, plus the replica's replay advances when reads go there:
        an answer read from a replica that had not yet replayed the write a notification
        announced is dropped again once the replica moves on."""
        if self._changes is None:
            self._changes = Changes.listen(self.url)
        if self._replica is None:
            return self._changes.mark
        return self._changes.mark + self._replica.advances

    def shared_buckets(self) -> SharedBuckets:
        if self._buckets is None:
            self._buckets = PgBuckets(self._pool, self.location)
        return self._buckets

    def schema_version(self) -> int:
        with Lent(self._pool) as conn:
            return postgres_schema.schema_version(conn)

    def integrity_check(self) -> str:
        """PostgreSQL checks its own pages; here the node's schema is checked to be whole."""
        version = self.schema_version()
        if version != len(postgres_schema.MIGRATIONS):
            return f"schema version {version}, expected {len(postgres_schema.MIGRATIONS)}"
        return "ok"

    def table_names(self) -> list[str]:
        rows = self._session.rows(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename NOT IN ('schema_version', ?) ORDER BY tablename",
            (BUCKETS_TABLE,),
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
        if self._replica is not None:
            self._replica.close()
        self._pool.close()


def _prepare_schema(url: str, location: str, *, read_only: bool) -> None:
    """Migrate the schema (or, read-only, check it is current) on a connection of its own,
    which also turns an unreachable server into an error that says what to check."""
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise StoreError(
            f"cannot reach the node's PostgreSQL database {location}: {exc}".strip()
            + "; check that the server runs and that store.url names it"
        ) from exc
    with conn:
        try:
            if read_only:
                postgres_schema.check_current(conn)
            else:
                postgres_schema.apply(conn)
        except psycopg.Error as exc:
            raise NotANode(f"{location} is not a usable glid store: {exc}") from exc
