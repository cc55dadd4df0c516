"""Direct access to a node's SQLite file, for tests that must look beneath the store
interface (schema, triggers, raw rows) or tamper with a file as an attacker would."""

import sqlite3
from pathlib import Path
from typing import Any

from registry.store import DB_NAME, Store


def raw_connection(where: Store | Path) -> sqlite3.Connection:
    """A separate autocommit connection to the node's SQLite file."""
    directory = where.directory if isinstance(where, Store) else where
    return sqlite3.connect(Path(directory) / DB_NAME, isolation_level=None)


def rows(store: Store) -> list[tuple[str, list[Any]]]:
    """Every row of every table, on either backend: what "the store is unchanged" compares."""
    return [
        (table, sorted(store.backend.reads.rows(f"SELECT * FROM {table}"), key=repr))
        for table in store.backend.table_names()
    ]
