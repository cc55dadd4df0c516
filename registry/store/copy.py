"""Every row of every table of one store, written into another store's empty schema.

The rows keep their exact bytes and numbering (ids, leaf indexes, ``seq``). They are read
in pages (ordered by every column, so each page is well defined on both engines) and
written in one transaction on the target, which also checks the counts before it commits:
an interrupted or refused copy leaves the target as empty as it was.
"""

from collections.abc import Callable

from registry.errors import NodeExists, StoreError
from registry.store.backend import Backend, Session

PAGE = 5000


class CopyMismatch(StoreError):
    """The copied store does not hold what the source holds; nothing was kept."""


def copy_rows(
    source: Backend, target: Backend, *, before_commit: Callable[[Session], None]
) -> dict[str, int]:
    """Copy every table row; returns rows per table. The target must hold no node yet.

    ``before_commit`` sees the filled target inside the transaction and raises to keep
    nothing."""
    tables = source.table_names()
    if tables != target.table_names():
        raise CopyMismatch(
            f"the tables differ ({tables} in {source.location}, {target.table_names()} in"
            f" {target.location}); open both with the same glid so their schemas match"
        )
    if target.reads.one("SELECT count(*) FROM meta") != (0,):
        raise NodeExists(f"{target.location} already holds a glid node")
    copied: dict[str, int] = {}
    with target.transaction() as session:
        for table in tables:
            copied[table] = _copy_table(source, session, table)
            if session.one(f"SELECT count(*) FROM {table}") != (copied[table],):
                raise CopyMismatch(f"{table}: {copied[table]} rows read, another count written")
        target.after_copy(session)
        before_commit(session)
    return copied


def _copy_table(source: Backend, target: Session, table: str) -> int:
    columns = source.column_names(table)
    listed = ", ".join(columns)
    order = ", ".join(str(n) for n in range(1, len(columns) + 1))
    select = f"SELECT {listed} FROM {table} ORDER BY {order} LIMIT ? OFFSET ?"
    insert = f"INSERT INTO {table} ({listed}) VALUES ({', '.join('?' * len(columns))})"
    total = 0
    while page := source.reads.rows(select, (PAGE, total)):
        target.run_many(insert, page)
        total += len(page)
    return total
