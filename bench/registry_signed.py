"""Signed bulk registration: records/s through the node's one write path, against bare signing.

registry.service.registrar on a real node store (SQLite in WAL mode, on disk) takes each
product record through identifier and value parsing, template validation, the record
signature, the version rows, the transparency-log leaves and the audit rows, a batch of
1000 per transaction. The baseline, measured in the same run, is bare Ed25519 signing of
the very JWS signing inputs the node produced (each record's signature and the node's
statement of that record's newest version), through PyNaCl's thinnest libsodium binding
(the call the node makes): what the write path would cost if signing were all it did.
Template validation (templates_meta) alone is timed too, on the same values, so its share
is visible. Medians of several repetitions, each on fresh identifiers. Target: >= 20,000
records/s on one core.

The floor is what the write path would cost with no Python logic at all: bare signing of
the same inputs (and of the node's newest-version statements, one per record) plus one
``executemany`` per table of exactly the rows the node wrote for those records (versions,
identifier upserts, log leaves, log nodes, audit, statements), copied into a
scratch store with the same schema and committed a batch per transaction as the node does.
No registration rate can beat it on this machine.

Each repetition times the registration and then, on that repetition's own records, each
baseline; ratios are the median of the per-repetition ratios, so a slow moment of a shared
machine weighs on both sides of a ratio alike.

Run from the checkout: .venv/bin/python -m bench.registry_signed
"""

import json
import sqlite3
import statistics
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

from bench.timing import elapsed
from registry import keyring
from registry.latest import LATEST_META
from registry.node import init_node
from registry.records import parse_values, values_to_json
from registry.registration import Submission
from registry.service import registrar
from registry.store import DB_NAME, Store
from registry.store.log import INSERT_LEAVES, INSERT_NODES
from registry.store.meta import INSERT_AUDIT, UPSERT_META
from registry.store.versions import INSERT_VERSION, UPSERT_IDENTIFIER
from registry.template_catalog import TemplateCatalog
from signing.jws import parse_compact

N = 5000
REPEATS = 7
PASSPHRASE = b"bench passphrase"


def product(i: int) -> list[dict[str, Any]]:
    def value(index: int, type_: str, data: str) -> dict[str, Any]:
        return {"index": index, "type": type_, "data": {"format": "string", "value": data}}

    return [
        value(1, "URL", f"https://example.com/p/{i}"),
        value(1001, "TEMPLATE", "88/tpl.product@1.0.0"),
        value(2000, "product_name", f"hot-rolled coil {i}"),
        value(2001, "manufacturer", "Mill Co."),
    ]


# What one batch writes: (statement, rows) per table, in the order the node writes them.
Batch = list[tuple[str, list[tuple[Any, ...]]]]


def written_rows(store: Store, repetition: int, batch_size: int) -> list[Batch]:
    """The rows registration ``repetition`` wrote, read back and cut into its batches."""
    conn = sqlite3.connect(store.directory / DB_NAME)

    def rows(query: str, *args: Any) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in conn.execute(query, args)]

    pattern = f"88/r{repetition}-%"
    result: list[Batch] = []
    for start in range(0, N, batch_size):
        handles = [f"88/r{repetition}-{i}" for i in range(start, min(N, start + batch_size))]
        marks = ",".join("?" * len(handles))
        leaves = rows(
            f"SELECT leaf_index, handle, version, leaf FROM log_leaves WHERE handle IN ({marks})"
            " ORDER BY leaf_index",
            *handles,
        )
        first, last = leaves[0][0], leaves[-1][0]
        result.append(
            [
                (
                    INSERT_VERSION,
                    rows(
                        "SELECT handle, version, record, signature, deleted, created_at, actor"
                        f" FROM record_versions WHERE handle IN ({marks}) ORDER BY rowid",
                        *handles,
                    ),
                ),
                (
                    UPSERT_IDENTIFIER,
                    rows(
                        "SELECT handle, prefix, current_version, deleted, created_at, updated_at"
                        f" FROM identifiers WHERE handle IN ({marks})",
                        *handles,
                    ),
                ),
                (
                    INSERT_NODES,
                    rows(
                        "SELECT level, node_index, hash FROM log_nodes"
                        " WHERE ((node_index + 1) << level) - 1 BETWEEN ? AND ?"
                        " ORDER BY ((node_index + 1) << level), level",
                        first,
                        last,
                    ),
                ),
                (INSERT_LEAVES, leaves),
                (
                    INSERT_AUDIT,
                    rows(
                        "SELECT at, actor, action, target, detail FROM audit"
                        f" WHERE action = 'register' AND target IN ({marks}) ORDER BY id",
                        *handles,
                    ),
                ),
                (
                    UPSERT_META,
                    rows(
                        f"SELECT key, value FROM meta WHERE key IN ({marks})",
                        *(LATEST_META + handle for handle in handles),
                    ),
                ),
            ]
        )
    assert sum(len(batch[0][1]) for batch in result) == N, pattern
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        directory = Path(root) / "node"
        init_node(directory, role="top", prefix="88", passphrase=PASSPHRASE).store.close()
        store = Store.open(directory)
        service = registrar(store, PASSPHRASE)
        catalog = TemplateCatalog.open(store)
        scratch = Store.create(Path(root) / "scratch", role="top", prefix="88")
        seed = keyring.load_private(store, keyring.signing_key(store, "88"), PASSPHRASE).seed
        _, secret = crypto_sign_seed_keypair(seed)
        records = [product(i) for i in range(N)]
        parsed = [values_to_json(parse_values(values)) for values in records]

        def register(repetition: int) -> None:
            submissions = (
                Submission(i + 1, f"88/r{repetition}-{i}", values)
                for i, values in enumerate(records)
            )
            for outcome in service.register(submissions, "bench"):
                assert outcome.accepted, outcome.error

        def bare(inputs: list[bytes]) -> None:
            for message in inputs:
                crypto_sign(message, secret)

        raw = sqlite3.connect(scratch.directory / DB_NAME, isolation_level=None)

        def write_rows(replay: list[Batch]) -> None:
            for batch in replay:
                raw.execute("BEGIN IMMEDIATE")
                for statement, rows in batch:
                    raw.executemany(statement, rows)
                raw.execute("COMMIT")

        def validate() -> None:
            for i, values in enumerate(parsed):
                catalog.check(f"88/v{i}", values)

        registered_s: list[float] = []
        bare_s: list[float] = []
        rows_s: list[float] = []
        validate_s: list[float] = []
        for repetition in range(REPEATS):
            registered_s.append(elapsed(partial(register, repetition)))
            replay = written_rows(store, repetition, service.batch_size)
            # The very JWS signing inputs this repetition's registration produced: each
            # record's signature and the node's statement of its newest version.
            inputs = [parse_compact(row[3]).signing_input for b in replay for row in b[0][1]]
            inputs += [
                parse_compact(json.loads(row[1])["statement"]).signing_input
                for b in replay
                for row in b[-1][1]
            ]
            bare_s.append(elapsed(partial(bare, inputs)))
            rows_s.append(elapsed(partial(write_rows, replay)))
            validate_s.append(elapsed(validate))
        scratch.close()
        store.close()
    floor_s = [sign + rows for sign, rows in zip(bare_s, rows_s, strict=True)]

    def rate(seconds: list[float]) -> str:
        return f"{N / statistics.median(seconds):10,.0f} records/s"

    def ratio(over: list[float]) -> float:
        return statistics.median(o / r for o, r in zip(over, registered_s, strict=True))

    print(f"records: {N} per repetition, 4 values each, batches of {service.batch_size}")
    print(f"bare Ed25519 signing       : {rate(bare_s)}")
    print(f"signed registration        : {rate(registered_s)}  (target >= 20,000)")
    print(f"rows alone (bare SQL)      : {rate(rows_s)}")
    print(f"floor (bare sign + rows)   : {rate(floor_s)}")
    print(f"template validation alone  : {rate(validate_s)}")
    print(f"ratio registration / bare  : {ratio(bare_s):10.2f}")
    print(f"ratio registration / floor : {ratio(floor_s):10.2f}")
    print(f"validation share of write  : {ratio(validate_s):10.0%}")


if __name__ == "__main__":
    main()
