"""The transparency log's refusals, each in the exact words an operator or a buyer's verdict
reads: a request outside the log, a hash that is not 32 bytes, a proof that does not fit its
tree. tests/signing/test_merkle.py holds the proofs that must verify."""

from collections.abc import Callable

import pytest

from signing.errors import MerkleError, ProofError
from signing.merkle import (
    EMPTY_ROOT,
    MemoryStorage,
    MerkleLog,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

SIZE, INDEX, OLD = 13, 5, 5
LOG = MerkleLog()
LOG.extend(f"entry {i}".encode() for i in range(SIZE))
ROOT, OLD_ROOT = LOG.root(), LOG.root(OLD)
LEAF = leaf_hash(b"entry 5")
PATH = LOG.inclusion_proof(INDEX)
STEPS = LOG.consistency_proof(OLD)
SHORT = b"\x11" * 31
NOT_BYTES = bytearray(32)  # the right length, but mutable: not a hash this module made


def test_a_log_keeps_its_hashes_in_the_storage_it_is_given() -> None:
    storage = MemoryStorage()
    MerkleLog(storage).extend([b"a", b"b", b"c"])
    assert storage.size() == 3
    assert storage.get(1, 0) == node_hash(leaf_hash(b"a"), leaf_hash(b"b"))
    reopened = MerkleLog(storage)  # a second log over the same storage sees the entries
    assert reopened.size() == 3 and reopened.root() == node_hash(
        storage.get(1, 0), storage.get(0, 2)
    )


@pytest.mark.parametrize(
    ("level", "index"),
    [(0, 0), (0, 3), (1, 1)],  # one already written, one skipping a leaf, one skipping a node
)
def test_memory_storage_only_appends_and_says_where(level: int, index: int) -> None:
    storage = MemoryStorage()
    storage.put([(0, 0, leaf_hash(b"a")), (0, 1, leaf_hash(b"b"))])
    with pytest.raises(MerkleError) as raised:
        storage.put([(level, index, leaf_hash(b"c"))])
    assert str(raised.value) == f"log storage is append-only: level {level} index {index}"
    assert storage.size() == 2


@pytest.mark.parametrize(
    ("ask", "message"),
    [
        (lambda: LOG.root(SIZE + 1), f"tree size {SIZE + 1} is outside the log (0..{SIZE})"),
        (lambda: LOG.root(-1), f"tree size -1 is outside the log (0..{SIZE})"),
        (lambda: LOG.inclusion_proof(SIZE), f"leaf {SIZE} is not in a tree of size {SIZE}"),
        (lambda: LOG.inclusion_proof(3, 3), "leaf 3 is not in a tree of size 3"),
        (lambda: LOG.inclusion_proof(-1), f"leaf -1 is not in a tree of size {SIZE}"),
        (lambda: LOG.consistency_proof(0, 5), "no consistency proof from size 0 to 5"),
        (lambda: LOG.consistency_proof(6, 5), "no consistency proof from size 6 to 5"),
        (
            lambda: LOG.consistency_proof(OLD, SIZE + 1),
            f"tree size {SIZE + 1} is outside the log (0..{SIZE})",
        ),
    ],
)
def test_a_request_outside_the_log_says_what_it_asked(
    ask: Callable[[], object], message: str
) -> None:
    with pytest.raises(MerkleError) as raised:
        ask()
    assert str(raised.value) == message


HASHES = "every proof hash and root must be 32 bytes"


@pytest.mark.parametrize(
    "check",
    [
        lambda bad: verify_inclusion(bad, INDEX, SIZE, PATH, ROOT),
        lambda bad: verify_inclusion(LEAF, INDEX, SIZE, PATH, bad),
        lambda bad: verify_inclusion(LEAF, INDEX, SIZE, [*PATH[:-1], bad], ROOT),
        lambda bad: verify_consistency(OLD, SIZE, bad, ROOT, STEPS),
        lambda bad: verify_consistency(OLD, SIZE, OLD_ROOT, bad, STEPS),
        lambda bad: verify_consistency(OLD, SIZE, OLD_ROOT, ROOT, [bad, *STEPS[1:]]),
    ],
    ids=["leaf", "root", "inclusion step", "old root", "new root", "consistency step"],
)
@pytest.mark.parametrize("bad", [SHORT, NOT_BYTES], ids=["31 bytes", "bytearray"])
def test_every_hash_a_proof_is_checked_with_must_be_32_bytes(
    check: Callable[[bytes], None], bad: bytes
) -> None:
    with pytest.raises(ProofError) as raised:
        check(bad)
    assert str(raised.value) == HASHES


def test_the_proofs_used_below_verify_as_given() -> None:
    verify_inclusion(LEAF, INDEX, SIZE, PATH, ROOT)
    verify_consistency(OLD, SIZE, OLD_ROOT, ROOT, STEPS)


def flipped(digest: bytes) -> bytes:
    return digest[:-1] + bytes([digest[-1] ^ 1])


@pytest.mark.parametrize(
    ("index", "size", "path", "root", "message"),
    [
        (SIZE, SIZE, PATH, ROOT, f"leaf index {SIZE} is not below tree size {SIZE}"),
        (-1, SIZE, PATH, ROOT, f"leaf index -1 is not below tree size {SIZE}"),
        (INDEX, SIZE, [*PATH, PATH[0]], ROOT, f"inclusion proof for leaf 5 of {SIZE} is too long"),
        (INDEX, SIZE, PATH[:-1], ROOT, f"inclusion proof for leaf 5 of {SIZE} is too short"),
        (
            INDEX,
            SIZE,
            PATH,
            flipped(ROOT),
            f"inclusion proof for leaf 5 of {SIZE} does not lead to the root",
        ),
    ],
)
def test_an_inclusion_proof_that_does_not_fit_says_how(
    index: int, size: int, path: list[bytes], root: bytes, message: str
) -> None:
    with pytest.raises(ProofError) as raised:
        verify_inclusion(LEAF, index, size, path, root)
    assert str(raised.value) == message


MISMATCH = (
    f"consistency proof from {OLD} to {SIZE} does not match the two roots: the log was"
    " rewritten or the proof is forged"
)


@pytest.mark.parametrize(
    ("old", "new", "old_root", "new_root", "proof", "message"),
    [
        (8, OLD, ROOT, OLD_ROOT, STEPS, f"a log cannot shrink from size 8 to {OLD}"),
        (-1, OLD, ROOT, OLD_ROOT, [], f"a log cannot shrink from size -1 to {OLD}"),
        (
            OLD,
            OLD,
            OLD_ROOT,
            OLD_ROOT,
            STEPS,
            f"consistency from {OLD} to {OLD} needs an empty proof",
        ),
        (0, SIZE, EMPTY_ROOT, ROOT, STEPS, f"consistency from 0 to {SIZE} needs an empty proof"),
        (OLD, OLD, OLD_ROOT, ROOT, [], f"two different roots for the same tree size {OLD}"),
        (
            0,
            SIZE,
            ROOT,
            ROOT,
            [],
            "the root of an empty log is SHA-256 of nothing; this one is not",
        ),
        (OLD, SIZE, OLD_ROOT, ROOT, [], f"consistency proof from {OLD} to {SIZE} is empty"),
        (
            OLD,
            SIZE,
            OLD_ROOT,
            ROOT,
            [*STEPS, STEPS[0]],
            f"consistency proof from {OLD} to {SIZE} is too long",
        ),
        (OLD, SIZE, OLD_ROOT, ROOT, STEPS[:-1], MISMATCH),
        (OLD, SIZE, flipped(OLD_ROOT), ROOT, STEPS, MISMATCH),
        (OLD, SIZE, OLD_ROOT, flipped(ROOT), STEPS, MISMATCH),
    ],
)
def test_a_consistency_proof_that_does_not_fit_says_how(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes], message: str
) -> None:
    with pytest.raises(ProofError) as raised:
        verify_consistency(old, new, old_root, new_root, proof)
    assert str(raised.value) == message


def test_an_empty_log_is_extended_by_every_log_under_the_empty_root() -> None:
    verify_consistency(0, SIZE, EMPTY_ROOT, ROOT, [])
    verify_consistency(OLD, OLD, OLD_ROOT, OLD_ROOT, [])
