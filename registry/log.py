"""The node's transparency log: every accepted record version, as an RFC 9162 Merkle tree.

Leaves and perfect-subtree hashes live in the node store and are appended in the same
transaction as the versions they commit to, so the log and the records can never
disagree. Checkpoints are C2SP signed notes by the node's authority key; the origin line
names the node's prefix so a checkpoint from another node's log is refused. A log that
holds the key signs a checkpoint of its new size in the same transaction as each append,
so the stored checkpoint always covers the whole log and reads never need the key.
"""

import hashlib
from collections.abc import Sequence
from typing import Any

from registry import keyring
from registry.latest import keep_statements
from registry.log_entry import Entry
from registry.store import Store, Tables
from signing.b64 import b64_encode
from signing.checkpoint import log_origin, sign_checkpoint
from signing.keys import SigningKey
from signing.merkle import MerkleLog, log_leaf

CHECKPOINT_META = "checkpoint"


class NodeLog:
    """Appends to and proves from one node's log."""

    def __init__(self, store: Store, checkpoint_key: SigningKey | None = None) -> None:
        self.store = store
        self.tree = MerkleLog(store.log)
        self.origin = log_origin(store.node.prefix)
        self.checkpoint_key = checkpoint_key  # the authority key, if this log signs as it grows

    def append(self, tx: Tables, entries: Sequence[Entry]) -> None:
        """Add leaves for ``entries`` inside ``tx``, the transaction that stores them, and
        (with a key) store a checkpoint of the new size there too, and a statement of the
        newest version of each identifier written, bound to that checkpoint."""
        # sha256(record) equals signing.merkle.record_digest(values): the record bytes are
        # already the canonical encoding of the values sorted by index.
        leaves = [
            log_leaf(e.handle, e.version, hashlib.sha256(e.record).digest(), e.at) for e in entries
        ]
        first = MerkleLog(tx.log).extend(leaves)
        tx.log.add_leaves(
            [
                (first + offset, e.handle, e.version, leaf)
                for offset, (e, leaf) in enumerate(zip(entries, leaves, strict=True))
            ],
        )
        if self.checkpoint_key is not None:
            note = self.store_checkpoint(tx, self.checkpoint_key)
            newest = {e.handle: e.version for e in sorted(entries, key=lambda e: e.version)}
            at = max((e.at for e in entries), default=0)
            keep_statements(tx, self.checkpoint_key, self.store.node.prefix, newest, note, at)

    def store_checkpoint(self, tx: Tables, key: SigningKey) -> str:
        """Sign a checkpoint of the log as ``tx`` sees it and keep it in the store."""
        tree = MerkleLog(tx.log)
        size = tree.size()
        note = sign_checkpoint(self.origin, size, tree.root(size), key)
        tx.meta.set(CHECKPOINT_META, note)
        return note

    def size(self) -> int:
        return self.tree.size()

    def leaf_index(self, handle: str, version: int) -> tuple[int, bytes]:
        return self.store.log.leaf(handle, version)

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
    entry = keyring.active_key(store, store.node.prefix)
    return keyring.load_private(store, entry, passphrase)
