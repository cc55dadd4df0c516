"""The transparency log: an append-only Merkle tree with RFC 9162 (CT v2) hashing.

Storage keeps only the hashes of *perfect* subtrees: level 0 holds leaf hashes, and the
node at (level, index) covers leaves [index·2^level, (index+1)·2^level). Every root and
proof for any earlier size is computed from those in O(log n) reads, so a node that
stores them in SQLite answers proofs at a million leaves in well under a millisecond.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from glid_core import canonical
from signing.errors import MerkleError, ProofError
from signing.record_signature import VALUE_FIELDS, is_signature_value
from signing.timestamps import numeric_date

HASH_BYTES = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleStorage(Protocol):
    """Where a log keeps its perfect-subtree hashes."""

    def size(self) -> int:
        """The number of leaves stored."""
        ...

    def get(self, level: int, index: int) -> bytes:
        """The hash of perfect subtree ``index`` at ``level``."""
        ...

    def put(self, items: list[tuple[int, int, bytes]]) -> None:
        """Store (level, index, hash) triples together (one transaction where it matters)."""
        ...


class MemoryStorage:
    """Perfect-subtree hashes in Python lists, one per level."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]

    def size(self) -> int:
        return len(self._levels[0])

    def get(self, level: int, index: int) -> bytes:
        return self._levels[level][index]

    def put(self, items: list[tuple[int, int, bytes]]) -> None:
        for level, index, digest in items:
            while len(self._levels) <= level:
                self._levels.append([])
            row = self._levels[level]
            if index != len(row):
                raise MerkleError(f"log storage is append-only: level {level} index {index}")
            row.append(digest)


class MerkleLog:
    """An append-only log over a :class:`MerkleStorage`."""

    def __init__(self, storage: MerkleStorage | None = None) -> None:
        self._storage: MerkleStorage = storage if storage is not None else MemoryStorage()

    def size(self) -> int:
        return self._storage.size()

    def append(self, leaf_data: bytes) -> int:
        """Add one entry; returns its leaf index."""
        return self.extend([leaf_data])

    def extend(self, leaves: Iterable[bytes]) -> int:
        """Add entries in one storage write; returns the index of the first."""
        first = size = self._storage.size()
        items: list[tuple[int, int, bytes]] = []
        # level → the newest node of that level, while it is a left child awaiting its
        # sibling: the one node a right child at that level can fold with.
        waiting: dict[int, bytes] = {}
        for data in leaves:
            index, level, digest = size, 0, leaf_hash(data)
            items.append((0, index, digest))
            # A right child completes its parent: fold while the index is odd.
            while index & 1:
                left = waiting.pop(level, None) or self._storage.get(level, index - 1)
                digest = node_hash(left, digest)
                level, index = level + 1, index >> 1
                items.append((level, index, digest))
            waiting[level] = digest
            size += 1
        self._storage.put(items)
        return first

    def _subtree(self, start: int, end: int) -> bytes:
        # MTH(D[start:end]); callers keep ``start`` aligned to the subtree's size.
        n = end - start
        if n & (n - 1) == 0:
            level = n.bit_length() - 1
            return self._storage.get(level, start >> level)
        k = _split(n)
        return node_hash(self._subtree(start, start + k), self._subtree(start + k, end))

    def _size_arg(self, size: int | None) -> int:
        current = self._storage.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise MerkleError(f"tree size {size} is outside the log (0..{current})")
        return size

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` entries (default: all)."""
        size = self._size_arg(size)
        return self._subtree(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf-side sibling first."""
        size = self._size_arg(size)
        if not 0 <= index < size:
            raise MerkleError(f"leaf {index} is not in a tree of size {size}")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index - start < k:
                path.append(self._subtree(start + k, end))
                end = start + k
            else:
                path.append(self._subtree(start, start + k))
                start += k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(old, D[0:new])."""
        new_size = self._size_arg(new_size)
        if not 0 < old_size <= new_size:
            raise MerkleError(f"no consistency proof from size {old_size} to {new_size}")
        path: list[bytes] = []
        start, end, m, complete = 0, new_size, old_size, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                path.append(self._subtree(start + k, end))
                end = start + k
            else:
                path.append(self._subtree(start, start + k))
                start, m, complete = start + k, m - k, False
        if not complete:
            path.append(self._subtree(start, end))
        path.reverse()
        return path


def _check_hashes(proof: Sequence[bytes], *digests: bytes) -> None:
    for digest in (*proof, *digests):
        if not isinstance(digest, bytes) or len(digest) != HASH_BYTES:
            raise ProofError("every proof hash and root must be 32 bytes")


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: raise ProofError unless ``leaf`` (a leaf hash) is entry ``index``
    of the tree of ``size`` entries whose root is ``root``."""
    _check_hashes(proof, leaf, root)
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError(f"inclusion proof for leaf {index} of {size} is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"inclusion proof for leaf {index} of {size} is too short")
    if r != root:
        raise ProofError(f"inclusion proof for leaf {index} of {size} does not lead to the root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raise ProofError unless the tree of ``new_size`` entries extends
    the tree of ``old_size`` entries without changing any of them."""
    _check_hashes(proof, old_root, new_root)
    if not 0 <= old_size <= new_size:
        raise ProofError(f"a log cannot shrink from size {old_size} to {new_size}")
    if old_size == new_size or old_size == 0:
        if proof:
            raise ProofError(f"consistency from {old_size} to {new_size} needs an empty proof")
        if old_size == new_size and old_root != new_root:
            raise ProofError(f"two different roots for the same tree size {old_size}")
        if old_size == 0 and old_root != EMPTY_ROOT:
            # Every log extends the empty one, but only under the empty tree's root.
            raise ProofError("the root of an empty log is SHA-256 of nothing; this one is not")
        return
    if not proof:
        raise ProofError(f"consistency proof from {old_size} to {new_size} is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof from {old_size} to {new_size} is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise ProofError(
            f"consistency proof from {old_size} to {new_size} does not match the two roots:"
            " the log was rewritten or the proof is forged"
        )


def record_digest(values: Iterable[Mapping[str, Any]]) -> bytes:
    """SHA-256 of the canonical MessagePack list of a record's signed values by index.

    The same members a record signature covers (index, type, data, ttl, timestamp;
    the signature value at index 400 left out), so the log commits to exactly the signed
    content.
    """
    covered = sorted(
        (
            {field: value[field] for field in VALUE_FIELDS}
            for value in values
            if not is_signature_value(value)
        ),
        key=lambda value: value["index"],
    )
    return hashlib.sha256(canonical.encode(covered)).digest()


def log_leaf(handle: str, version: int, digest: bytes, at: int | datetime) -> bytes:
    """What a log entry commits to: canonical MessagePack of {id, ver, rec, at}."""
    # Written in canonical key order, so every leaf of a batch skips the general walk.
    return canonical.encode_scalar_map(
        {"at": numeric_date(at), "id": handle, "rec": digest, "ver": version}
    )
