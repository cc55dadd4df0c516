"""The resolution core with canned answers: every decision, no network.

A fake transport maps each request the core asks for to a prepared body (or to an
UpstreamError for a node that is down), so the walk, the referral checks, the
conclusions and the cache policy are tested exactly, request by request.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest

from resolver.resolution import (
    BatchQuery,
    Query,
    Request,
    ResolverCore,
    UpstreamError,
    run,
)
from signing.timestamps import now
from tests.signing.builders import HANDLE, World
from tests.signing.newest import newest

TOP, STEEL, MILL = "http://top.test", "http://steel.test", "http://mill.test"
OTHER = "88.118.8/coil-2"


@dataclass
class Canned:
    """Answers by (node, handle); nodes in ``down`` fail like a refused connection."""

    answers: dict[tuple[str, str], dict[str, Any]]
    down: set[str] = field(default_factory=set)
    sent: list[Request] = field(default_factory=list)

    def __call__(self, request: Request) -> Any:
        self.sent.append(request)
        if request.node in self.down:
            raise UpstreamError(f"{request.node} is unreachable")
        if isinstance(request, BatchQuery):
            ids = [str(identifier) for _, identifier in request.members]
            return {"answers": [self.answers[(request.node, handle)] for handle in ids]}
        return self.answers[(request.node, request.handle)]


def referral(
    handle: str, prefix: str, site: str, chain: list[str], lists: list[str] | None = None
) -> dict[str, Any]:
    """A parent's referral, carrying ``lists`` (current revocation lists, as a node's do)."""
    return {
        "status": "referral",
        "handle": handle,
        "ttl": 3600,
        "referral": {"prefix": prefix, "site": site, "chain": chain},
        "revocations": lists or [],
    }


def tree(world: World, handle: str = HANDLE, ttl: int = 600) -> dict[tuple[str, str], Any]:
    """top 88 → steel 88.118 → mill 88.118.8, which holds ``handle``."""
    secondary, enterprise = world.secondary_cert(), world.enterprise_cert()
    return {
        (TOP, handle): referral(handle, "88.118", STEEL, [secondary], world.lists()),
        (STEEL, handle): referral(handle, "88.118.8", MILL, [secondary, enterprise], world.lists()),
        (MILL, handle): {"status": "ok", "ttl": ttl, **answer(world, handle)},
    }


def answer(world: World, handle: str) -> dict[str, Any]:
    """The node's answer for ``handle``: its bundle with a current newest-version statement."""
    return newest(world, world.bundle(handle=handle), issued_at=now())


@pytest.fixture
def world() -> World:
    return World()


def test_a_walk_follows_checked_referrals_to_a_verified_answer(world: World) -> None:
    core = ResolverCore(TOP, world.anchor)
    send = Canned({**tree(world), **tree(world, OTHER)})
    first = run(core.resolve(HANDLE, False), send)
    assert first.status == "ok" and first.verified
    assert first.path == (TOP, STEEL, MILL)
    assert send.sent == [Query(node, HANDLE, False) for node in (TOP, STEEL, MILL)]
    again = run(core.resolve(HANDLE, False), send)
    assert again.cached and len(send.sent) == 3  # a fresh answer: no request at all
    sibling = run(core.resolve(OTHER, False), send)
    # The referral to 88.118.8 is cached: the walk starts at the mill.
    assert sibling.path == (MILL,) and send.sent[-1] == Query(MILL, OTHER, False)
    assert core.stats.requests == 4 and core.stats.referrals == {"88.118": 1, "88.118.8": 1}


def test_a_referral_back_up_the_tree_is_a_loop(world: World) -> None:
    answers = tree(world)
    answers[(STEEL, HANDLE)] = referral(HANDLE, "88.118", TOP, [world.secondary_cert()])
    resolution = run(ResolverCore(TOP, world.anchor).resolve(HANDLE, False), Canned(answers))
    assert resolution.status == "error"
    assert (
        resolution.error == f"{HANDLE}: referral from 88.118 to 88.118 does not go deeper (a loop)"
    )


def test_a_referral_certified_for_another_prefix_is_refused(world: World) -> None:
    answers = tree(world)
    chain = [world.secondary_cert(), world.enterprise_cert()]  # certifies 88.118.8
    answers[(TOP, HANDLE)] = referral(HANDLE, "88.118", STEEL, chain, world.lists())
    resolution = run(ResolverCore(TOP, world.anchor).resolve(HANDLE, False), Canned(answers))
    assert resolution.error == f"{HANDLE}: referral to 88.118 is certified for 88.118.8 instead"


def test_a_referral_that_does_not_cover_the_identifier_is_refused(world: World) -> None:
    answers = tree(world)
    answers[(TOP, HANDLE)] = referral(HANDLE, "88.119", STEEL, [world.secondary_cert()])
    resolution = run(ResolverCore(TOP, world.anchor).resolve(HANDLE, False), Canned(answers))
    assert resolution.error == f"{HANDLE}: referral to 88.119, which does not cover it"


def test_an_answer_for_another_identifier_does_not_verify(world: World) -> None:
    answers = tree(world)
    answers[(MILL, HANDLE)] = {"status": "ok", **answer(world, OTHER)}
    resolution = run(ResolverCore(TOP, world.anchor).resolve(HANDLE, False), Canned(answers))
    assert resolution.status == "ok" and not resolution.verified
    assert resolution.verdict is not None and resolution.verdict.failed is not None
    assert resolution.verdict.failed.name == "identifier"


def test_an_unreachable_node_gets_the_stale_answer_marked(world: World) -> None:
    core = ResolverCore(TOP, world.anchor)
    send = Canned(tree(world, ttl=0))  # expires at once, kept to serve stale
    assert run(core.resolve(HANDLE, False), send).verified
    send.down.add(MILL)
    stale = run(core.resolve(HANDLE, False), send)
    assert (stale.status, stale.stale, stale.cached) == ("ok", True, True)
    assert stale.error == f"stale: {MILL} is unreachable" and stale.verified
    assert core.stats.stale_served == 1 and core.stats.upstream_errors == 1


def test_an_unreachable_node_without_a_cached_answer_is_an_error(world: World) -> None:
    send = Canned(tree(world), down={TOP})
    resolution = run(ResolverCore(TOP, world.anchor).resolve(HANDLE, False), send)
    assert (resolution.status, resolution.error) == ("error", f"{TOP} is unreachable")


def test_not_found_is_cached_for_the_negative_ttl_only(world: World) -> None:
    core = ResolverCore(TOP, world.anchor, negative_ttl=0)
    answers = tree(world)
    answers[(MILL, HANDLE)] = {"status": "not_found", "error": f"{HANDLE} is not on this node"}
    send = Canned(answers)
    assert run(core.resolve(HANDLE, False), send).status == "not_found"
    assert run(core.resolve(HANDLE, False), send).status == "not_found"
    assert len(send.sent) == 4  # negative TTL 0: asked again (from the cached referral)


def test_a_malformed_identifier_sends_nothing(world: World) -> None:
    send = Canned({})
    resolution = run(ResolverCore(TOP, world.anchor).resolve("no slash", False), send)
    assert resolution.status == "bad_identifier" and send.sent == []


def test_many_identifiers_walk_once_per_prefix_then_batch(world: World) -> None:
    handles = [HANDLE, OTHER, "88.118.8/coil-3"]
    answers: dict[tuple[str, str], Any] = {}
    for handle in handles:
        answers.update(tree(world, handle))
    send = Canned(answers)
    results = run(ResolverCore(TOP, world.anchor).resolve_many([*handles, "bad"], False), send)
    assert [r.status for r in results] == ["ok", "ok", "ok", "bad_identifier"]
    assert all(r.verified for r in results[:3])
    batch = send.sent[-1]
    assert len(send.sent) == 4 and isinstance(batch, BatchQuery)
    assert batch.node == MILL and batch.body == {"ids": handles[1:], "bundle": False}


def test_the_answer_cache_holds_its_byte_budget(world: World) -> None:
    """Distinct ids under one enterprise prefix: the walk is cached once, and the answers
    cached stay within the core's byte budget however many ids are asked for."""
    core = ResolverCore(TOP, world.anchor, cache_bytes=64 << 10)
    answers: dict[tuple[str, str], Any] = {}
    handles = [f"88.118.8/coil-{n}" for n in range(60)]
    for handle in handles:
        answers.update(tree(world, handle))
    send = Canned(answers)
    for handle in handles:
        assert run(core.resolve(handle, False), send).verified
    assert 0 < core.answers.size <= core.answers.budget < 64 << 10
    assert len(core.answers) < len(handles)  # the oldest answers made room
    assert core.referrals.size <= core.referrals.budget
