"""What the resolution core caches and for how long, what it sends, and how a batch is
split and read back; canned answers, a settable clock."""

from typing import Any

import orjson
import pytest

from glid_core.identifiers import Identifier, Prefix
from resolver.resolution import (
    BATCH_SIZE,
    BatchQuery,
    Query,
    Referral,
    Request,
    Resolution,
    ResolverCore,
    UpstreamError,
    Walk,
    run,
)
from signing.chain import SOFT_FAIL
from signing.verify import Step, Verdict
from tests.resolver.test_referral_checks import Clock
from tests.resolver.test_resolution import MILL, STEEL, TOP, Canned, answer, tree
from tests.signing.builders import HANDLE, World


@pytest.fixture
def world() -> World:
    return World()


def clocked(world: World, **options: Any) -> tuple[ResolverCore, Clock]:
    clock = Clock()
    core = ResolverCore(TOP, world.anchor, **options)
    core.answers.clock = core.referrals.clock = clock
    return core, clock


def asked(send: Canned) -> list[str]:
    return [request.node for request in send.sent]


# --- what a resolution says ----------------------------------------------------------------


def test_an_answer_for_another_identifier_says_so_in_its_verdict(world: World) -> None:
    core, _ = clocked(world)
    answers = tree(world)
    answers[(MILL, HANDLE)] = {"status": "ok", **world.bundle(handle="88.118.8/coil-2")}
    resolution = run(core.resolve(HANDLE, False), Canned(answers))
    assert resolution.verdict is not None and resolution.verdict.to_json()["valid"] is False
    assert resolution.verdict.to_json()["steps"][-1] == {
        "name": "identifier",
        "ok": False,
        "detail": f"asked for {HANDLE}, the answer is for 88.118.8/coil-2",
    }


def test_a_resolution_is_written_as_documented() -> None:
    plain = Resolution("88.1/a", "not_found", path=("http://a.test",), error="gone")
    assert plain.to_json() == {
        "handle": "88.1/a",
        "status": "not_found",
        "error": "gone",
        "stale": False,
        "cached": False,
        "path": ["http://a.test"],
    }
    verdict = Verdict(True, [Step("signature", True, "fine")])
    full = Resolution("88.1/a", "ok", {"ttl": 1}, verdict, stale=True, cached=True)
    assert full.to_json() == {
        "handle": "88.1/a",
        "status": "ok",
        "answer": {"ttl": 1},
        "verdict": verdict.to_json(),
        "stale": True,
        "cached": True,
        "path": [],
    }
    assert full.verified is verdict.complete
    assert not plain.verified


def test_queries_name_the_node_path_and_bundle_flag() -> None:
    query = Query(TOP, "88.118.8/a b#c?d", True)
    assert query.url == f"{TOP}/glid/v1/resolve/88.118.8/a%20b%23c%3Fd"
    assert query.params == {"bundle": "1"}
    assert Query(TOP, HANDLE, False).params == {}
    batch = BatchQuery(MILL, ((3, Identifier.from_text(HANDLE)),), True)
    assert batch.url == f"{MILL}/glid/v1/resolve"
    assert batch.body == {"ids": [HANDLE], "bundle": True}


def test_a_root_is_asked_as_given_but_for_its_trailing_slashes(world: World) -> None:
    core = ResolverCore("http://top.test/mirror-X//", world.anchor)
    assert core.root == "http://top.test/mirror-X"
    walk = Walk(core, Identifier.from_text(HANDLE), False)
    query = walk.next_query()
    assert query is not None and query.url == f"http://top.test/mirror-X/glid/v1/resolve/{HANDLE}"


def test_an_answer_without_a_statement_of_its_newest_version_does_not_verify(
    world: World,
) -> None:
    answers = tree(world)
    answers[(MILL, HANDLE)] = {"status": "ok", "ttl": 600, **world.bundle()}
    resolution = run(ResolverCore(TOP, world.anchor).resolve(HANDLE, False), Canned(answers))
    assert resolution.status == "ok" and resolution.verdict is not None
    failed = resolution.verdict.failed
    assert failed is not None and (failed.name, failed.detail) == (
        "latest",
        f"the answer for {HANDLE} carries no signed statement of its newest version, so a newer"
        " version may exist: the node may be stale or rolled back",
    )


# --- the answer cache ----------------------------------------------------------------------


def test_the_cache_budget_gives_referrals_an_eighth_in_whole_bytes(world: World) -> None:
    core = ResolverCore(TOP, world.anchor, cache_bytes=1001)
    assert (core.referrals.budget, core.answers.budget) == (125, 876)


def test_cached_entries_are_charged_three_times_their_text_and_300_bytes(world: World) -> None:
    core, _ = clocked(world)
    referral = Referral(Prefix.from_text("88.118.8"), MILL, ("list-1", "list-22"))
    core.learn(referral, 60)
    assert core.referrals.size == 3 * len("88.118.8" + MILL + "list-1" + "list-22") + 300
    missing = Resolution(HANDLE, "not_found", error="no such record", path=(MILL,))
    core.remember(missing, False)
    assert core.answers.size == 3 * len(orjson.dumps(missing.to_json())) + 300


def test_an_answer_is_cached_for_its_ttl_capped_at_the_maximum(world: World) -> None:
    core, clock = clocked(world, max_ttl=100)
    send = Canned(tree(world, ttl=600))
    run(core.resolve(HANDLE, False), send)
    clock.now += 99
    assert run(core.resolve(HANDLE, False), send).cached and len(send.sent) == 3
    clock.now += 1
    again = run(core.resolve(HANDLE, False), send)
    assert not again.cached and asked(send)[3:] == [TOP, STEEL, MILL]  # referrals capped too
    assert run(core.resolve(HANDLE, False), send).cached
    assert core.stats.cache_hits == 2


def test_an_answer_without_a_ttl_is_cached_for_the_maximum(world: World) -> None:
    core, clock = clocked(world, max_ttl=100)
    answers = tree(world)
    del answers[(MILL, HANDLE)]["ttl"]
    send = Canned(answers)
    run(core.resolve(HANDLE, False), send)
    clock.now += 99
    assert run(core.resolve(HANDLE, False), send).cached
    clock.now += 1
    assert not run(core.resolve(HANDLE, False), send).cached


def test_answers_with_and_without_bundles_are_cached_apart(world: World) -> None:
    core, _ = clocked(world)
    send = Canned(tree(world))
    run(core.resolve(HANDLE, False), send)
    assert not run(core.resolve(HANDLE, True), send).cached
    assert send.sent[-1] == Query(MILL, HANDLE, True)
    assert run(core.resolve(HANDLE, True), send).cached


@pytest.mark.parametrize("status", ["not_found", "deleted"])
def test_a_negative_answer_is_cached_for_the_negative_ttl_capped(world: World, status: str) -> None:
    core, clock = clocked(world, negative_ttl=60, max_ttl=30)
    answers = tree(world)
    answers[(MILL, HANDLE)] = {"status": status, "error": f"{HANDLE}: {status}"}
    send = Canned(answers)
    first = run(core.resolve(HANDLE, False), send)
    assert (first.status, first.error, first.path) == (
        status,
        f"{HANDLE}: {status}",
        (TOP, STEEL, MILL),
    )
    clock.now += 29
    assert run(core.resolve(HANDLE, False), send).cached
    clock.now += 1
    assert not run(core.resolve(HANDLE, False), send).cached


def test_an_error_answer_is_never_cached(world: World) -> None:
    core, _ = clocked(world)
    answers = tree(world)
    answers[(MILL, HANDLE)] = {"status": "error", "error": "the store is locked"}
    send = Canned(answers)
    assert run(core.resolve(HANDLE, False), send).error == "the store is locked"
    assert not run(core.resolve(HANDLE, False), send).cached
    assert asked(send)[3:] == [MILL]


def test_a_failed_lookup_is_counted_and_served_stale_only_from_the_cache(world: World) -> None:
    core, clock = clocked(world)
    send = Canned(tree(world), down={MILL})
    failed = run(core.resolve(HANDLE, False), send)
    assert (failed.handle, failed.status, failed.stale, failed.cached) == (
        HANDLE,
        "error",
        False,
        False,
    )
    assert core.stats.upstream_errors == 1 and core.stats.stale_served == 0
    send.down.clear()
    run(core.resolve(HANDLE, False), send)
    clock.now += 601
    send.down.add(MILL)
    stale = run(core.resolve(HANDLE, False), send)
    assert (stale.status, stale.stale, stale.cached) == ("ok", True, True)
    assert core.stats.upstream_errors == 2 and core.stats.stale_served == 1
    assert run(core.resolve(HANDLE, False), send).stale
    assert core.stats.upstream_errors == 3 and core.stats.stale_served == 2


# --- batches -------------------------------------------------------------------------------


def members(count: int) -> list[tuple[int, Identifier]]:
    return [(i, Identifier.from_text(f"88.118.8/c{i}")) for i in range(count)]


def test_a_group_goes_in_batches_to_the_node_its_prefix_was_referred_to(world: World) -> None:
    core, _ = clocked(world)
    assert core.batches(members(3), False) == []  # nothing known: walk each
    core.learn(Referral(Prefix.from_text("88.118.8"), MILL), 3600)
    assert core.batches([], False) == []
    group = members(BATCH_SIZE + 1)
    batches = core.batches(group, True)
    assert [(b.node, b.bundle, len(b.members)) for b in batches] == [
        (MILL, True, BATCH_SIZE),
        (MILL, True, 1),
    ]
    assert [m for b in batches for m in b.members] == group


@pytest.mark.parametrize(
    "body", [None, [], {"answers": "x"}, {"answers": [{}]}, {"answers": [{}, {}, {}]}]
)
def test_a_malformed_batch_answer_leaves_every_member_to_walk(world: World, body: Any) -> None:
    core, _ = clocked(world)
    query = BatchQuery(MILL, tuple(members(2)), False)
    with pytest.raises(UpstreamError) as raised:
        core.batch_answered(query, body)
    assert str(raised.value) == f"{MILL} answered a batch of 2 with a malformed body"
    for _ in range(2):
        assert run(core.ask_batch(query), lambda request: body) is None
    assert (core.stats.requests, core.stats.upstream_errors) == (2, 2)


def test_batch_members_referred_elsewhere_are_left_to_walk(world: World) -> None:
    core, _ = clocked(world)
    group = members(3)
    answers = [
        "not an object",
        {"status": "referral", "referral": {}},
        {"status": "not_found", "error": "no such record"},
    ]
    out = core.batch_answered(BatchQuery(MILL, tuple(group), False), {"answers": answers})
    assert [(position, identifier) for position, identifier, _ in out] == group
    assert [resolution is None for _, _, resolution in out] == [True, True, False]
    found = out[2][2]
    assert found == Resolution("88.118.8/c2", "not_found", error="no such record", path=(MILL,))
    cached = core.answers.get(("88.118.8/c2", False))
    assert cached is not None and cached.value == found


def test_a_batch_walks_the_members_it_was_referred_back_for(world: World) -> None:
    handles = [HANDLE, "88.118.8/coil-2", "88.118.8/coil-3"]
    answers: dict[tuple[str, str], Any] = {}
    for handle in handles:
        answers.update(tree(world, handle))
    # The mill refers coil-3 on, in the batch and when asked alone, with a broken referral.
    answers[(MILL, handles[2])] = {"status": "referral", "referral": "elsewhere"}
    send = Canned(answers)
    results = run(ResolverCore(TOP, world.anchor).resolve_many(handles, True), send)
    assert [r.status for r in results] == ["ok", "ok", "error"]
    assert results[2].error == f"{handles[2]}: malformed referral"
    assert asked(send) == [TOP, STEEL, MILL, MILL, MILL]
    assert all(request.bundle for request in send.sent)


class FailingBatches(Canned):
    """Answers single lookups from ``answers``; every batch gets ``batch``, or fails with it
    when it is an UpstreamError (as a node that refuses batches, or is down for them)."""

    def __init__(self, answers: dict[tuple[str, str], Any], batch: object) -> None:
        super().__init__(answers)
        self.batch = batch

    def __call__(self, request: Request) -> Any:
        if not isinstance(request, BatchQuery):
            return super().__call__(request)
        self.sent.append(request)
        if isinstance(self.batch, UpstreamError):
            raise self.batch
        return self.batch


COILS = [HANDLE, "88.118.8/coil-2", "88.118.8/coil-3"]


@pytest.mark.parametrize(
    "batch",
    [
        UpstreamError(f"{MILL} answered HTTP 413 for a batch"),
        {"status": "error", "code": "too_large", "error": "2 ids in one batch; the limit is 1"},
        {"answers": [{"status": "ok"}]},  # one answer for two ids
    ],
    ids=["refused", "error body", "short"],
)
def test_a_failed_batch_falls_back_to_one_walk_per_member(world: World, batch: object) -> None:
    answers: dict[tuple[str, str], Any] = {}
    for handle in COILS:
        answers.update(tree(world, handle))
    send = FailingBatches(answers, batch)
    core, _ = clocked(world)
    results = run(core.resolve_many(["bad", *COILS], True), send)
    assert [(r.handle, r.status, r.verified) for r in results] == [
        ("bad", "bad_identifier", False),
        *((handle, "ok", True) for handle in COILS),
    ]
    assert asked(send) == [TOP, STEEL, MILL, MILL, MILL, MILL]
    assert send.sent[3] == BatchQuery(
        MILL, ((2, Identifier.from_text(COILS[1])), (3, Identifier.from_text(COILS[2]))), True
    )
    assert send.sent[4:] == [Query(MILL, handle, True) for handle in COILS[1:]]
    assert (core.stats.requests, core.stats.upstream_errors) == (6, 1)


def test_a_failed_batch_does_not_stop_the_batches_after_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("resolver.resolution.BATCH_SIZE", 2)
    handles = [*COILS, "88.118.8/coil-4"]
    answers: dict[tuple[str, str], Any] = {}
    for handle in handles:
        answers.update(tree(world, handle))
    send = FailingBatches(answers, UpstreamError(f"{MILL} answered HTTP 503 for a batch"))
    core, _ = clocked(world)
    results = run(core.resolve_many(handles, True), send)
    assert [(r.handle, r.status, r.verified) for r in results] == [(h, "ok", True) for h in handles]
    batches = [request for request in send.sent if isinstance(request, BatchQuery)]
    assert [len(batch.members) for batch in batches] == [2, 1]


def test_a_batch_to_a_node_that_went_down_serves_each_member_stale(world: World) -> None:
    answers: dict[tuple[str, str], Any] = {}
    for handle in COILS:
        answers.update(tree(world, handle, ttl=0))  # expire at once, kept to serve stale
    send = Canned(answers)
    core, _ = clocked(world)
    assert all(r.verified for r in run(core.resolve_many(COILS, False), send))
    send.down.add(MILL)
    again = run(core.resolve_many([*COILS, "88.118.8/never-seen"], False), send)
    assert [(r.status, r.stale, r.cached, r.verified) for r in again[:3]] == [
        ("ok", True, True, True)
    ] * 3
    not_asked = f"not asked: {MILL} failed a batch and then a lookup alone ({MILL} is unreachable)"
    assert [r.error for r in again] == [
        f"stale: {MILL} is unreachable",
        f"stale: {MILL} is unreachable",
        f"stale: {not_asked}",
        not_asked,
    ]
    assert again[3].status == "error"
    # the walk of the first, the batch of the rest, the first of the rest alone: a node that
    # fails that too is not asked for the others (were it to hang, each would cost a timeout)
    assert asked(send)[4:] == [MILL, MILL, MILL]
    assert isinstance(send.sent[5], BatchQuery) and len(send.sent[5].members) == 3
    assert core.stats.stale_served == 3 and core.stats.upstream_errors == 5


def test_many_identifiers_are_grouped_by_prefix_and_answered_from_the_cache(
    world: World,
) -> None:
    handles = [HANDLE, "88.118.8/coil-2", "88.1/a"]
    answers: dict[tuple[str, str], Any] = {**tree(world), **tree(world, handles[1])}
    answers[(TOP, handles[2])] = {"status": "not_found", "error": "none"}
    core, _ = clocked(world)
    send = Canned(answers)
    first = run(core.resolve_many(handles, True), send)
    assert [r.status for r in first] == ["ok", "ok", "not_found"]
    assert asked(send) == [TOP, STEEL, MILL, MILL, TOP]
    assert isinstance(send.sent[3], BatchQuery) and send.sent[3].body["ids"] == [handles[1]]
    again = run(core.resolve_many(handles, True), send)
    assert [r.cached for r in again] == [True, True, True] and len(send.sent) == 5


def test_a_group_the_root_answers_for_is_walked_one_by_one(world: World) -> None:
    handles = ["88.1/a", "88.1/b"]
    send = Canned({(TOP, h): {"status": "not_found", "error": "none"} for h in handles})
    results = run(ResolverCore(TOP, world.anchor).resolve_many(handles, False), send)
    assert [(r.handle, r.status) for r in results] == [(h, "not_found") for h in handles]
    assert send.sent == [Query(TOP, h, False) for h in handles]


def test_an_answer_without_lists_is_verified_with_those_its_parents_sent(world: World) -> None:
    core, _ = clocked(world)
    answers = tree(world)
    del answers[(MILL, HANDLE)]["revocations"]
    resolution = run(core.resolve(HANDLE, False), Canned(answers))
    assert resolution.verified
    assert resolution.answer is not None and resolution.answer["revocations"] == world.lists()


def test_an_answer_whose_lists_are_not_a_list_fails_at_parse(world: World) -> None:
    core, _ = clocked(world)
    answers = tree(world)
    answers[(MILL, HANDLE)]["revocations"] = "none"
    resolution = run(core.resolve(HANDLE, False), Canned(answers))
    assert resolution.verdict is not None and resolution.verdict.failed is not None
    assert resolution.verdict.failed.detail == (
        f"{HANDLE}: revocations must be a list of compact JWS strings"
    )


def test_answers_under_one_chain_share_its_checked_verdict(world: World) -> None:
    core, _ = clocked(world)
    answers = {**tree(world), **tree(world, "88.118.8/coil-2")}
    answers[(MILL, "88.118.8/coil-2")]["chain"] = answers[(MILL, HANDLE)]["chain"]
    send = Canned(answers)
    run(core.resolve(HANDLE, False), send)
    hits = core.chains.hits
    assert run(core.resolve("88.118.8/coil-2", False), send).verified
    assert core.chains.hits == hits + 1  # the record's chain, checked for the first answer


def test_the_resolvers_revocation_policy_applies_to_answers(world: World) -> None:
    bundle = {k: v for k, v in answer(world, HANDLE).items() if k != "revocations"}
    send = Canned({(TOP, HANDLE): {"status": "ok", "ttl": 60, **bundle}})
    hard = run(ResolverCore(TOP, world.anchor).resolve(HANDLE, False), send)
    soft = run(ResolverCore(TOP, world.anchor, policy=SOFT_FAIL).resolve(HANDLE, False), send)
    assert not hard.verified and soft.verified


def test_a_malformed_identifier_is_answered_with_its_text_and_why(world: World) -> None:
    resolution = run(ResolverCore(TOP, world.anchor).resolve("no slash", False), Canned({}))
    assert (resolution.handle, resolution.status) == ("no slash", "bad_identifier")
    assert resolution.error is not None and "no slash" in resolution.error


def test_answers_are_kept_a_day_at_most_by_default(world: World) -> None:
    core, clock = clocked(world)
    send = Canned(tree(world, ttl=10**6))
    run(core.resolve(HANDLE, False), send)
    clock.now += 86_399
    assert run(core.resolve(HANDLE, False), send).cached
    clock.now += 1
    assert not run(core.resolve(HANDLE, False), send).cached
