"""The record's trusted time: the log's, within a clock skew of the verifier's and of the
signer's, and at most MAX_PRESIGN after the signature; each edge to the second.

The signer's certificates must hold when the log took the record; the chain up to the
log key must also hold at verification time, since the log key vouches for that time.
"""

import pytest

from signing.chain import CLOCK_SKEW
from signing.revocation import SUPERSEDED, make_revocation_list, revoke_key
from signing.timestamps import iso
from signing.verify import MAX_PRESIGN, Verdict, verify_bundle
from tests.signing.builders import T0, YEAR, World
from tests.signing.test_adversarial import with_log
from tests.signing.test_verify import AT, failed

ORIGIN = "glid.88.118.8/log"


def logged_at(world: World, at: int, verify_at: int = AT) -> Verdict:
    """The verdict on the standard record (signed at T0) logged by the mill at ``at``."""
    bundle = with_log(world.bundle(), world.enterprise, ORIGIN, at)
    return verify_bundle(bundle, world.anchor, at=verify_at)


def time_step(verdict: Verdict) -> str:
    return next(step.detail for step in verdict.steps if step.name == "time")


def test_without_a_log_proof_the_signers_time_is_a_claim() -> None:
    world = World()
    verdict = verify_bundle(world.bundle(), world.anchor, at=AT)
    assert time_step(verdict) == (
        f"no log proof: the signer's time {iso(T0)} is unproven, so the chain must be valid"
        f" both then and now ({iso(AT)})"
    )


def test_the_log_time_is_the_trusted_time() -> None:
    verdict = logged_at(World(), T0 + 60)
    assert verdict.valid and time_step(verdict) == (
        f"trusted time {iso(T0 + 60)}, when log {ORIGIN} took the record (signer's time {iso(T0)})"
    )


@pytest.mark.parametrize(("ahead", "valid"), [(CLOCK_SKEW, True), (CLOCK_SKEW + 1, False)])
def test_a_log_time_after_the_verification_time_is_refused(ahead: int, valid: bool) -> None:
    verdict = logged_at(World(), AT + ahead)
    assert verdict.valid is valid
    if not valid:
        assert failed(verdict) == (
            "time",
            f"log {ORIGIN} took the record at {iso(AT + ahead)}, after the verification time"
            f" {iso(AT)}: the node's clock is ahead or its log is forged",
        )


@pytest.mark.parametrize(("before", "valid"), [(CLOCK_SKEW, True), (CLOCK_SKEW + 1, False)])
def test_a_signature_after_the_log_took_the_record_is_refused(before: int, valid: bool) -> None:
    verdict = logged_at(World(), T0 - before)
    assert verdict.valid is valid
    if not valid:
        assert failed(verdict) == (
            "time",
            f"signed at {iso(T0)}, after log {ORIGIN} took it at {iso(T0 - before)}",
        )


@pytest.mark.parametrize(("late", "valid"), [(MAX_PRESIGN, True), (MAX_PRESIGN + 1, False)])
def test_a_signature_at_most_max_presign_before_the_log(late: int, valid: bool) -> None:
    verdict = logged_at(World(), T0 + late, verify_at=T0 + late)
    assert verdict.valid is valid
    if not valid:
        assert failed(verdict) == (
            "time",
            f"signed at {iso(T0)}, 30 days before log {ORIGIN} took it at {iso(T0 + late)};"
            " at most 30 days are allowed (a backdated signature)",
        )


def test_the_chain_to_the_log_key_must_hold_at_verification_time() -> None:
    world = World()
    until = T0 + 1000
    chain = [
        world.secondary_cert(),
        world.enterprise_cert(valid_until=until),
        world.signer_cert(valid_until=until),
    ]
    by_mill = with_log(world.bundle(chain=chain), world.enterprise, ORIGIN, T0 + 10)
    name, detail = failed(verify_bundle(by_mill, world.anchor, at=until + 1000))
    assert name == "certificate[1]"
    assert detail.startswith(f"88.118.8: expired at {iso(until + 1000)}, the verification time,")
    assert detail.endswith(
        f"at which the log key must be valid (valid {iso(T0 - YEAR)} to {iso(until)})"
    )
    # Logged by the steel node, whose key still holds, the same record verifies.
    by_steel = with_log(world.bundle(chain=chain), world.secondary, "glid.88.118/log", T0 + 10)
    assert verify_bundle(by_steel, world.anchor, at=until + 1000).valid


def test_a_key_superseded_after_the_log_took_the_record_still_counts() -> None:
    world = World()
    superseded = revoke_key(world.signer.kid, SUPERSEDED, at=T0 + 100)
    lists = [
        *world.lists()[:2],
        make_revocation_list(
            world.enterprise, "88.118.8", 2, [superseded], issued_at=T0 + 200, next_update=T0 + YEAR
        ),
    ]
    before = with_log(world.bundle(), world.enterprise, ORIGIN, T0 + 50)
    assert verify_bundle({**before, "revocations": lists}, world.anchor, at=AT).valid
    after = with_log(world.bundle(), world.enterprise, ORIGIN, T0 + 150)
    name, detail = failed(verify_bundle({**after, "revocations": lists}, world.anchor, at=AT))
    assert name == "revocation" and f"its signature at {iso(T0 + 150)} came after that" in detail
