"""The fast write path stores exactly the bytes the reference definitions give.

Each shortcut the registrar takes (values encoded from cached parts, log leaves packed as
built, the Merkle tree folded across batches) is checked here against the slow, general
definition it stands for: canonical.encode, signing.merkle.record_digest and a Merkle log
built one leaf at a time in memory.
"""

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from glid_core import canonical
from glid_core.errors import EncodingError
from glid_core.identifiers import Prefix
from registry.keyring import NodeSigner
from registry.log import NodeLog
from registry.registration import Submission
from registry.service import registrar
from registry.store import Store
from signing.b64 import b64url_encode
from signing.jws import json_bytes, verify_compact
from signing.merkle import MerkleLog, log_leaf, record_digest
from signing.record_signature import RECORD_TYP, check_digests, parse_record_signature
from tests.conftest import PASSPHRASE
from tests.registry.records_data import product_values
from tests.store_file import raw_connection

scalars = (
    st.text(max_size=6)
    | st.binary(max_size=6)
    | st.booleans()
    | st.none()
    | st.integers(-(2**64), 2**65)
    | st.floats(allow_nan=False)
    | st.lists(st.integers(0, 3), max_size=2)
)


@given(st.dictionaries(st.text(max_size=4), scalars, max_size=5), st.booleans())
def test_scalar_maps_encode_as_the_general_walk(value: dict[str, Any], in_order: bool) -> None:
    if in_order:
        value = dict(sorted(value.items()))
    try:
        expected = canonical.encode(value)
    except EncodingError as exc:
        refused = str(exc)
        try:
            canonical.encode_scalar_map(value)
        except EncodingError as again:
            assert str(again) == refused
            return
        raise AssertionError("encode_scalar_map accepted what encode refuses") from None
    assert canonical.encode_scalar_map(value) == expected


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=8))
def test_log_extended_in_batches_equals_one_leaf_at_a_time(batches: list[int]) -> None:
    reference = MerkleLog()
    with tempfile.TemporaryDirectory() as root:
        store = Store.create(Path(root), role="top", prefix="88")
        tree = NodeLog(store).tree
        for number, size in enumerate(batches):
            leaves = [f"{number}-{i}".encode() for i in range(size)]
            with store.write():
                tree.extend(leaves)
            for leaf in leaves:
                reference.append(leaf)
            assert tree.size() == reference.size()
            for size_then in range(1, reference.size() + 1):
                assert tree.root(size_then) == reference.root(size_then)
        store.close()


def test_registered_rows_match_the_reference_definitions(
    make_node: Callable[..., Path],
) -> None:
    store = Store.open(make_node("88.101.7"))
    service = registrar(store, PASSPHRASE)
    handles = [f"88.101.7/coil-{i}" for i in range(4)] + ["88.101.7/coil-0"]
    submissions = [
        Submission(line, handle, product_values(f"coil {line}"))
        for line, handle in enumerate(handles, start=1)
    ]
    assert [o.version for o in service.register(submissions, "tester")] == [1, 1, 1, 1, 2]
    key = NodeSigner(store, PASSPHRASE).key_for(Prefix.from_text("88.101.7"))
    header = b64url_encode(json_bytes({"alg": "EdDSA", "kid": key.kid, "typ": RECORD_TYP}))
    for handle, version in [(h, 1) for h in handles[:4]] + [(handles[4], 2)]:
        found = store.versions.get(handle, version=version)
        values = found.values()
        assert found.record == canonical.encode(values)
        token = found.signature or ""
        assert token.startswith(header + ".")
        verify_compact(token, key.verify_key, RECORD_TYP)
        _, claims = parse_record_signature(token)
        assert (claims.id, claims.ver) == (handle, version)
        assert check_digests(claims, values) == tuple(v["index"] for v in values)
        (leaf,) = (
            raw_connection(store)
            .execute(
                "SELECT leaf FROM log_leaves WHERE handle = ? AND version = ?", (handle, version)
            )
            .fetchone()
        )
        assert bytes(leaf) == log_leaf(handle, version, record_digest(values), claims.iat)
    store.close()
