"""Bulk registration: 100,000 records into a fresh node, against bare sqlite3 executemany.

Two figures, each a median of repeated runs on fresh stores:
- the whole import path (parse JSON Lines, validate values and template, sign, encode,
  store versions + identifiers + log leaves + audit rows in batched transactions);
- the store's write path alone (the same batched transaction of versions, identifiers,
  log and audit for already signed, encoded rows).
Both are compared, in the same run, with bare ``executemany`` of the same encoded rows into
tables of the same shape: the version rows alone (what a record is), and every row the
write path stores for a record (version, identifier, log leaf, log nodes, audit), which
is what the write path's own overhead should be judged against. Target: ratio >= 0.5.

Run from the checkout: .venv/bin/python -m bench.registry_bulk [N]
"""

import io
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench.timing import median_after_setup, median_seconds, rate_line
from registry.bulk import read_jsonl
from registry.log import NodeLog
from registry.log_entry import Entry
from registry.node import init_node
from registry.records import utc_timestamp
from registry.registration import DEFAULT_BATCH, Outcome, Registrar, Submission
from registry.service import registrar
from registry.store import DB_NAME, Store
from registry.store.versions import NewVersion

PASSPHRASE = b"bench"
REPEATS = 3


def sample_values(n: int) -> list[object]:
    return [
        {"index": 1, "type": "URL", "data": f"https://example.com/p/{n}"},
        {"index": 1001, "type": "TEMPLATE", "data": "88/tpl.product@1.0.0"},
        {"index": 2000, "type": "product_name", "data": f"hot-rolled coil {n}"},
        {"index": 2001, "type": "manufacturer", "data": "Zhejiang Example Steel"},
    ]


def sample_lines(count: int) -> bytes:
    return b"\n".join(
        orjson.dumps({"handle": f"88.101.7/item-{n}", "values": sample_values(n)})
        for n in range(count)
    )


def fresh_node(root: Path, name: str) -> Store:
    return init_node(root / name, role="enterprise", prefix="88.101.7", passphrase=PASSPHRASE).store


def ready_registrar(root: Path, counter: list[int]) -> Registrar:
    """A fresh node whose key is unlocked and templates loaded, as in a running daemon."""
    counter[0] += 1
    service = registrar(fresh_node(root, f"full-{counter[0]}"), PASSPHRASE)
    warm = service.register_one("88.101.7/warm-up", sample_values(-1), "bench")
    assert warm.accepted, warm.error
    return service


def full_import(service: Registrar, lines: bytes) -> None:
    submissions = [i for i in read_jsonl(io.BytesIO(lines)) if isinstance(i, Submission)]
    outcomes: list[Outcome] = list(service.register(submissions, "bench"))
    assert all(o.accepted for o in outcomes), outcomes[0]
    service.store.close()


def signed_rows(root: Path, lines: bytes) -> list[NewVersion]:
    store = fresh_node(root, "source")
    service = registrar(store, PASSPHRASE)
    submissions = [i for i in read_jsonl(io.BytesIO(lines)) if isinstance(i, Submission)]
    list(service.register(submissions, "bench"))
    rows = (
        node_file(store)
        .execute("SELECT handle, version, record, signature, created_at FROM record_versions")
        .fetchall()
    )
    store.close()
    return [NewVersion(h, "88.101.7", v, r, s, False, at, "bench") for h, v, r, s, at in rows]


def node_file(store: Store) -> sqlite3.Connection:
    """The node's SQLite file itself: the bare baseline replays exactly the rows it holds."""
    return sqlite3.connect(store.directory / DB_NAME)


STORED_TABLES = ("record_versions", "identifiers", "log_leaves", "log_nodes", "audit")


def fresh_store(root: Path, counter: list[int]) -> Store:
    counter[0] += 1
    return fresh_node(root, f"write-{counter[0]}")


def write_path(store: Store, rows: list[NewVersion]) -> Path:
    log = NodeLog(store)
    moment = int(time.time())
    moment_text = utc_timestamp()
    for start in range(0, len(rows), DEFAULT_BATCH):
        batch = rows[start : start + DEFAULT_BATCH]
        with store.write() as tx:
            tx.versions.append(batch)
            log.append(tx, [Entry(r.handle, r.version, r.record, moment) for r in batch])
            tx.audit.add_versions(
                moment_text, "bench", "register", [(r.handle, r.version) for r in batch]
            )
    store.close()
    return store.directory


def stored_rows(directory: Path) -> dict[str, tuple[str, list[tuple[object, ...]]]]:
    """Every row the write path stored, with the statements creating its table and indexes."""
    with Store.open(directory) as store:
        return {
            table: (
                ";".join(
                    row[0]
                    for row in node_file(store).execute(
                        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
                        " AND type IN ('table', 'index') ORDER BY type DESC",
                        (table,),
                    )
                ),
                node_file(store).execute(f"SELECT * FROM {table}").fetchall(),
            )
            for table in STORED_TABLES
        }


def bare_all_rows(
    root: Path, tables: dict[str, tuple[str, list[tuple[object, ...]]]], counter: list[int]
) -> None:
    counter[0] += 1
    conn = sqlite3.connect(root / f"bare-all-{counter[0]}.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    for create, _ in tables.values():
        conn.executescript(create)
    batches = len(tables["record_versions"][1]) // DEFAULT_BATCH + 1
    for batch in range(batches):
        conn.execute("BEGIN")
        for table, (_, rows) in tables.items():
            size = -(-len(rows) // batches)
            chunk = rows[batch * size : (batch + 1) * size]
            if chunk:
                marks = ",".join("?" * len(chunk[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", chunk)
        conn.execute("COMMIT")
    conn.close()


def bare_executemany(root: Path, rows: list[NewVersion], counter: list[int]) -> None:
    counter[0] += 1
    conn = sqlite3.connect(root / f"bare-{counter[0]}.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(
        "CREATE TABLE record_versions (handle TEXT NOT NULL, version INTEGER NOT NULL,"
        " record BLOB NOT NULL, signature TEXT, deleted INTEGER NOT NULL DEFAULT 0,"
        " created_at TEXT NOT NULL, actor TEXT NOT NULL, UNIQUE (handle, version))"
    )
    encoded = [(r.handle, r.version, r.record, r.signature, 0, r.created_at, r.actor) for r in rows]
    for start in range(0, len(encoded), DEFAULT_BATCH):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO record_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
            encoded[start : start + DEFAULT_BATCH],
        )
        conn.execute("COMMIT")
    conn.close()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    lines = sample_lines(count)
    os.environ.setdefault("GLID_PASSPHRASE", PASSPHRASE.decode())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = signed_rows(root, lines)
        counter = [0]
        bare = median_seconds(lambda: bare_executemany(root, rows, counter), REPEATS)
        tables = stored_rows(write_path(fresh_store(root, counter), rows))
        bare_all = median_seconds(lambda: bare_all_rows(root, tables, counter), REPEATS)
        store_only = median_after_setup(
            lambda: fresh_store(root, counter), lambda store: write_path(store, rows), REPEATS
        )
        full = median_after_setup(
            lambda: ready_registrar(root, counter),
            lambda service: full_import(service, lines),
            REPEATS,
        )
    print(f"records: {count:,} (4 values each, batches of {DEFAULT_BATCH}), medians of {REPEATS}")
    stored = sum(len(rows) for _, rows in tables.values())
    print(rate_line("bare executemany, version rows only", count, bare))
    print(rate_line(f"bare executemany, all {stored / count:.1f} rows/record", count, bare_all))
    print(rate_line("store write path (versions+ids+log+audit)", count, store_only))
    print(rate_line("full import (parse, validate, sign, store)", count, full))
    print(f"ratio write path / bare, same rows:      {bare_all / store_only:.2f}  (target >= 0.5)")
    print(f"ratio write path / bare, version rows:   {bare / store_only:.2f}")
    print(f"ratio full import / bare, version rows:  {bare / full:.2f}")


if __name__ == "__main__":
    main()
