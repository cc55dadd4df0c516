"""Transparency-log speed at a million entries, against hashing alone.

Every registration appends to the log, and every resolution may ask for an inclusion
proof, so appends must cost little more than the hashing they require and proofs must
stay well under a millisecond at scale. Baselines measured in the same run: for
appends, computing the leaf hashes of the same entries and nothing else; for proofs,
hashing the same number of 32-byte nodes a proof's verification hashes. Proof times
are medians over many random leaves and sizes. Target: proofs < 1 ms at 1,000,000.

Run from the checkout: .venv/bin/python -m bench.merkle_log
"""

import hashlib
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.timing import median_seconds
from registry.store.log import LogTables
from registry.store.sqlite import SqliteSession
from signing.merkle import MemoryStorage, MerkleLog, leaf_hash, verify_consistency, verify_inclusion

N = 1_000_000
REPEATS = 3
PROOFS = 2000


def seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    leaves = [i.to_bytes(8, "big") * 4 for i in range(N)]
    baseline = statistics.median(
        seconds(lambda: [hashlib.sha256(b"\x00" + d).digest() for d in leaves])
        for _ in range(REPEATS)
    )
    log = MerkleLog(MemoryStorage())
    one_by_one = seconds(lambda: [log.append(d) for d in leaves[: N // 10]]) * 10
    bulk_log = MerkleLog(MemoryStorage())
    bulk = seconds(lambda: bulk_log.extend(leaves))
    root = bulk_log.root()

    rng = random.Random(7)
    indexes = [rng.randrange(N) for _ in range(PROOFS)]
    olds = [rng.randrange(1, N) for _ in range(PROOFS)]
    it = iter(indexes)
    inclusion = median_seconds(lambda: bulk_log.inclusion_proof(next(it), N), PROOFS)
    it = iter(olds)
    consistency = median_seconds(lambda: bulk_log.consistency_proof(next(it), N), PROOFS)
    proof = bulk_log.inclusion_proof(indexes[0], N)
    check_inclusion = median_seconds(
        lambda: verify_inclusion(leaf_hash(leaves[indexes[0]]), indexes[0], N, proof, root), 200
    )
    old = olds[0]
    cproof = bulk_log.consistency_proof(old, N)
    old_root = bulk_log.root(old)
    check_consistency = median_seconds(
        lambda: verify_consistency(old, N, old_root, root, cproof), 200
    )
    nodes = [bytes(32)] * len(proof)
    hash_path = median_seconds(
        lambda: [hashlib.sha256(b"\x01" + n + n).digest() for n in nodes], 200
    )

    print(f"entries: {N:,}")
    print(f"leaf hashing only (baseline) : {N / baseline:12,.0f} entries/s")
    print(
        f"append, one at a time        : {N / one_by_one:12,.0f} entries/s"
        f"  (ratio to baseline {baseline / one_by_one:.2f})"
    )
    print(
        f"extend, one batch            : {N / bulk:12,.0f} entries/s"
        f"  (ratio to baseline {baseline / bulk:.2f})"
    )
    print(f"inclusion proof at {N:,}  : {inclusion * 1e6:8.1f} µs median ({len(proof)} hashes)")
    print(f"consistency proof at {N:,}: {consistency * 1e6:8.1f} µs median")
    print(
        f"verify inclusion             : {check_inclusion * 1e6:8.1f} µs median"
        f"  (hashing {len(proof)} nodes alone: {hash_path * 1e6:.1f} µs,"
        f" ratio {hash_path / check_inclusion:.2f})"
    )
    print(f"verify consistency           : {check_consistency * 1e6:8.1f} µs median")
    stored_inclusion, stored_consistency = sqlite_proofs(leaves, indexes, olds)
    print(
        f"node store (SQLite) inclusion proof at {N:,}  : {stored_inclusion * 1e6:8.1f} µs median"
    )
    print(
        f"node store (SQLite) consistency proof at {N:,}: {stored_consistency * 1e6:8.1f} µs median"
    )
    slowest = max(inclusion, consistency, stored_inclusion, stored_consistency)
    print(f"target: proofs < 1000 µs -> {'met' if slowest < 1e-3 else 'MISSED'}")


def sqlite_proofs(leaves: list[bytes], indexes: list[int], olds: list[int]) -> tuple[float, float]:
    """The same proofs from the node store's SQLite tables, as a node serves them."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "log.db", isolation_level=None)
        conn.executescript(
            "PRAGMA journal_mode = WAL; CREATE TABLE log_nodes (level INTEGER NOT NULL,"
            " node_index INTEGER NOT NULL, hash BLOB NOT NULL,"
            " PRIMARY KEY (level, node_index)) WITHOUT ROWID;"
        )
        stored = MerkleLog(LogTables(SqliteSession(conn, Path(tmp) / "log.db")))
        conn.execute("BEGIN")
        for start in range(0, len(leaves), 10_000):
            stored.extend(leaves[start : start + 10_000])
        conn.execute("COMMIT")
        it = iter(indexes)
        inclusion = median_seconds(lambda: stored.inclusion_proof(next(it), N), PROOFS)
        it = iter(olds)
        consistency = median_seconds(lambda: stored.consistency_proof(next(it), N), PROOFS)
        conn.close()
    return inclusion, consistency


if __name__ == "__main__":
    main()
