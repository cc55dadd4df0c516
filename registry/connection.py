"""What the store modules need from a database connection, whichever backend holds the node.

``sqlite3.Connection`` has this shape already; :class:`registry.postgres.connection.PgConnection`
gives a PostgreSQL connection the same one. Statements use ``?`` placeholders and the SQL
both engines share (``ON CONFLICT``, ``RETURNING``, no engine-specific functions), so one
store module serves both backends.
"""

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

import psycopg


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ..., /) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Cursor: ...

    @property
    def in_transaction(self) -> bool: ...


# A unique or check constraint refused a row, on either backend.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)
# Anything the database engine raised, on either backend.
STORE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)
