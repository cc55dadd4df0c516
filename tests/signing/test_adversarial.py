"""The hostile party's moves against the offline verifier, one per review finding.

Each test builds what a malicious node (or a thief of some key) would serve, and asserts
that the buyer's verdict refuses it at the step that names the problem.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from signing.b64 import b64_encode
from signing.certificates import issue_signing_certificate
from signing.chain import SOFT_FAIL
from signing.checkpoint import sign_checkpoint
from signing.errors import KeyFileError, ProofError
from signing.keyfile import load_signing_key, save_signing_key
from signing.keys import SigningKey
from signing.merkle import EMPTY_ROOT, MerkleLog, log_leaf, record_digest, verify_consistency
from signing.revocation import make_revocation_list, revoke_key
from signing.verify import MAX_PRESIGN, Verdict, verify_bundle
from tests.signing.builders import T0, YEAR, World, footprint_values, key, reading_values, value

AT = T0 + 3600
DAY = 86400


@pytest.fixture
def world() -> World:
    return World()


def failure(verdict: Verdict) -> tuple[str, str]:
    assert not verdict.valid and verdict.failed is not None
    return verdict.failed.name, verdict.failed.detail


def device_chain(world: World) -> list[str]:
    return [world.secondary_cert(), world.enterprise_cert(), world.device_cert()]


def with_log(
    bundle: dict[str, Any], log_key: SigningKey, origin: str, logged_at: int
) -> dict[str, Any]:
    """Put ``bundle`` into a fresh log as its third entry, checkpointed by ``log_key``."""
    log = MerkleLog()
    log.extend([b"a", b"b"])
    index = log.append(
        log_leaf(bundle["handle"], bundle["version"], record_digest(bundle["values"]), logged_at)
    )
    bundle["log"] = {
        "checkpoint": sign_checkpoint(origin, log.size(), log.root(), log_key),
        "leaf_index": index,
        "tree_size": log.size(),
        "inclusion": [b64_encode(h) for h in log.inclusion_proof(index)],
        "at": logged_at,
    }
    return bundle


# --- 1. The bundle chooses which values were signed --------------------------------------


def test_dropping_a_signed_value_and_listing_indexes_without_it_is_partial(world: World) -> None:
    bundle = world.bundle()
    bundle["values"] = [v for v in bundle["values"] if v["index"] != 2001]  # the footprint
    bundle["indexes"] = [1001, 2000, 2002]
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    assert not verdict.complete and verdict.missing == (2001,)
    assert verdict.steps[1].name == "digests" and "index 2001 are not in" in verdict.steps[1].detail


def test_an_empty_answer_with_empty_indexes_is_not_a_record(world: World) -> None:
    bundle = with_log(world.bundle(), world.enterprise, "glid.88.118.8/log", T0)
    bundle["values"], bundle["indexes"] = [], []
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    assert not verdict.complete and verdict.missing == (1001, 2000, 2001, 2002)
    steps = {step.name: step.detail for step in verdict.steps}
    assert "not checked: a partial answer" in steps["log"]


# --- 3. A decoy value defeats the device-key limit -----------------------------------------


def test_an_unsigned_decoy_at_1001_cannot_name_the_device_template(world: World) -> None:
    signed = [v for v in footprint_values() if v["index"] != 1001]
    bundle = world.bundle(signed, signer=world.device, chain=device_chain(world))
    decoy = value(1001, "HS_SIGNATURE", "88/tpl.device-reading@1.0.0")
    bundle["values"] = [decoy, *signed]
    assert failure(verify_bundle(bundle, world.anchor, at=AT)) == (
        "digests",
        "88.118.8/coil-1: value at index 1001 is not covered by the record signature (added"
        " after signing)",
    )
    # Without the decoy the device key's restriction refuses the record outright.
    plain = world.bundle(signed, signer=world.device, chain=device_chain(world))
    name, detail = failure(verify_bundle(plain, world.anchor, at=AT))
    assert name == "key" and "this record follows no template" in detail


def test_a_value_typed_hs_signature_is_not_left_unsigned(world: World) -> None:
    bundle = world.bundle()
    bundle["values"].append(value(450, "HS_SIGNATURE", "whatever I like"))
    name, detail = failure(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "digests" and "index 450 is not covered" in detail
    second = world.bundle()
    second["values"].append(value(400, "GLID_SIGNATURE", "another.signature.value"))
    name, detail = failure(verify_bundle(second, world.anchor, at=AT))
    assert name == "digests" and "not the signature this answer is verified with" in detail


# --- 8. One owner per name ---------------------------------------------------------------


def test_a_parent_key_cannot_sign_under_a_prefix_it_delegated(world: World) -> None:
    working = key(11)
    chain = [
        world.secondary_cert(),
        issue_signing_certificate(
            world.secondary, "88.118", working.verify_key, valid_from=T0 - YEAR, valid_until=T0
        ),
    ]
    bundle = world.bundle(signer=working, chain=chain)  # 88.118.8/coil-1
    name, detail = failure(verify_bundle(bundle, world.anchor, at=T0 - 10))
    assert name == "key" and "one owner per name" in detail
    # The delegating node's authority key is refused just the same.
    bundle = world.bundle(signer=world.secondary, chain=[world.secondary_cert()])
    assert failure(verify_bundle(bundle, world.anchor, at=AT))[0] == "key"


# --- 4. Time from the log, not the signer -----------------------------------------------


def test_an_expired_chain_cannot_sign_a_backdated_record(world: World) -> None:
    later = T0 + 2 * YEAR  # every certificate expired a year ago
    bundle = world.bundle(signed_at=T0)  # dated back into the chain's validity
    name, detail = failure(verify_bundle(bundle, world.anchor, at=later))
    assert name == "certificate[0]"
    assert "expired at 2028-01-01T00:00:00Z, the verification time (no log proof" in detail
    # A log the same expired keys sign lends it no time either.
    logged = with_log(world.bundle(signed_at=T0), world.enterprise, "glid.88.118.8/log", T0)
    name, detail = failure(verify_bundle(logged, world.anchor, at=later))
    assert name == "certificate[0]" and "at which the log key must be valid" in detail


def test_a_child_certificate_issued_after_its_parent_expired(world: World) -> None:
    late = world.enterprise_cert(valid_from=T0 + 10 * YEAR, valid_until=T0 + 11 * YEAR)
    chain = [world.secondary_cert(), late, world.signer_cert()]
    name, detail = failure(verify_bundle(world.bundle(chain=chain), world.anchor, at=AT))
    assert name == "certificate[1]" and "cannot outlive" in detail


def test_a_node_clock_years_ahead_cannot_launder_a_backdated_reading(world: World) -> None:
    reading = world.bundle(reading_values(), signer=world.device, chain=device_chain(world))
    ahead = with_log(reading, world.enterprise, "glid.88.118.8/log", AT + 2 * YEAR)
    name, detail = failure(verify_bundle(ahead, world.anchor, at=AT))
    assert name == "time" and "after the verification time" in detail


def test_a_signature_dated_long_before_the_log_took_it(world: World) -> None:
    reading = world.bundle(reading_values(), signer=world.device, chain=device_chain(world))
    late = with_log(reading, world.enterprise, "glid.88.118.8/log", T0 + MAX_PRESIGN + DAY)
    name, detail = failure(verify_bundle(late, world.anchor, at=T0 + MAX_PRESIGN + 2 * DAY))
    assert name == "time" and "31 days before log glid.88.118.8/log" in detail
    assert "a backdated signature" in detail
    # Within the window the log's time is the trusted time.
    fine = with_log(reading, world.enterprise, "glid.88.118.8/log", T0 + DAY)
    steps = {s.name: s.detail for s in verify_bundle(fine, world.anchor, at=AT + DAY).steps}
    assert "trusted time 2026-01-02T00:00:00Z" in steps["time"]


# --- 5. Revocation is required and fresh -------------------------------------------------


def test_a_revoked_device_key_stays_revoked(world: World) -> None:
    reading = world.bundle(reading_values(), signer=world.device, chain=device_chain(world))
    revoked = make_revocation_list(
        world.enterprise,
        "88.118.8",
        2,
        [revoke_key(world.device.kid, "compromised", T0 + 5)],
        issued_at=T0 + 10,
    )
    reading["revocations"] = [*world.lists(), revoked]
    name, detail = failure(verify_bundle(reading, world.anchor, at=AT))
    assert name == "revocation" and f"key {world.device.kid} revoked as compromised" in detail
    # Leaving out the list that revokes it leaves the enterprise without any list: refused.
    reading["revocations"] = world.lists()[:2]
    name, detail = failure(verify_bundle(reading, world.anchor, at=AT))
    assert name == "revocation" and "hard-fail: no revocation list from 88.118.8" in detail


def test_a_stale_revocation_list_is_not_current(world: World) -> None:
    bundle = world.bundle()
    bundle["revocations"] = world.lists(issued_at=T0 - 30 * DAY, next_update=T0 - 23 * DAY)
    name, detail = failure(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "revocation"
    assert "the newest list from 88, 88#1 (issued 2025-12-02T00:00:00Z" in detail
    assert "is not current" in detail
    # A buyer who chooses soft-fail gets a valid verdict that says what was not proven.
    verdict = verify_bundle(bundle, world.anchor, at=AT, policy=SOFT_FAIL)
    assert verdict.valid and verdict.steps[-1].detail.startswith("soft-fail, accepted without")


def test_an_older_list_beside_a_newer_one_does_not_hide_it(world: World) -> None:
    bundle = world.bundle()
    revoked = make_revocation_list(
        world.enterprise,
        "88.118.8",
        2,
        [revoke_key(world.signer.kid, "compromised", T0)],
        issued_at=T0 + 60,
    )
    bundle["revocations"] = [*world.lists(), revoked]  # the seq 1 empty list is older
    assert failure(verify_bundle(bundle, world.anchor, at=AT))[0] == "revocation"


# --- 6. Checkpoints only from the log key of the record's node ---------------------------


@pytest.mark.parametrize(
    ("who", "origin", "why"),
    [
        ("device", "anything-i-like", "different log"),
        ("device", "glid.88.118.8/log", "different log"),
        ("signer", "glid.88.118.8/log", "different log"),  # a working key, not the log key
        ("enterprise", "glid.88.118/log", "different log"),  # the right key, another origin
        ("stranger", "glid.88.118.8/log", "different log"),
    ],
)
def test_a_foreign_checkpoint_is_refused(world: World, who: str, origin: str, why: str) -> None:
    keys = {
        "device": world.device,
        "signer": world.signer,
        "enterprise": world.enterprise,
        "stranger": key(12),
    }
    bundle = with_log(world.bundle(), keys[who], origin, T0)
    name, detail = failure(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "log" and why in detail


# --- 11. A consistency proof from size 0 -------------------------------------------------


def test_consistency_from_the_empty_log_needs_the_empty_root() -> None:
    log = MerkleLog()
    log.extend([b"x", b"y"])
    verify_consistency(0, 2, EMPTY_ROOT, log.root(), [])
    with pytest.raises(ProofError, match="root of an empty log"):
        verify_consistency(0, 2, b"\x07" * 32, log.root(), [])


# --- 10. Key files cannot ask for a weak KDF ---------------------------------------------


@pytest.mark.parametrize(("field", "weak"), [("opslimit", 1), ("memlimit", 8 * 1024)])
def test_a_key_file_below_the_kdf_floor_is_refused(tmp_path: Path, field: str, weak: int) -> None:
    path = tmp_path / "k.key"
    save_signing_key(path, key(13), b"pw")
    document = json.loads(path.read_text())
    document["kdf"][field] = weak
    path.write_text(json.dumps(document))
    with pytest.raises(KeyFileError, match=f"kdf {field} {weak} is outside"):
        load_signing_key(path, b"pw")
