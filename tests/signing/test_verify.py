import copy
from typing import Any

import pytest

from signing.b64 import b64_encode, b64url_encode
from signing.certificates import issue_certificate, make_trust_anchor
from signing.checkpoint import sign_checkpoint
from signing.jws import sign_compact
from signing.keys import SigningKey
from signing.merkle import MerkleLog, log_leaf, record_digest
from signing.revocation import make_revocation_list, revoke_key, revoke_prefix
from signing.verify import ChainCache, Verdict, verify_bundle
from tests.signing.builders import HANDLE, T0, YEAR, World, key, reading_values, value

AT = T0 + 3600


def failed(verdict: Verdict) -> tuple[str, str]:
    assert not verdict.valid
    assert verdict.failed is not None
    return verdict.failed.name, verdict.failed.detail


@pytest.fixture
def world() -> World:
    return World()


def test_valid_bundle_walks_every_step(world: World) -> None:
    verdict = verify_bundle(world.bundle(), world.anchor, at=AT)
    assert verdict.valid and verdict.failed is None
    assert [s.name for s in verdict.steps] == [
        "parse",
        "digests",
        "signature",
        "key",
        "time",
        "chain",
        "certificate[0]",
        "certificate[1]",
        "certificate[2]",
        "revocation",
    ]
    assert verdict.indexes == (1001, 2000, 2001, 2002)
    as_json = verdict.to_json()
    assert as_json["valid"] is True and as_json["complete"] is True
    assert len(as_json["steps"]) == 10 and as_json["missing"] == []
    # The anchor may also be given as the trust-anchor file's JSON.
    assert verify_bundle(world.bundle(), make_trust_anchor("88", world.top.verify_key), at=AT).valid


def test_tampered_value(world: World) -> None:
    bundle = world.bundle()
    bundle["values"][2]["data"]["value"]["value"] = "1.25"
    assert failed(verify_bundle(bundle, world.anchor, at=AT)) == (
        "digests",
        "88.118.8/coil-1: value at index 2001 does not match its signed digest (altered, or"
        " moved from another index)",
    )


def test_removed_value_makes_a_partial_answer(world: World) -> None:
    bundle = world.bundle()
    del bundle["values"][1]
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    assert verdict.valid and not verdict.complete and verdict.missing == (2000,)
    assert "signed value(s) at index 2000 are not in this answer" in verdict.steps[1].detail


def test_the_bundles_own_index_list_is_not_trusted(world: World) -> None:
    bundle = world.bundle()
    bundle["values"] = [bundle["values"][0], bundle["values"][2]]
    bundle["indexes"] = [1001, 2001]  # claims this is all that was asked for: ignored
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    assert verdict.indexes == (1001, 2001) and verdict.missing == (2000, 2002)
    assert not verdict.complete and verdict.to_json()["complete"] is False


def test_values_swapped_between_indexes(world: World) -> None:
    bundle = world.bundle()
    values = bundle["values"]
    values[1]["data"], values[3]["data"] = values[3]["data"], values[1]["data"]
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "digests" and "index 2000 does not match" in detail


def test_wrong_key(world: World) -> None:
    bundle = world.bundle(signer=key(9))
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "signature"
    assert f"signed by key {key(9).kid}, expected key {world.signer.kid}" in detail


def test_wrong_trust_anchor(world: World) -> None:
    anchor = make_trust_anchor("88", key(9).verify_key)
    name, detail = failed(verify_bundle(world.bundle(), anchor, at=AT))
    assert name == "certificate[0]" and "not signed by trust anchor 88" in detail


def test_certificate_for_another_prefix(world: World) -> None:
    bundle = world.bundle(handle="88.119.1/coil-1")
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "key"
    assert "certified for 88.118.8 (subtree 88.118.8); the record lies under 88.119.1" in detail
    # A link whose issuer is not the subject above it: 88.119 certifying 88.119.8 under 88.118.
    rogue = issue_certificate(
        world.secondary,
        issuer="88.119",
        subject="88.119.8",
        subject_key=world.enterprise.verify_key,
        perms=["delegate", "sign"],
    )
    bundle = world.bundle(chain=[world.secondary_cert(), rogue, world.signer_cert()])
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "certificate[1]"
    assert "issued in the name of 88.119, but the link above is 88.118" in detail


def test_expired_certificate(world: World) -> None:
    chain = [world.secondary_cert(), world.enterprise_cert(), world.signer_cert(valid_until=T0 - 1)]
    name, detail = failed(verify_bundle(world.bundle(chain=chain), world.anchor, at=AT))
    assert name == "certificate[2]"
    assert "expired at 2026-01-01T00:00:00Z, the signer's own claimed signing time" in detail


def test_child_certificate_cannot_outlive_its_parent(world: World) -> None:
    chain = [world.secondary_cert(), world.enterprise_cert(valid_until=T0 - 1), world.signer_cert()]
    name, detail = failed(verify_bundle(world.bundle(chain=chain), world.anchor, at=AT))
    assert name == "certificate[2]" and "cannot outlive" in detail


def test_not_yet_valid_certificate(world: World) -> None:
    chain = [world.secondary_cert(), world.enterprise_cert(), world.signer_cert(valid_from=T0 + 1)]
    name, detail = failed(verify_bundle(world.bundle(chain=chain), world.anchor, at=AT))
    assert name == "certificate[2]" and "not yet valid" in detail


def test_chain_longer_than_allowed(world: World) -> None:
    chain = [world.secondary_cert()] * 9
    name, detail = failed(verify_bundle(world.bundle(chain=chain), world.anchor, at=AT))
    assert (name, detail) == ("chain", "9 certificates; at most 8 are allowed")


def test_device_key_template_restriction(world: World) -> None:
    chain = [world.secondary_cert(), world.enterprise_cert(), world.device_cert()]
    reading = world.bundle(reading_values(), signer=world.device, chain=chain)
    assert verify_bundle(reading, world.anchor, at=AT).valid
    footprint = world.bundle(signer=world.device, chain=chain)
    name, detail = failed(verify_bundle(footprint, world.anchor, at=AT))
    assert name == "key" and "this record follows 88/tpl.product-footprint" in detail


def crl(
    world: World, *entries: Any, issuer: SigningKey | None = None, prefix: str = "88.118"
) -> str:
    return make_revocation_list(issuer or world.secondary, prefix, 1, entries, issued_at=T0 + 10)


def test_revoked_key_compromised(world: World) -> None:
    bundle = world.bundle()
    bundle["revocations"] += [crl(world, revoke_key(world.enterprise.kid, "compromised", T0 + 5))]
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "revocation"
    assert (
        f"certificate[1] for 88.118.8: key {world.enterprise.kid} revoked as compromised" in detail
    )
    assert "every signature by it is void" in detail


def test_revoked_key_superseded_voids_only_later_signatures(world: World) -> None:
    entry = revoke_key(world.signer.kid, "superseded", T0 + 5)
    revocations = [crl(world, entry, issuer=world.enterprise, prefix="88.118.8")]
    before = world.bundle()
    before["revocations"] += revocations
    assert verify_bundle(before, world.anchor, at=AT).valid
    after = world.bundle(signed_at=T0 + 6)
    after["revocations"] += revocations
    name, detail = failed(verify_bundle(after, world.anchor, at=AT))
    assert name == "revocation" and "came after that" in detail


def test_revoked_prefix(world: World) -> None:
    bundle = world.bundle()
    bundle["revocations"] += [crl(world, revoke_prefix("88.118.8", "compromised", T0))]
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "revocation" and "prefix 88.118.8 revoked as compromised" in detail


def test_revocation_lists_out_of_reach_are_ignored_and_forged_ones_fail(world: World) -> None:
    bundle = world.bundle()
    stranger = make_revocation_list(
        key(9), "88.119", 1, [revoke_prefix("88.119", "compromised", T0)], issued_at=T0
    )
    bundle["revocations"] += [stranger]
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    assert (
        verdict.valid and "ignored (issuer not in this chain): 88.119#1" in verdict.steps[-1].detail
    )
    # A list in the name of 88.118 by its real kid but a bad signature.
    genuine = crl(world, revoke_key(world.enterprise.kid, "compromised", T0))
    head, _, signature = genuine.split(".")
    other_payload = crl(world, revoke_key(world.signer.kid, "compromised", T0)).split(".")[1]
    bundle["revocations"] += [f"{head}.{other_payload}.{signature}"]
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "revocation" and "forged" in detail


@pytest.mark.parametrize(
    ("mangle", "where"),
    [
        (lambda t: t[: len(t) // 2], "parse"),
        (lambda t: t.replace(".", ".!", 1), "parse"),
        (lambda t: t.split(".", 1)[0] + ".", "parse"),
    ],
)
def test_truncated_or_non_base64_signature(world: World, mangle: Any, where: str) -> None:
    bundle = world.bundle()
    bundle["signature"] = mangle(bundle["signature"])
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == where and "record signature" in detail


def test_truncated_certificate(world: World) -> None:
    chain = world.chain()
    chain[1] = chain[1][:-5]
    name, detail = failed(verify_bundle(world.bundle(chain=chain), world.anchor, at=AT))
    assert name == "certificate[1]" and "unreadable" in detail


def test_wrong_alg(world: World) -> None:
    bundle = world.bundle()
    header = b64url_encode(b'{"alg":"HS256","kid":"k","typ":"glid-record+jwt"}')
    bundle["signature"] = header + "." + bundle["signature"].split(".", 1)[1]
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "parse" and "alg is 'HS256'; glid accepts only 'EdDSA'" in detail


@pytest.mark.parametrize(
    "bundle",
    [None, [], {"handle": 1}, {"handle": "88.118.8/x", "version": 1, "values": [1]}],
)
def test_garbage_gives_a_verdict_not_an_exception(world: World, bundle: Any) -> None:
    assert failed(verify_bundle(bundle, world.anchor, at=AT))[0] == "parse"


def test_handle_mismatch_and_future_signature(world: World) -> None:
    bundle = world.bundle()
    bundle["version"] = 2
    assert "version 1" in failed(verify_bundle(bundle, world.anchor, at=AT))[1]
    future = world.bundle(signed_at=AT + 3600)
    assert failed(verify_bundle(future, world.anchor, at=AT))[0] == "parse"


def logged(world: World, log_key: SigningKey, origin: str = "glid.88.118.8/log") -> dict[str, Any]:
    bundle = world.bundle()
    log = MerkleLog()
    log.extend([b"earlier %d" % i for i in range(6)])
    index = log.append(log_leaf(HANDLE, 1, record_digest(bundle["values"]), T0))
    log.extend([b"later"] * 3)
    bundle["log"] = {
        "checkpoint": sign_checkpoint(origin, log.size(), log.root(), log_key),
        "leaf_index": index,
        "tree_size": log.size(),
        "inclusion": [b64_encode(h) for h in log.inclusion_proof(index)],
    }
    return bundle


def test_log_inclusion(world: World) -> None:
    verdict = verify_bundle(logged(world, world.enterprise), world.anchor, at=AT)
    steps = {step.name: step.detail for step in verdict.steps}
    assert verdict.valid and "entry 6 of 10 in log glid.88.118.8/log" in steps["log"]
    assert "trusted time 2026-01-01T00:00:00Z, when log glid.88.118.8/log" in steps["time"]
    # The node hosting a prefix (an ancestor in the chain) keeps that prefix's log.
    hosted = logged(world, world.secondary, origin="glid.88.118/log")
    assert verify_bundle(hosted, world.anchor, at=AT).valid


def test_checkpoint_from_a_different_log(world: World) -> None:
    bundle = logged(world, key(9))
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "log" and "different log" in detail


def test_forged_inclusion_proof(world: World) -> None:
    bundle = logged(world, world.enterprise)
    bundle["log"]["inclusion"][0] = b64_encode(bytes(32))
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "log" and "does not lead to the root" in detail
    other = logged(world, world.enterprise)
    other["log"]["leaf_index"] = 5
    assert failed(verify_bundle(other, world.anchor, at=AT))[0] == "log"


def test_cache_reuses_chain_verdicts_and_gives_the_same_answers(world: World) -> None:
    cache = ChainCache()
    chain = world.chain()
    bundles = [world.bundle(chain=chain, version=v) for v in range(1, 6)]
    tampered = copy.deepcopy(bundles[0])
    tampered["values"][1]["data"]["value"] = "other"
    expired = world.bundle(chain=chain, signed_at=T0 + 2 * YEAR)
    for bundle in [*bundles, tampered, expired]:
        cached = verify_bundle(bundle, world.anchor, at=T0 + 3 * YEAR, cache=cache)
        fresh = verify_bundle(bundle, world.anchor, at=T0 + 3 * YEAR)
        assert cached == fresh
    assert (cache.hits, cache.misses) == (5, 1)  # tampered stops at digests, before the chain
    assert failed(verify_bundle(expired, world.anchor, at=T0 + 3 * YEAR, cache=cache))[0] == (
        "certificate[0]"
    )


def test_record_signed_by_the_anchor_itself(world: World) -> None:
    bundle = world.bundle(handle="88/tpl.note", signer=world.top, chain=[])
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    assert verdict.valid and "trust anchor 88" in verdict.steps[2].detail


def test_payload_claims_are_bound_to_header(world: World) -> None:
    bundle = world.bundle()
    forged = sign_compact(
        {"id": HANDLE, "ver": 1, "iat": T0, "kid": "someone", "dig": {}},
        world.signer,
        "glid-record+jwt",
    )
    bundle["signature"] = forged
    assert failed(verify_bundle(bundle, world.anchor, at=AT))[0] == "parse"
    bundle = world.bundle([*world.bundle()["values"], value(1, "URL", "https://x")])
    bundle["values"].append(value(2, "EMAIL", "a@b"))
    assert "not covered" in failed(verify_bundle(bundle, world.anchor, at=AT))[1]
