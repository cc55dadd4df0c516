"""Moving a node to another store: every row of every table, checked before it commits.

``glid store copy`` takes a node directory (the source stays as it was) and makes a new
one whose data lives in the target database: the keys, secrets and hand-off files are
copied, and every table row, with its exact bytes and numbering, is written in one
transaction on the target. Before that transaction commits, the row counts and the log
recomputed from the copied leaves must equal the source's, or nothing is kept. The new
directory's ``store.url`` is written last, so a directory without it never points at a
half-made node.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

from registry.connection import Connection
from registry.errors import NodeExists, StoreError
from registry.log_check import LogCheck, check_log
from registry.sqlite_store import DB_NAME
from registry.store import STORE_URL_FILE, Backend, Store, open_backend, store_exists, transaction

BATCH = 1000
# Rows go in in the order that numbers them, so numbering the target adds stays in order.
ORDER = {"keys": "rowid", "revocations": "id", "audit": "id", "log_leaves": "leaf_index"}


class CopyMismatch(StoreError):
    """The copied store does not hold what the source holds; nothing was kept."""


@dataclass(frozen=True, slots=True)
class Copied:
    rows: dict[str, int]  # table -> rows copied
    log: LogCheck


def copy_node(source_dir: Path, target_dir: Path, url: str) -> Copied:
    """Copy the node in ``source_dir`` to a new directory whose data lives at ``url``."""
    if store_exists(target_dir) or (target_dir.exists() and any(target_dir.iterdir())):
        raise NodeExists(f"{target_dir} is not empty; name a new directory for the copy")
    with Store.open(source_dir) as source:
        before = check_log(source.conn)
        if not before.ok:
            raise CopyMismatch(
                f"the log of {source_dir} is not whole ({'; '.join(before.problems)});"
                " run `glid store check` and restore from a backup before copying"
            )
        shutil.copytree(source_dir, target_dir, ignore=shutil.ignore_patterns(f"{DB_NAME}*"))
        try:
            target = open_backend(target_dir, url)
        except BaseException:
            shutil.rmtree(target_dir)
            raise
        try:
            rows = _copy_rows(source, target, before)
        except BaseException:
            shutil.rmtree(target_dir)
            raise
        finally:
            target.close()
    url_file = target_dir / STORE_URL_FILE
    url_file.touch(mode=0o600)
    url_file.write_text(url + "\n")
    return Copied(rows, before)


def _copy_rows(source: Store, target: Backend, expected: LogCheck) -> dict[str, int]:
    tables = source.table_names()
    if tables != target.table_names():
        raise CopyMismatch(
            f"the tables differ ({tables} here, {target.table_names()} there);"
            " open both with the same glid so their schemas match"
        )
    if target.conn.execute("SELECT count(*) FROM meta").fetchone()[0]:
        raise NodeExists(f"{target.location} already holds a glid node")
    rows: dict[str, int] = {}
    with transaction(target) as conn:
        for table in tables:
            rows[table] = _copy_table(source.conn, conn, table)
        target.after_copy()
        for table, count in rows.items():
            copied = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if copied != count:
                raise CopyMismatch(f"{table}: {count} rows read, {copied} rows in the target")
        after = check_log(conn)
        if (after.size, after.root, after.problems) != (expected.size, expected.root, []):
            raise CopyMismatch(
                f"the copied log differs: size {after.size}, expected {expected.size};"
                f" {'; '.join(after.problems) or 'another root'}"
            )
    return rows


def _copy_table(source: Connection, target: Connection, table: str) -> int:
    order = f" ORDER BY {ORDER[table]}" if table in ORDER else ""
    cursor = source.execute(f"SELECT * FROM {table}{order}")
    columns = [column[0] for column in cursor.description]
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    total = 0
    while batch := cursor.fetchmany(BATCH):
        target.executemany(insert, batch)
        total += len(batch)
    return total
