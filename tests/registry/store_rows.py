"""Every row of every table of a store: what "the store is unchanged" compares."""

from typing import Any

from registry.store import Store


def rows(store: Store) -> list[tuple[str, list[Any]]]:
    return [
        (table, sorted(store.conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr))
        for table in store.table_names()
    ]
