"""The store's SQL over a PostgreSQL connection.

The store modules write portable SQL with ``?`` placeholders, the form SQLite takes; this
adapter gives them the same small surface as a ``sqlite3.Connection`` (``execute``,
``executemany``, ``in_transaction``) over psycopg, translating each statement once to
psycopg's ``%s`` form. The connection runs in autocommit mode, as the SQLite one does, and
the store opens write transactions itself.

A connection the server dropped (a restart, a failover, an idle timeout) is opened again
before the next statement, so a serving process recovers by itself: the statement that met
the broken connection fails (a write's transaction is lost whole), the next one runs on the
new connection, which libpq makes to whichever server the URL names as read-write.
"""

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import pq

Params = Sequence[Any]


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


class PgConnection:
    """A psycopg connection that accepts the store's ``?``-style statements."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._raw = psycopg.connect(url, autocommit=True)
        self._translated: dict[str, str] = {}

    @property
    def raw(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The psycopg connection, opened again first if the server dropped it."""
        if self._raw.broken:
            self._raw = psycopg.connect(self.url, autocommit=True)
        return self._raw

    def _sql(self, sql: str) -> str:
        translated = self._translated.get(sql)
        if translated is None:
            translated = self._translated[sql] = translate(sql)
        return translated

    def execute(self, sql: str, params: Params = ()) -> psycopg.Cursor[tuple[Any, ...]]:
        return self.raw.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[Params]) -> psycopg.Cursor[tuple[Any, ...]]:
        cursor = self.raw.cursor()
        cursor.executemany(self._sql(sql), rows)
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self._raw.info.transaction_status != pq.TransactionStatus.IDLE

    def close(self) -> None:
        self._raw.close()
