import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from glid_core import canonical
from signing.errors import MerkleError, ProofError
from signing.merkle import (
    EMPTY_ROOT,
    MemoryStorage,
    MerkleLog,
    leaf_hash,
    log_leaf,
    record_digest,
    verify_consistency,
    verify_inclusion,
)
from tests.signing.builders import footprint_values, value


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 written as its recursive definition."""
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


LEAVES = [f"entry {i}".encode() for i in range(70)]


@pytest.fixture(scope="module")
def log() -> MerkleLog:
    log = MerkleLog(MemoryStorage())
    for i, data in enumerate(LEAVES):
        assert log.append(data) == i
    return log


def test_known_values() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert MerkleLog().root() == EMPTY_ROOT
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert a == sha(b"\x00a")
    one = MerkleLog()
    one.extend([b"a", b"b"])
    assert one.root() == sha(b"\x01" + a + b)


def test_roots_match_naive_for_every_size(log: MerkleLog) -> None:
    for size in range(len(LEAVES) + 1):
        assert log.root(size) == mth(LEAVES[:size])


def test_inclusion_proofs_match_naive_and_verify(log: MerkleLog) -> None:
    for size in range(1, len(LEAVES) + 1):
        root = mth(LEAVES[:size])
        for index in range(size):
            proof = log.inclusion_proof(index, size)
            assert proof == path(index, LEAVES[:size])
            verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, root)


def test_consistency_proofs_match_naive_and_verify(log: MerkleLog) -> None:
    for new in range(1, len(LEAVES) + 1):
        for old in range(1, new + 1):
            proof = log.consistency_proof(old, new)
            assert proof == subproof(old, LEAVES[:new], True)
            verify_consistency(old, new, mth(LEAVES[:old]), mth(LEAVES[:new]), proof)


def test_extend_equals_repeated_append(log: MerkleLog) -> None:
    bulk = MerkleLog()
    bulk.extend(LEAVES[:5])
    assert bulk.extend(LEAVES[5:]) == 5
    assert bulk.root() == log.root()


def test_forged_inclusion_proofs_fail(log: MerkleLog) -> None:
    size, index = 37, 13
    root = log.root(size)
    proof = log.inclusion_proof(index, size)
    leaf = leaf_hash(LEAVES[index])
    flipped = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
    for bad_leaf, bad_index, bad_size, bad_proof in [
        (leaf_hash(b"forged"), index, size, proof),
        (leaf, index + 1, size, proof),
        (leaf, index, 16, proof),  # a size with another tree shape
        (leaf, index, size, flipped),
        (leaf, index, size, proof[:-1]),
        (leaf, index, size, [*proof, proof[0]]),
        (leaf, size, size, proof),
    ]:
        with pytest.raises(ProofError):
            verify_inclusion(bad_leaf, bad_index, bad_size, bad_proof, root)


def test_forged_consistency_proofs_fail(log: MerkleLog) -> None:
    old, new = 13, 50
    old_root, new_root = log.root(old), log.root(new)
    proof = log.consistency_proof(old, new)
    rewritten = MerkleLog()
    rewritten.extend([*LEAVES[:5], b"rewritten", *LEAVES[6:new]])
    for args in [
        (old, new, old_root, rewritten.root(), rewritten.consistency_proof(old, new)),
        (old, new, old_root, new_root, proof[:-1]),
        (old, new, old_root, new_root, [*proof, proof[0]]),
        (old, new, old_root, new_root, proof[::-1]),
        (old + 1, new, old_root, new_root, proof),
        (old, new, old_root, new_root, []),
        (new, old, new_root, old_root, proof),
        (old, old, old_root, new_root, []),
    ]:
        with pytest.raises(ProofError):
            verify_consistency(*args)


def test_out_of_range_requests(log: MerkleLog) -> None:
    with pytest.raises(MerkleError):
        log.inclusion_proof(70, 70)
    with pytest.raises(MerkleError):
        log.root(71)
    with pytest.raises(MerkleError):
        log.consistency_proof(0, 5)


@given(st.integers(1, 300), st.data())
def test_random_sizes_against_naive(size: int, data: st.DataObject) -> None:
    leaves = [i.to_bytes(4, "big") for i in range(size)]
    log = MerkleLog()
    log.extend(leaves)
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    assert log.inclusion_proof(index) == path(index, leaves)
    assert log.consistency_proof(old) == subproof(old, leaves, True)


def test_log_leaf_and_record_digest() -> None:
    values = footprint_values()
    signed = [*reversed(values), value(400, "GLID_SIGNATURE", "a.b.c")]
    assert record_digest(signed) == sha(canonical.encode(values))
    leaf = log_leaf("88.118.8/coil-1", 2, b"\xaa" * 32, 1767225600)
    expected = (
        b"\x84\xa2at\xce\x69\x55\xb9\x00"
        + b"\xa2id\xaf88.118.8/coil-1"
        + b"\xa3rec\xc4\x20"
        + b"\xaa" * 32
        + b"\xa3ver\x02"
    )
    assert leaf == expected
