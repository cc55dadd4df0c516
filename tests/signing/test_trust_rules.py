"""Three rules of chain verification, each checked from both sides: what a sign-only key
may certify, when an intermediate key's supersession voids what it signed, and that a log
proof is for the very checkpoint it names."""

from typing import Any

import pytest

from signing.certificates import issue_certificate
from signing.keys import SigningKey
from signing.revocation import revoke_key
from signing.verify import verify_bundle
from tests.signing.builders import T0, YEAR, World, key
from tests.signing.test_verify import AT, crl, failed, logged

CHILD = "88.118.8.1"


def certified(
    issuer_key: SigningKey, subject: str, subject_key: SigningKey, perms: list[str], at: int
) -> str:
    """A certificate issued at ``at`` in 88.118.8's name, valid a year either side of T0."""
    return issue_certificate(
        issuer_key,
        issuer="88.118.8",
        subject=subject,
        subject_key=subject_key.verify_key,
        perms=perms,
        issued_at=at,
        valid_from=T0 - YEAR,
        valid_until=T0 + YEAR,
    )


def child_bundle(world: World, issuer_key: SigningKey, **bundle: Any) -> dict[str, Any]:
    """A record under 88.118.8.1, signed by a key that ``issuer_key`` certified (as 88.118.8)
    for that prefix with delegate and sign."""
    child = key(6)
    certificate = certified(issuer_key, CHILD, child, ["delegate", "sign"], T0 - 50)
    chain = [world.secondary_cert(), world.enterprise_cert(), certificate]
    if issuer_key is world.signer:
        chain.insert(2, world.signer_cert())
    return world.bundle(signer=child, chain=chain, handle=f"{CHILD}/part-1", **bundle)


def test_a_sign_only_key_cannot_certify_a_child_prefix() -> None:
    world = World()
    by_enterprise = child_bundle(world, world.enterprise)  # the enterprise key may delegate
    assert verify_bundle(by_enterprise, world.anchor, at=AT).valid
    by_signer = child_bundle(world, world.signer)
    name, detail = failed(verify_bundle(by_signer, world.anchor, at=AT))
    assert name == "certificate[3]"
    assert detail.startswith(f"{CHILD}: issuer key {world.signer.kid} of 88.118.8")
    assert detail.endswith("has no 'delegate' permission")


def signed_below(world: World, signer_certified_at: int, record_signed_at: int) -> dict[str, Any]:
    """A bundle whose signing key the enterprise key certified at ``signer_certified_at``,
    with the enterprise key superseded at T0 + 5 by its parent's revocation list."""
    signer_cert = certified(
        world.enterprise, "88.118.8", world.signer, ["sign"], signer_certified_at
    )
    chain = [world.secondary_cert(), world.enterprise_cert(), signer_cert]
    bundle = world.bundle(chain=chain, signed_at=record_signed_at)
    bundle["revocations"] += [crl(world, revoke_key(world.enterprise.kid, "superseded", T0 + 5))]
    return bundle


def test_an_intermediate_key_superseded_after_it_certified_the_signer_still_counts() -> None:
    """The enterprise key's own signature is the signer's certificate, so its supersession
    is judged at that certificate's time, not at the record's."""
    world = World()
    assert verify_bundle(signed_below(world, T0, T0 + 6), world.anchor, at=AT).valid
    name, detail = failed(verify_bundle(signed_below(world, T0 + 6, T0 + 7), world.anchor, at=AT))
    assert name == "revocation"
    assert detail.startswith(f"certificate[1] for 88.118.8: key {world.enterprise.kid}")
    assert "superseded at 2026-01-01T00:00:05Z" in detail
    assert detail.endswith("its signature at 2026-01-01T00:00:06Z came after that")


@pytest.mark.parametrize("claimed", [9, 11, 16])
def test_a_proof_for_another_tree_size_than_the_checkpoint_fails(claimed: int) -> None:
    world = World()
    bundle = logged(world, world.secondary, origin="glid.88.118/log")  # entry 6 of 10
    bundle["log"]["tree_size"] = claimed
    assert failed(verify_bundle(bundle, world.anchor, at=AT)) == (
        "log",
        f"proof is for tree size {claimed}, checkpoint is 10",
    )
