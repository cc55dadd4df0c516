"""Connection pools to PostgreSQL servers, one per server per process (psycopg_pool).

A pool lends a connection to one statement (a read) or one write transaction and takes it
back; a connection the server dropped is discarded on its return and replaced. Sizes are
per process: a node served by H hosts of W worker processes, with a standby, needs up to
H x W x (POOL_SIZE + 1) connections on each server (the +1 is the LISTEN connection of
registry.store.postgres_changes), within the server's ``max_connections``.
"""

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool

Connection = psycopg.Connection[tuple[Any, ...]]
Pool = ConnectionPool[Connection]

# Connections per process at most: the event loop's reads, the writer thread, the roll-up
# thread and asyncio's worker threads each hold one only while a statement or write runs.
POOL_SIZE = 8
POOL_WAIT_SECONDS = 5.0  # a statement waits this long for a free connection, then fails


def open_pool(url: str) -> Pool:
    """A pool of autocommit connections to ``url``, one opened now, more as needed."""
    return ConnectionPool(
        url,
        min_size=1,
        max_size=POOL_SIZE,
        kwargs={"autocommit": True},
        timeout=POOL_WAIT_SECONDS,
        name=redacted(url),
        open=True,
    )


class Lent:
    """One of ``pool``'s connections for the length of a ``with`` block.

    Lighter than ``pool.connection()``, which also ends a transaction on the way out:
    the pool's connections are autocommit and a write transaction ends itself, so
    getconn and putconn are all a statement needs (a broken connection is dropped by
    putconn and replaced)."""

    __slots__ = ("conn", "pool")

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def __enter__(self) -> Connection:
        self.conn = self.pool.getconn()
        return self.conn

    def __exit__(self, *exc_info: object) -> None:
        self.pool.putconn(self.conn)


def redacted(url: str) -> str:
    """The URL as an operator may see it in logs and errors: any password removed."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable PostgreSQL URL>"
    parts.pop("password", None)
    return make_conninfo("", **parts)
