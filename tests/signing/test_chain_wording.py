"""What the chain and revocation steps of a verdict say, word for word, as an operator
reads them in ``glid verify`` and a resolver's answer, and as JSON with ``ok`` false
(never merely falsy) on each refusal."""

from collections.abc import Callable
from typing import Any

import pytest

from glid_core.errors import GlidError
from signing.certificates import parse_certificate
from signing.chain import SOFT_FAIL
from signing.revocation import make_revocation_list, parse_revocation_list, revoke_key
from signing.verify import verify_bundle
from tests.signing.builders import T0, World, key
from tests.signing.test_verify import AT, crl

YEAR_BEFORE, YEAR_AFTER = "2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z"
NO_LISTS = (
    "no revocation list from 88; no revocation list from 88.118; no revocation list from 88.118.8"
)


def last_step(bundle: dict[str, Any], world: World, policy: str = "hard-fail") -> dict[str, Any]:
    steps: list[dict[str, Any]] = verify_bundle(
        bundle, world.anchor, at=AT, policy=policy
    ).to_json()["steps"]
    return steps[-1]


def test_a_valid_chain_says_who_certified_what_and_which_lists_were_checked() -> None:
    world = World()
    bundle = world.bundle()
    bundle["revocations"] += [
        make_revocation_list(key(9), prefix, 1, [], issued_at=T0) for prefix in ("88.119", "88.120")
    ]
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    steps = {step.name: step.detail for step in verdict.steps}
    first = parse_certificate(bundle["chain"][0])
    second = parse_certificate(bundle["chain"][1])
    valid = f"valid {YEAR_BEFORE} to {YEAR_AFTER}"
    assert steps["chain"] == "3 certificate(s) below trust anchor 88"
    assert steps["certificate[0]"] == (
        f"88 certifies key {world.secondary.kid} for 88.118 (subtree 88.118, perms"
        f" delegate,sign), signed by trust anchor 88 (key {world.top.kid}); {valid}"
    )
    assert steps["certificate[1]"] == (
        f"88.118 certifies key {world.enterprise.kid} for 88.118.8 (subtree 88.118.8, perms"
        f" delegate,sign), signed by key {world.secondary.kid} of 88.118 (certificate"
        f" {first.jti}); {valid}"
    )
    assert steps["certificate[2]"] == (
        f"88.118.8 certifies key {world.signer.kid} for 88.118.8 (subtree 88.118.8, perms"
        f" sign), signed by key {world.enterprise.kid} of 88.118.8 (certificate"
        f" {second.jti}); {valid}"
    )
    assert steps["revocation"] == (
        "hard-fail: lists checked: 88#1, 88.118#1, 88.118.8#1;"
        " ignored (issuer not in this chain): 88.119#1, 88.120#1"
    )


def test_soft_fail_names_every_gap_and_that_no_list_was_checked() -> None:
    world = World()
    bundle = world.bundle()
    bundle["revocations"] = []
    assert last_step(bundle, world, SOFT_FAIL) == {
        "name": "revocation",
        "ok": True,
        "detail": "soft-fail, accepted without proof that no key was revoked:"
        f" {NO_LISTS} (lists checked: none)",
    }


def too_long(world: World, bundle: dict[str, Any]) -> str:
    bundle["chain"] = [world.secondary_cert()] * 9
    return "9 certificates; at most 8 are allowed"


def outliving(world: World, bundle: dict[str, Any]) -> str:
    bundle["chain"][1] = world.enterprise_cert(valid_until=T0 - 1)
    return (
        f"88.118.8: valid {YEAR_BEFORE} to {YEAR_AFTER}, outside its issuer's {YEAR_BEFORE} to"
        " 2025-12-31T23:59:59Z: a certificate cannot outlive the one that vouches for its issuer"
    )


def not_yet_valid(world: World, bundle: dict[str, Any]) -> str:
    bundle["chain"][2] = world.signer_cert(valid_from=T0 + 1)
    return (
        "88.118.8: not yet valid at 2026-01-01T00:00:00Z, the signer's own claimed signing"
        f" time (valid 2026-01-01T00:00:01Z to {YEAR_AFTER})"
    )


def compromised(world: World, bundle: dict[str, Any]) -> str:
    bundle["revocations"].append(
        crl(world, revoke_key(world.enterprise.kid, "compromised", T0 + 5))
    )
    return (
        f"certificate[1] for 88.118.8: key {world.enterprise.kid} revoked as compromised at"
        " 2026-01-01T00:00:05Z by 88.118; every signature by it is void"
    )


def without_lists(world: World, bundle: dict[str, Any]) -> str:
    bundle["revocations"] = []
    return (
        f"hard-fail: {NO_LISTS} at 2026-01-01T01:00:00Z; every issuer in the chain must vouch"
        " with a current list (a resolver fetches them with each referral)"
    )


def unreadable(world: World, bundle: dict[str, Any]) -> str:
    bundle["chain"][1] = bundle["chain"][1][:-5]
    with pytest.raises(GlidError) as quoted:
        parse_certificate(bundle["chain"][1])
    return f"unreadable: {quoted.value}"


def forged(world: World, bundle: dict[str, Any]) -> str:
    genuine = crl(world, revoke_key(world.enterprise.kid, "compromised", T0))
    head, _, signature = genuine.split(".")
    other = crl(world, revoke_key(world.signer.kid, "compromised", T0)).split(".")[1]
    bundle["revocations"].append(f"{head}.{other}.{signature}")
    with pytest.raises(GlidError) as quoted:
        parse_revocation_list(bundle["revocations"][-1]).verify_signature(
            world.secondary.verify_key
        )
    return f"revocation list 88.118#1 is forged: {quoted.value}"


@pytest.mark.parametrize(
    ("spoil", "name"),
    [
        (too_long, "chain"),
        (outliving, "certificate[2]"),
        (not_yet_valid, "certificate[2]"),
        (compromised, "revocation"),
        (without_lists, "revocation"),
        (unreadable, "certificate[1]"),
        (forged, "revocation"),
    ],
)
def test_each_refusal_of_a_chain_is_worded_for_an_operator(
    spoil: Callable[[World, dict[str, Any]], str], name: str
) -> None:
    world = World()
    bundle = world.bundle()
    detail = spoil(world, bundle)
    assert last_step(bundle, world) == {"name": name, "ok": False, "detail": detail}
