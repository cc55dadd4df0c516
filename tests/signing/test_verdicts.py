"""What a verdict says, as a resolver's client reads it: its JSON, the step that failed
and why, the edges of a certificate's validity, and a cache's count of chains."""

import pytest

from signing.verify import ChainCache, verify_bundle
from tests.signing.builders import T0, World
from tests.signing.test_trust_rules import certified
from tests.signing.test_verify import AT, failed


def test_the_json_of_a_verdict() -> None:
    world = World()
    verdict = verify_bundle(world.bundle(), world.anchor, at=AT).to_json()
    assert sorted(verdict) == [
        "complete",
        "indexes",
        "missing",
        "newest",
        "steps",
        "valid",
        "version",
    ]
    assert (verdict["complete"], verdict["missing"]) == (True, [])
    assert (verdict["version"], verdict["newest"]) == (1, None)  # the bundle states none
    assert verdict["indexes"] == [1001, 2000, 2001, 2002]
    assert all(sorted(step) == ["detail", "name", "ok"] for step in verdict["steps"])
    assert [(step["name"], step["ok"]) for step in verdict["steps"]] == [
        (name, True)
        for name in ["parse", "digests", "signature", "key", "time", "chain"]
        + [f"certificate[{i}]" for i in range(3)]
        + ["revocation"]
    ]
    bundle = world.bundle()
    bundle["revocations"] = ["not a revocation list"]
    refused = verify_bundle(bundle, world.anchor, at=AT)
    last = refused.to_json()["steps"][-1]
    assert (refused.to_json()["valid"], last["name"], last["ok"]) == (False, "revocation", False)
    assert last["detail"].startswith("revocation list [0] is unreadable: ")


def test_a_key_certified_without_sign_cannot_sign_records() -> None:
    world = World()
    delegate_only = certified(world.enterprise, "88.118.8.1", world.signer, ["delegate"], T0)
    chain = [world.secondary_cert(), world.enterprise_cert(), delegate_only]
    bundle = world.bundle(chain=chain, handle="88.118.8.1/part-1")
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "key" and detail.endswith("has no 'sign' permission")


@pytest.mark.parametrize(("signed_at", "valid"), [(T0, True), (T0 + 9, True), (T0 + 10, False)])
def test_a_record_counts_from_the_first_second_of_its_certificate_to_before_the_last(
    signed_at: int, valid: bool
) -> None:
    world = World()
    chain = [
        world.secondary_cert(),
        world.enterprise_cert(),
        world.signer_cert(valid_from=T0, valid_until=T0 + 10),
    ]
    bundle = world.bundle(chain=chain, signed_at=signed_at)
    # Without a log proof the chain must hold both when signed and when checked: check at once.
    verdict = verify_bundle(bundle, world.anchor, at=signed_at)
    assert verdict.valid == valid
    if not valid:
        assert failed(verdict)[0] == "certificate[2]"


def test_a_cache_counts_each_chain_it_had_to_check() -> None:
    world = World()
    cache = ChainCache()
    full, short = world.chain(), [world.secondary_cert(), world.enterprise_cert()]
    for chain in (full, short, full, short):
        verify_bundle(
            world.bundle(chain=chain, signer=world.signer if len(chain) == 3 else world.enterprise),
            world.anchor,
            at=AT,
            cache=cache,
        )
    assert (cache.hits, cache.misses) == (2, 2)
