"""Which referrals the resolution core follows, and how far, with canned answers.

Every refusal is a message naming the identifier and the prefix; a referral that is
followed is cached for its TTL (capped), and the next lookup under it starts there.
"""

from typing import Any

import pytest

from glid_core.identifiers import Identifier, Prefix
from resolver.resolution import MAX_REFERRALS, Query, ResolverCore, UpstreamError, Walk, run
from signing.chain import SOFT_FAIL
from signing.revocation import COMPROMISED, SUPERSEDED, make_revocation_list, revoke_key
from signing.timestamps import now
from tests.resolver.test_resolution import MILL, OTHER, STEEL, TOP, Canned, referral, tree
from tests.signing.builders import HANDLE, YEAR, World


@pytest.fixture
def world() -> World:
    return World()


class Clock:
    """A settable clock for the core's caches."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refused(world: World, body: dict[str, Any], **core: Any) -> str:
    """The error of a lookup whose first referral (from the root) is ``body``."""
    answers = tree(world)
    answers[(TOP, HANDLE)] = body
    resolution = run(
        ResolverCore(TOP, world.anchor, **core).resolve(HANDLE, False), Canned(answers)
    )
    assert resolution.status == "error" and resolution.error is not None
    return resolution.error


def top_referral(world: World, **changes: Any) -> dict[str, Any]:
    body = referral(HANDLE, "88.118", STEEL, [world.secondary_cert()], world.lists())
    body["referral"].update(changes)
    return body


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"prefix": "88..118"}, "referral names a bad prefix: "),
        ({"site": "ftp://steel.test"}, "referral to 88.118 has no usable site"),
        ({"site": None}, "referral to 88.118 has no usable site"),
        ({"chain": []}, "referral to 88.118 carries no certificate"),
        ({"chain": "not a list"}, "referral to 88.118 carries no certificate"),
    ],
)
def test_a_referral_without_a_usable_part_is_refused(
    world: World, change: dict[str, Any], error: str
) -> None:
    assert refused(world, top_referral(world, **change)).startswith(f"{HANDLE}: {error}")


def test_a_referral_that_is_not_an_object_is_refused(world: World) -> None:
    body = {"status": "referral", "referral": ["88.118", STEEL]}
    assert refused(world, body) == f"{HANDLE}: malformed referral"


@pytest.mark.parametrize("lists", ["one list", [1], [None, "x"]])
def test_a_referral_with_malformed_revocations_is_refused(world: World, lists: Any) -> None:
    body = {**top_referral(world), "revocations": lists}
    assert refused(world, body) == f"{HANDLE}: referral to 88.118 has malformed revocations"


def test_a_referral_back_up_from_a_deeper_zone_is_a_loop(world: World) -> None:
    answers = tree(world)
    answers[(MILL, HANDLE)] = referral(HANDLE, "88.118", STEEL, [world.secondary_cert()])
    resolution = run(ResolverCore(TOP, world.anchor).resolve(HANDLE, False), Canned(answers))
    assert resolution.error == (
        f"{HANDLE}: referral from 88.118.8 to 88.118 does not go deeper (a loop)"
    )


def test_a_referral_without_revocation_lists_is_refused_hard_and_followed_soft(
    world: World,
) -> None:
    body = {**top_referral(world), "revocations": []}
    assert refused(world, body) == (
        f"{HANDLE}: referral to 88.118 has a bad certificate chain: revocation: hard-fail:"
        " no revocation list from 88"
    )
    answers = tree(world)
    answers[(TOP, HANDLE)] = {key: value for key, value in body.items() if key != "revocations"}
    core = ResolverCore(TOP, world.anchor, policy=SOFT_FAIL)
    assert run(core.resolve(HANDLE, False), Canned(answers)).status == "ok"


def test_a_referral_whose_certificate_expired_is_refused(world: World) -> None:
    old = World(t0=now() - 2 * YEAR)
    error = refused(old, referral(HANDLE, "88.118", STEEL, [old.secondary_cert()]))
    assert error.startswith(
        f"{HANDLE}: referral to 88.118 has a bad certificate chain: certificate[0]: 88.118:"
        " expired at "
    )
    assert ", when the referral is followed (valid " in error


def test_a_referral_whose_certificate_does_not_verify_is_refused(world: World) -> None:
    forged = World(top=World().secondary)  # the chain is signed by a key that is no anchor
    error = refused(world, referral(HANDLE, "88.118", STEEL, [forged.secondary_cert()]))
    assert error.startswith(f"{HANDLE}: referral to 88.118 has a bad certificate chain: ")
    assert "revocation" not in error


def test_a_referral_to_a_revoked_key_is_refused(world: World) -> None:
    revoked = revoke_key(world.secondary.kid, COMPROMISED, at=world.t0 - 50)
    lists = [
        make_revocation_list(world.top, "88", 2, [revoked], issued_at=world.t0 - 10),
        *world.lists(),
    ]
    error = refused(world, {**top_referral(world), "revocations": lists})
    assert error.startswith(
        f"{HANDLE}: referral to 88.118 has a bad certificate chain: revocation: certificate[0]"
        f" for 88.118: key {world.secondary.kid} revoked as compromised"
    )


def test_a_referral_ends_in_a_site_without_its_trailing_slash(world: World) -> None:
    answers = tree(world)
    answers[(TOP, HANDLE)] = top_referral(world, site=STEEL + "/")
    send = Canned(answers)
    assert run(ResolverCore(TOP, world.anchor).resolve(HANDLE, False), send).verified
    assert send.sent[1] == Query(STEEL, HANDLE, False)


def test_more_than_the_referral_limit_is_refused(world: World) -> None:
    walk = Walk(ResolverCore(TOP, world.anchor), Identifier.from_text(HANDLE), False)
    walk.path = [TOP] * (MAX_REFERRALS - 1)
    assert walk.next_query() == Query(TOP, HANDLE, False)
    assert walk.next_query() == Query(TOP, HANDLE, False)  # the limit-th referral followed
    with pytest.raises(UpstreamError) as raised:
        walk.next_query()
    assert str(raised.value) == (
        f"{HANDLE}: more than {MAX_REFERRALS} referrals; the delegation tree loops or is too deep"
    )


# --- what is cached, and for how long ------------------------------------------------------


def test_a_lookup_starts_at_the_deepest_fresh_referral(world: World) -> None:
    clock = Clock()
    core = ResolverCore(TOP, world.anchor)
    core.referrals.clock = clock
    answers = {**tree(world), **tree(world, OTHER)}
    answers[(STEEL, HANDLE)]["ttl"] = 100  # the mill's referral lives shorter than steel's
    run(core.resolve(HANDLE, False), Canned(answers))
    assert core.start(Prefix.from_text("88.118.8")) == (MILL, Prefix.from_text("88.118.8"))
    clock.now += 100
    assert core.start(Prefix.from_text("88.118.8")) == (STEEL, Prefix.from_text("88.118"))
    assert core.start(Prefix.from_text("88.119")) == (TOP, None)
    send = Canned(answers)
    assert run(core.resolve(OTHER, False), send).verified
    assert [query.node for query in send.sent] == [STEEL, MILL]
    assert core.stats.referrals == {"88.118": 1, "88.118.8": 2}


@pytest.mark.parametrize("ttl", ["3600", None, -5])
def test_a_referral_without_a_usable_ttl_is_not_kept_fresh(world: World, ttl: Any) -> None:
    core = ResolverCore(TOP, world.anchor)
    core.referrals.clock = Clock()
    answers = tree(world)
    answers[(TOP, HANDLE)]["ttl"] = ttl
    run(core.resolve(HANDLE, False), Canned(answers))
    cached = core.referrals.get(Prefix.from_text("88.118"))
    assert cached is not None and not cached.fresh


def test_a_referral_is_kept_no_longer_than_the_maximum_ttl(world: World) -> None:
    clock = Clock()
    core = ResolverCore(TOP, world.anchor, max_ttl=50)
    core.referrals.clock = clock
    run(core.resolve(HANDLE, False), Canned(tree(world)))  # referrals with TTL 3600
    clock.now += 49
    assert core.start(Prefix.from_text("88.118.8"))[0] == MILL
    clock.now += 1
    assert core.start(Prefix.from_text("88.118.8")) == (TOP, None)


def test_a_parents_revocation_list_reaches_the_answer_its_node_left_it_out_of(
    world: World,
) -> None:
    """The steel node's referral to the mill carries the mill's newer list, which revokes
    the signing key; the mill answers with its older list only. The record must fail."""
    revoked = revoke_key(world.signer.kid, COMPROMISED, at=world.t0 - 50)
    newer = make_revocation_list(
        world.enterprise, "88.118.8", 2, [revoked], issued_at=world.t0, next_update=world.t0 + YEAR
    )
    answers = tree(world)
    answers[(STEEL, HANDLE)]["revocations"] = [*world.lists(), newer]
    resolution = run(ResolverCore(TOP, world.anchor).resolve(HANDLE, False), Canned(answers))
    assert resolution.status == "ok" and not resolution.verified
    assert resolution.verdict is not None and resolution.verdict.failed is not None
    assert resolution.verdict.failed.name == "revocation"
    assert world.signer.kid in resolution.verdict.failed.detail
    assert resolution.answer is not None and newer in resolution.answer["revocations"]
    assert resolution.answer["revocations"].count(world.lists()[0]) == 1


def test_a_referral_checked_alone_keeps_its_site_and_names_every_missing_list(
    world: World,
) -> None:
    core = ResolverCore(TOP + "/", world.anchor)
    assert core.root == TOP
    mill = Identifier.from_text(HANDLE)
    chain = [world.secondary_cert(), world.enterprise_cert()]
    body = {"referral": {"prefix": "88.118.8", "site": "https://mill.test/glidX/", "chain": chain}}
    with pytest.raises(UpstreamError) as raised:
        core.check_referral(body, mill, None)
    assert str(raised.value).endswith(
        "bad certificate chain: revocation: hard-fail: no revocation list from 88;"
        " no revocation list from 88.118"
    )
    accepted = core.check_referral({**body, "revocations": world.lists()}, mill, None)
    assert accepted.site == "https://mill.test/glidX"


def test_a_referral_to_a_key_superseded_before_now_is_refused(world: World) -> None:
    superseded = revoke_key(world.secondary.kid, SUPERSEDED, at=now() - 60)
    lists = [
        make_revocation_list(world.top, "88", 2, [superseded], issued_at=world.t0),
        *world.lists(),
    ]
    error = refused(world, {**top_referral(world), "revocations": lists})
    assert f"key {world.secondary.kid} revoked as superseded" in error


def test_a_referral_without_a_ttl_is_not_kept_fresh(world: World) -> None:
    core = ResolverCore(TOP, world.anchor)
    core.referrals.clock = Clock()
    answers = tree(world)
    del answers[(TOP, HANDLE)]["ttl"]
    run(core.resolve(HANDLE, False), Canned(answers))
    cached = core.referrals.get(Prefix.from_text("88.118"))
    assert cached is not None and not cached.fresh
