"""The rules of a certificate chain at their edges: how long it may be, whose revocation
lists count, which list of an issuer judges its freshness, from which moment a list
applies, and an issuer the caller vouches for itself."""

from typing import Any

import pytest

from signing.certificates import issue_certificate
from signing.chain import MAX_CHAIN_LENGTH, check_chain, freshness_problems
from signing.keys import SigningKey
from signing.revocation import make_revocation_list, revoke_key
from signing.verify import verify_bundle
from tests.signing.builders import T0, YEAR, World, key
from tests.signing.test_verify import AT, failed


def deep_bundle(world: World, length: int) -> dict[str, Any]:
    """A record signed by the last of ``length`` certificates, each certifying the next
    node down (88.118, 88.118.8, 88.118.8.1, ...), with a current list from every issuer."""
    links: list[tuple[str, SigningKey]] = [("88", world.top)]
    chain = []
    for depth in range(length):
        subject = "88.118" if depth == 0 else f"{links[-1][0]}.{depth}"
        subject_key = key(20 + depth)
        issuer, issuer_key = links[-1]
        chain.append(
            issue_certificate(
                issuer_key,
                issuer=issuer,
                subject=subject,
                subject_key=subject_key.verify_key,
                perms=["delegate", "sign"],
                issued_at=T0 - 100,
                valid_from=T0 - YEAR,
                valid_until=T0 + YEAR,
            )
        )
        links.append((subject, subject_key))
    bundle = world.bundle(signer=links[-1][1], chain=chain, handle=f"{links[-1][0]}/part-1")
    bundle["revocations"] = [
        make_revocation_list(k, prefix, 1, [], issued_at=T0 - 100, next_update=T0 + YEAR)
        for prefix, k in links[:-1]
    ]
    return bundle


def test_a_chain_of_the_longest_allowed_length_verifies_and_one_more_is_refused() -> None:
    world = World()
    longest = verify_bundle(deep_bundle(world, MAX_CHAIN_LENGTH), world.anchor, at=AT)
    assert longest.valid, longest.failed
    assert [s.name for s in longest.steps].count(f"certificate[{MAX_CHAIN_LENGTH - 1}]") == 1
    name, detail = failed(verify_bundle(deep_bundle(world, 9), world.anchor, at=AT))
    assert (name, detail) == ("chain", "9 certificates; at most 8 are allowed")


def revoking_secondary(issuer_key: SigningKey, prefix: str) -> str:
    return make_revocation_list(
        issuer_key,
        prefix,
        2,
        [revoke_key(key(2).kid, "compromised", T0 - 50)],
        issued_at=T0,
        next_update=T0 + YEAR,
    )


@pytest.mark.parametrize(
    ("who", "prefix"),
    [
        # the enterprise's working key (sign only) in its own node's name
        (lambda w: w.signer, "88.118.8"),
        # the enterprise's authority key in its parent's name
        (lambda w: w.enterprise, "88.118"),
    ],
)
def test_a_list_counts_only_from_the_authority_key_of_the_prefix_it_names(
    who: Any, prefix: str
) -> None:
    """Only the key a chain certifies with ``delegate`` for a prefix speaks for that prefix:
    a list signed by any other key, even one in the chain, is set aside, not applied and not
    taken for a forgery."""
    world = World()
    bundle = world.bundle()
    bundle["revocations"].append(revoking_secondary(who(world), prefix))
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    assert verdict.valid, verdict.failed
    assert verdict.steps[-1].detail.endswith(f"; ignored (issuer not in this chain): {prefix}#2")
    # The same list from the key that does speak for 88.118 voids the chain.
    bundle["revocations"][-1] = revoking_secondary(world.secondary, "88.118")
    assert failed(verify_bundle(bundle, world.anchor, at=AT))[0] == "revocation"


def enterprise_lists(world: World, *lists: tuple[int, int]) -> list[str]:
    """The current lists of 88 and 88.118, then 88.118.8's lists as (seq, next update)."""
    return world.lists()[:2] + [
        make_revocation_list(
            world.enterprise, "88.118.8", seq, [], issued_at=T0 - 100, next_update=due
        )
        for seq, due in lists
    ]


CURRENT, LAPSED = T0 + YEAR, AT - 1  # a list's next update after, and before, AT


@pytest.mark.parametrize(
    ("lists", "valid"),
    [
        ([(2, CURRENT), (1, LAPSED)], True),  # the newest first
        ([(1, LAPSED), (2, CURRENT)], True),  # the newest last
        ([(2, LAPSED), (1, CURRENT)], False),  # a current list older than a lapsed one
        ([(1, CURRENT), (1, LAPSED)], True),  # the same seq and iat: the first counts
        ([(1, LAPSED), (1, CURRENT)], False),
    ],
)
def test_freshness_is_judged_on_the_newest_list_of_each_issuer(
    lists: list[tuple[int, int]], valid: bool
) -> None:
    world = World()
    bundle = world.bundle()
    bundle["revocations"] = enterprise_lists(world, *lists)
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    assert verdict.valid == valid
    if not valid:
        name, detail = failed(verdict)
        assert name == "revocation"
        assert detail.startswith("hard-fail: the newest list from 88.118.8, 88.118.8#")


@pytest.mark.parametrize(("at", "valid"), [(AT - 1, True), (AT, False)])
def test_a_list_applies_from_the_second_it_was_issued(at: int, valid: bool) -> None:
    """Lists issued after the verification time are not applied; one issued at that very
    second is."""
    world = World()
    bundle = world.bundle()
    bundle["revocations"].append(
        make_revocation_list(
            world.secondary,
            "88.118",
            2,
            [revoke_key(world.enterprise.kid, "compromised", T0)],
            issued_at=AT,
            next_update=T0 + YEAR,
        )
    )
    verdict = verify_bundle(bundle, world.anchor, at=at)
    assert verdict.valid == valid
    if not valid:
        assert failed(verdict)[0] == "revocation"


@pytest.mark.parametrize(
    ("exempt", "left"),
    [
        (None, ["88", "88.118", "88.118.8"]),
        ("88", ["88.118", "88.118.8"]),
        ("88.118", ["88", "88.118.8"]),
    ],
)
def test_an_exempt_issuer_is_the_only_one_left_out_of_the_freshness_check(
    exempt: str | None, left: list[str]
) -> None:
    world = World()
    verdict = check_chain(world.anchor, world.chain(), [])
    problems = freshness_problems(verdict, AT, exempt=exempt)
    assert problems == [f"no revocation list from {issuer}" for issuer in left]
