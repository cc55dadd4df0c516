import base64
import hashlib
from pathlib import Path

import pytest

from registry import keyring, revocations
from registry.evidence import (
    CheckpointUnavailable,
    bundle_for,
    checkpoint_size,
    refresh_checkpoint,
)
from registry.store import Store
from signing.chain import Step
from signing.checkpoint import log_origin, parse_checkpoint, sign_checkpoint
from signing.keys import SigningKey
from signing.latest import parse_latest
from signing.merkle import leaf_hash, log_leaf
from signing.revocation import parse_revocation_list
from signing.timestamps import iso, now
from signing.verify import verify_bundle
from tests.conftest import PASSPHRASE
from tests.registry.records_data import product_values
from tests.registry.trust_nodes import Pair, register, registered_pair


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    return registered_pair(tmp_path)


def test_a_bundle_holds_everything_a_buyer_checks(pair: Pair) -> None:
    with Store.open(pair.enterprise) as store:
        stored = store.versions.get("88.7/p1")
        revocations.refresh(store, PASSPHRASE)  # the writer keeps the list current
        bundle = bundle_for(store, stored)
        authority = keyring.active_key(store, "88.7")
    assert set(bundle) == {
        "handle",
        "version",
        "values",
        "signature",
        "chain",
        "revocations",
        "log",
        "latest",
    }
    assert (bundle["handle"], bundle["version"]) == ("88.7/p1", 1)
    assert bundle["chain"] == keyring.chain_of(authority) and len(bundle["chain"]) == 1
    # A current list from this node and, as handed over with its chain, from the top.
    issuers = [parse_revocation_list(token) for token in bundle["revocations"]]
    assert [crl.iss for crl in issuers] == ["88.7", "88"]
    assert all(crl.entries == () and crl.is_current(now(), 0) for crl in issuers)
    log = bundle["log"]
    # leaf 0 is the admin identity's handle, 88.7/admin, written by `glid init`; the proof
    # is into the checkpoint signed with p1's write, which its statement is bound to.
    assert (log["leaf_index"], log["tree_size"]) == (2, 3)
    checkpoint = parse_checkpoint(log["checkpoint"])
    assert (checkpoint.origin, checkpoint.size) == ("glid.88.7/log", 3)
    # log.at is the time the leaf commits to; recompute the leaf from the stored record.
    leaf = log_leaf("88.7/p1", 1, hashlib.sha256(stored.record).digest(), log["at"])
    assert base64.b64encode(leaf_hash(leaf)).decode() not in log["inclusion"]
    statement = parse_latest(bundle["latest"])
    assert (statement.id, statement.ver, statement.size) == ("88.7/p1", 1, 3)
    assert statement.root == checkpoint.root
    assert verify_bundle(bundle, pair.anchor, require_latest=True).valid


def test_every_write_stores_a_checkpoint_of_the_grown_log(pair: Pair) -> None:
    with Store.open(pair.enterprise) as store:
        stored = store.versions.get("88.7/p0")
        first = bundle_for(store, stored)["log"]["checkpoint"]
        assert checkpoint_size(store.meta.get("checkpoint") or "") == 4
    assert checkpoint_size(first) == 2  # signed with p0's write
    assert register(pair.enterprise, "88.7/p9", product_values()) == ""
    with Store.open(pair.enterprise) as store:
        grown = bundle_for(store, store.versions.get("88.7/p9"))
        assert checkpoint_size(grown["log"]["checkpoint"]) == grown["log"]["tree_size"] == 5
        assert store.meta.get("checkpoint") == grown["log"]["checkpoint"]
        # An identifier the write left alone keeps the checkpoint its statement is bound to.
        assert bundle_for(store, stored)["log"]["checkpoint"] == first
    assert verify_bundle(grown, pair.anchor, require_latest=True).valid


def test_a_log_without_a_current_checkpoint_gets_one_only_from_a_write(pair: Pair) -> None:
    # A store written before checkpoints were signed on write: its checkpoint is behind.
    with Store.open(pair.enterprise) as store:
        stale = sign_checkpoint(log_origin("88.7"), 0, leaf_hash(b""), SigningKey.generate())
        with store.write() as tx:
            tx.meta.set("checkpoint", stale)
            tx.meta.session.run("DELETE FROM meta WHERE key LIKE 'latest:%'")
        stored = store.versions.get("88.7/p0")
        with pytest.raises(CheckpointUnavailable, match="has 4 entries and its stored"):
            bundle_for(store, stored)
        assert store.meta.get("checkpoint") == stale  # the read wrote nothing
        note = refresh_checkpoint(store, PASSPHRASE)
        assert checkpoint_size(note) == 4 and store.meta.get("checkpoint") == note
        revocations.refresh(store, PASSPHRASE)  # the writer keeps the list current
        assert verify_bundle(bundle_for(store, stored), pair.anchor).valid


def test_versions_signed_before_and_after_a_rotation_keep_their_own_chains(pair: Pair) -> None:
    with Store.open(pair.enterprise) as store:
        before = keyring.signing_key(store, "88.7")
        rotated = keyring.rotate(store, PASSPHRASE)
        assert store.keys.find(before.kid).retired_at is not None
        assert keyring.active_key(store, "88.7").kid == before.kid  # still the authority
    assert register(pair.enterprise, "88.7/p0", product_values("second")) == ""
    with Store.open(pair.enterprise) as store:
        revocations.refresh(store, PASSPHRASE)  # the writer keeps the list current
        old = bundle_for(store, store.versions.get("88.7/p0", version=1))
        new = bundle_for(store, store.versions.get("88.7/p0", version=2))
    assert new["chain"] == [*old["chain"], keyring.chain_of(rotated)[-1]]
    for bundle, kid in ((old, before.kid), (new, rotated.kid)):
        verdict = verify_bundle(bundle, pair.anchor, asked_version=bundle["version"])
        assert verdict.valid, verdict.failed
        assert f"signed by key {kid}" in verdict.steps[0].detail
    until = iso(parse_latest(new["latest"]).nxt)
    assert verify_bundle(old, pair.anchor).failed == Step(
        "latest",
        False,
        "the answer is version 1 of 88.7/p0, but version 2 is the newest in log"
        f" glid.88.7/log at size 5 (statement current until {until}):"
        " the node served a stale or rolled-back answer",
    )


def test_an_altered_bundle_fails_at_the_step_that_catches_it(pair: Pair) -> None:
    with Store.open(pair.enterprise) as store:
        revocations.refresh(store, PASSPHRASE)  # the writer keeps the list current
        bundle = bundle_for(store, store.versions.get("88.7/p2"))
    bundle["values"][2]["data"]["value"] = "rewritten"
    failed = verify_bundle(bundle, pair.anchor).failed
    assert failed is not None and failed.name == "digests" and "index 2000" in failed.detail
