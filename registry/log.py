"""The node's transparency log: every accepted record version, as an RFC 9162 Merkle tree.

Leaves and perfect-subtree hashes live in the node store and are appended in the same
transaction as the versions they commit to, so the log and the records can never
disagree. Checkpoints are C2SP signed notes by the node's key; the origin line names the
node's prefix so a checkpoint from another node's log is refused.
"""

import hashlib
from collections.abc import Sequence
from typing import Any

from registry import keyring
from registry.connection import Connection
from registry.errors import NotFound
from registry.log_entry import Entry
from registry.store import Store
from signing.b64 import b64_encode
from signing.checkpoint import sign_checkpoint
from signing.keys import SigningKey
from signing.merkle import MerkleLog, log_leaf

INSERT_NODES = "INSERT INTO log_nodes (level, node_index, hash) VALUES (?, ?, ?)"
INSERT_LEAVES = "INSERT INTO log_leaves (leaf_index, handle, version, leaf) VALUES (?, ?, ?, ?)"


def origin_of(prefix: str) -> str:
    return f"glid.{prefix}/log"


class StoreMerkleStorage:
    """signing.merkle's storage protocol over the ``log_nodes`` table, on either backend."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def size(self) -> int:
        row = self.conn.execute("SELECT max(node_index) FROM log_nodes WHERE level = 0").fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def get(self, level: int, index: int) -> bytes:
        row = self.conn.execute(
            "SELECT hash FROM log_nodes WHERE level = ? AND node_index = ?", (level, index)
        ).fetchone()
        if row is None:
            raise NotFound(f"log node ({level}, {index}) is missing from the store")
        return bytes(row[0])

    def put(self, items: list[tuple[int, int, bytes]]) -> None:
        self.conn.executemany(INSERT_NODES, items)


class NodeLog:
    """Appends to and proves from one node's log."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.tree = MerkleLog(StoreMerkleStorage(store.conn))
        self.origin = origin_of(store.node.prefix)

    def append(self, conn: Connection, entries: Sequence[Entry]) -> None:
        """Add leaves for ``entries``; call inside the transaction that stores them."""
        if conn is not self.store.conn:
            raise ValueError("the log must be appended on the store's own connection")
        # sha256(record) equals signing.merkle.record_digest(values): the record bytes are
        # already the canonical encoding of the values sorted by index.
        leaves = [
            log_leaf(e.handle, e.version, hashlib.sha256(e.record).digest(), e.at) for e in entries
        ]
        first = self.tree.extend(leaves)
        conn.executemany(
            INSERT_LEAVES,
            [
                (first + offset, e.handle, e.version, leaf)
                for offset, (e, leaf) in enumerate(zip(entries, leaves, strict=True))
            ],
        )

    def size(self) -> int:
        return self.tree.size()

    def checkpoint(self, key: SigningKey) -> str:
        size = self.tree.size()
        return sign_checkpoint(self.origin, size, self.tree.root(size), key)

    def leaf_index(self, handle: str, version: int) -> tuple[int, bytes]:
        row = self.store.conn.execute(
            "SELECT leaf_index, leaf FROM log_leaves WHERE handle = ? AND version = ?",
            (handle, version),
        ).fetchone()
        if row is None:
            raise NotFound(f"version {version} of {handle} is not in this node's log")
        return int(row[0]), bytes(row[1])

    def inclusion(self, handle: str, version: int, size: int | None = None) -> dict[str, Any]:
        index, leaf = self.leaf_index(handle, version)
        size = self.tree.size() if size is None else size
        return {
            "leaf_index": index,
            "tree_size": size,
            "leaf": b64_encode(leaf),
            "inclusion": [b64_encode(h) for h in self.tree.inclusion_proof(index, size)],
        }

    def consistency(self, old_size: int, new_size: int | None = None) -> dict[str, Any]:
        new_size = self.tree.size() if new_size is None else new_size
        proof = self.tree.consistency_proof(old_size, new_size)
        return {
            "old_size": old_size,
            "new_size": new_size,
            "consistency": [b64_encode(h) for h in proof],
        }


def checkpoint_key(store: Store, passphrase: bytes) -> SigningKey:
    entry = keyring.active_key(store.conn, store.node.prefix)
    return keyring.load_private(store, entry, passphrase)
