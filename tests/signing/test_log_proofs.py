"""A bundle's log proof: what makes it malformed, the time it was logged at, and the same
verdicts through a shared cache."""

from typing import Any

import pytest

from signing.b64 import b64_encode
from signing.checkpoint import sign_checkpoint
from signing.merkle import MerkleLog, log_leaf, record_digest
from signing.verify import ChainCache, verify_bundle
from tests.signing.builders import HANDLE, T0, World, key
from tests.signing.test_verify import AT, failed, logged

NEEDS = "log proof needs checkpoint, leaf_index, tree_size and inclusion"


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (lambda log: "a string", "log proof must be an object"),
        (lambda log: {**log, "checkpoint": 7}, NEEDS),
        (lambda log: {**log, "leaf_index": "6"}, NEEDS),
        (lambda log: {**log, "tree_size": 10.0}, NEEDS),
        (lambda log: {**log, "at": str(T0)}, NEEDS),
        (lambda log: {**log, "inclusion": "none"}, NEEDS),
        (lambda log: {k: v for k, v in log.items() if k != "inclusion"}, NEEDS),
    ],
)
def test_a_malformed_log_proof_fails_and_says_what_it_needs(change: Any, detail: str) -> None:
    world = World()
    bundle = logged(world, world.secondary, origin="glid.88.118/log")
    bundle["log"] = change(bundle["log"])
    assert failed(verify_bundle(bundle, world.anchor, at=AT)) == ("log", detail)


def logged_at(world: World, at: int) -> dict[str, Any]:
    """A bundle whose record entered a 3-entry log at ``at``, later than it was signed."""
    bundle = world.bundle()
    log = MerkleLog()
    log.extend([b"earlier", log_leaf(HANDLE, 1, record_digest(bundle["values"]), at), b"later"])
    bundle["log"] = {
        "checkpoint": sign_checkpoint("glid.88.118/log", 3, log.root(), world.secondary),
        "leaf_index": 1,
        "tree_size": 3,
        "inclusion": [b64_encode(h) for h in log.inclusion_proof(1)],
        "at": at,
    }
    return bundle


def test_the_proof_is_for_the_time_the_record_was_logged() -> None:
    world = World()
    bundle = logged_at(world, T0 + 30)
    assert verify_bundle(bundle, world.anchor, at=AT).valid
    del bundle["log"]["at"]  # the leaf is then taken as logged when signed, and is not there
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "log" and "glid.88.118/log" in detail


def test_a_shared_cache_gives_the_same_log_verdicts() -> None:
    world = World()
    cache = ChainCache()
    good = logged(world, world.secondary, origin="glid.88.118/log")
    forged = logged(world, key(9))  # a checkpoint signed by a key outside the chain
    for _ in range(2):
        assert verify_bundle(good, world.anchor, at=AT, cache=cache).valid
        assert failed(verify_bundle(forged, world.anchor, at=AT, cache=cache))[0] == "log"
