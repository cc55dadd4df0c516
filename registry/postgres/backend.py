"""The PostgreSQL backend: a node's data in one database that many hosts serve at once.

Every write transaction first takes one transaction-scoped advisory lock, so writers on
every host take turns exactly as SQLite's ``BEGIN IMMEDIATE`` makes processes on one host
take turns: the log gets one total order, and a leaf index is never claimed twice. The
transaction ends with ``NOTIFY``, which PostgreSQL delivers on commit and only on commit,
to every connection listening on the channel: :class:`~registry.postgres.changes.Changes`
turns those into the change token caches compare, so a host drops what another host
changed within milliseconds, without polling the database.
"""

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from registry.errors import NotANode, StoreError
from registry.postgres import schema
from registry.postgres.changes import CHANNEL, Changes
from registry.postgres.connection import PgConnection


def redacted(url: str) -> str:
    """The URL as an operator may see it in logs and errors: any password removed."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable PostgreSQL URL>"
    parts.pop("password", None)
    return make_conninfo("", **parts)


class PostgresBackend:
    def __init__(self, url: str, conn: PgConnection) -> None:
        self.url = url
        self.location = redacted(url)
        self.conn = conn
        self._changes: Changes | None = None

    @classmethod
    def open(cls, url: str) -> "PostgresBackend":
        """Connect and bring the schema up to date."""
        try:
            conn = PgConnection(url)
        except psycopg.OperationalError as exc:
            raise StoreError(
                f"cannot reach the node's PostgreSQL database {redacted(url)}: {exc}".strip()
                + "; check that the server runs and the URL in store.url is right"
            ) from exc
        try:
            schema.apply(conn.raw)
        except psycopg.Error as exc:
            conn.close()
            raise NotANode(f"{redacted(url)} is not a usable glid store: {exc}") from exc
        return cls(url, conn)

    def begin_write(self) -> None:
        self.conn.raw.execute("BEGIN")
        self.conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", (schema.WRITE_LOCK,))

    def commit(self) -> None:
        self.conn.raw.execute(f"NOTIFY {CHANNEL}")
        self.conn.raw.execute("COMMIT")

    def rollback(self) -> None:
        self.conn.raw.execute("ROLLBACK")

    def change_token(self) -> int:
        if self._changes is None:
            self._changes = Changes.listen(self.url)
        return self._changes.token

    def schema_version(self) -> int:
        return schema.schema_version(self.conn.raw)

    def table_names(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename <> 'schema_version' ORDER BY tablename"
        )
        return [str(row[0]) for row in rows]

    def integrity_check(self) -> str:
        """PostgreSQL checks its own pages; here the node's schema is checked to be whole."""
        version = schema.schema_version(self.conn.raw)
        if version != len(schema.MIGRATIONS):
            return f"schema version {version}, expected {len(schema.MIGRATIONS)}"
        return "ok"

    def after_copy(self) -> None:
        for table, column in schema.IDENTITY_COLUMNS:
            self.conn.raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" coalesce(max({column}), 0) + 1, false) FROM {table}"
            )

    def close(self) -> None:
        if self._changes is not None:
            self._changes.stop()
        self.conn.close()
