"""What a bundle must look like before anything is verified, and the chain cache's bounds.

Each malformed shape ends the verdict at the parse step with a message that names the
part; a bad policy is the caller's error, not the bundle's. The cache keeps the most
recently used chains and checkpoints, at most ``maxsize`` of each.
"""

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from signing.chain import CLOCK_SKEW, Step
from signing.timestamps import FIRST_SECOND, LAST_SECOND, iso, now
from signing.verify import ChainCache, verify_bundle
from tests.signing.builders import HANDLE, T0, World
from tests.signing.test_adversarial import with_log
from tests.signing.test_verify import AT, failed, logged


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"handle": 7}, "bundle needs a string handle and an integer version"),
        ({"version": "1"}, "bundle needs a string handle and an integer version"),
        ({"version": True}, "bundle needs a string handle and an integer version"),
        ({"values": {"index": 1}}, f"{HANDLE}: values must be a list of objects"),
        ({"values": [{"index": 1}, 2]}, f"{HANDLE}: values must be a list of objects"),
        ({"signature": None}, f"{HANDLE}: the bundle carries no record signature"),
        ({"chain": "x.y.z"}, f"{HANDLE}: chain must be a list of compact JWS strings"),
        ({"chain": [1]}, f"{HANDLE}: chain must be a list of compact JWS strings"),
        ({"revocations": {}}, f"{HANDLE}: revocations must be a list of compact JWS strings"),
        ({"revocations": ["a", 2]}, f"{HANDLE}: revocations must be a list of compact JWS strings"),
    ],
)
def test_a_malformed_bundle_fails_at_parse_and_names_the_part(
    world: World, change: dict[str, Any], detail: str
) -> None:
    verdict = verify_bundle({**world.bundle(), **change}, world.anchor, at=AT)
    assert not verdict.valid and [s.name for s in verdict.steps] == ["parse"]
    assert failed(verdict) == ("parse", detail)


def test_a_bundle_that_is_not_an_object_fails_at_parse(world: World) -> None:
    verdict = verify_bundle([world.bundle()], world.anchor, at=AT)  # type: ignore[arg-type]
    assert failed(verdict) == ("parse", "a bundle must be a JSON object")


def test_values_given_as_other_mappings_are_accepted(world: World) -> None:
    class Frozen(dict[str, Any]):
        """A mapping that is not exactly a dict, as a decoder may hand out."""

    bundle = world.bundle()
    bundle["values"] = [Frozen(value) for value in bundle["values"]]
    assert verify_bundle(bundle, world.anchor, at=AT).complete


def test_a_bundle_without_chain_or_lists_fails_at_the_chain(world: World) -> None:
    bare = {k: v for k, v in world.bundle().items() if k not in ("chain", "revocations")}
    verdict = verify_bundle(bare, world.anchor, at=AT)
    assert not verdict.valid and "parse" in [s.name for s in verdict.steps if s.ok]
    assert failed(verdict)[0] not in ("parse", "digests")


def test_an_unknown_policy_is_the_callers_error(world: World) -> None:
    with pytest.raises(ValueError) as raised:
        verify_bundle(world.bundle(), world.anchor, at=AT, policy="lenient")
    assert str(raised.value) == ("revocation policy 'lenient' is not one of hard-fail, soft-fail")


def test_the_cache_keeps_the_most_recently_used_chains(world: World) -> None:
    cache = ChainCache(maxsize=2)
    full, short = world.chain(), [world.secondary_cert(), world.enterprise_cert()]
    bare = [world.secondary_cert()]
    lists = world.lists()

    def check(chain: list[str]) -> None:
        cache.chain(world.anchor, chain, lists)

    for chain in (full, short, full, bare):  # full used again before bare evicts the oldest
        check(chain)
    assert (cache.hits, cache.misses) == (1, 3)
    check(full)
    check(bare)
    assert (cache.hits, cache.misses) == (3, 3)
    check(short)  # evicted
    assert (cache.hits, cache.misses) == (3, 4)
    # The revocation lists and the anchor are part of what a verdict depends on.
    cache.chain(world.anchor, bare, lists[:1])
    assert cache.misses == 5


def test_the_cache_keeps_at_most_maxsize_checkpoints(world: World) -> None:
    cache = ChainCache(maxsize=1)
    first = logged(world, world.secondary, origin="glid.88.118/log")
    second = logged(world, world.enterprise, origin="glid.88.118.8/log")
    for bundle in (first, second, first):
        assert verify_bundle(bundle, world.anchor, at=AT, cache=cache).valid
    assert len(cache._notes) == 1 and len(cache._chains) == 1


def test_the_cache_opens_a_checkpoint_once_for_the_same_signers(world: World) -> None:
    cache = ChainCache()
    bundle = logged(world, world.enterprise)
    note = bundle["log"]["checkpoint"]
    signers = cache.chain(world.anchor, bundle["chain"], bundle["revocations"]).signers
    opened = cache.checkpoint(note, signers)
    assert not isinstance(opened, str) and opened[1] == 2  # the enterprise's authority key
    assert cache.checkpoint(note, signers) is opened
    # Without the enterprise's key among the signers the same note proves nothing.
    assert isinstance(cache.checkpoint(note, signers[:2]), str)


def test_a_signing_time_no_calendar_holds_fails_at_parse(world: World) -> None:
    far = LAST_SECOND + 1  # 10000-01-01T00:00:00Z
    verdict = verify_bundle(world.bundle(signed_at=far), world.anchor, at=AT)
    assert verdict.to_json()["steps"] == [
        {
            "name": "parse",
            "ok": False,
            "detail": f"{HANDLE}: record signature for {HANDLE}: iat {far} is outside the"
            " years 1 to 9999",
        }
    ]
    # The last second of 9999 is a time: it fails only as a signature from the future.
    last = verify_bundle(world.bundle(signed_at=LAST_SECOND), world.anchor, at=AT)
    assert failed(last) == (
        "parse",
        f"{HANDLE}: signed at 9999-12-31T23:59:59Z, after {iso(AT)}",
    )


@pytest.mark.parametrize("far", [LAST_SECOND + 1, 2**40, FIRST_SECOND - 1, -(2**40)])
def test_a_log_time_no_calendar_holds_fails_at_the_log_step(world: World, far: int) -> None:
    logged_far = with_log(world.bundle(), world.enterprise, "glid.88.118.8/log", far)
    verdict = verify_bundle(logged_far, world.anchor, at=AT)
    assert [step.name for step in verdict.steps] == ["parse", "digests", "signature", "key", "log"]
    assert failed(verdict) == (
        "log",
        f"log glid.88.118.8/log: entry 2 is dated {far} seconds after 1970, outside the years"
        " 1 to 9999: the log entry is corrupt or forged",
    )


@pytest.mark.parametrize("edge", [LAST_SECOND, FIRST_SECOND])
def test_the_first_and_last_second_of_the_calendar_pass_the_log_step(
    world: World, edge: int
) -> None:
    logged_edge = with_log(world.bundle(), world.enterprise, "glid.88.118.8/log", edge)
    verdict = verify_bundle(logged_edge, world.anchor, at=AT)
    assert [(step.name, step.ok) for step in verdict.steps][-2:] == [("log", True), ("time", False)]


class Unreadable(Mapping[str, Any]):
    """A mapping that fails on every read with an error no check anticipates."""

    def __getitem__(self, name: str) -> Any:
        raise TypeError(f"member {name} cannot be read")

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_an_unanticipated_error_is_an_invalid_verdict_at_the_step_reached(world: World) -> None:
    bundle = {**world.bundle(), "values": [Unreadable()]}
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    assert verdict.valid is False and not verdict.complete
    assert verdict.steps[-1] == Step(
        "parse", False, "malformed bundle: TypeError: member index cannot be read"
    )


def test_a_bundle_unreadable_before_any_step_fails_at_parse(world: World) -> None:
    verdict = verify_bundle(Unreadable(), world.anchor, at=AT)
    assert verdict.valid is False
    assert verdict.steps == [
        Step("parse", False, "malformed bundle: TypeError: member handle cannot be read")
    ]


def test_the_parse_step_names_the_record_its_version_and_signer(world: World) -> None:
    verdict = verify_bundle(world.bundle(), world.anchor, at=AT)
    assert verdict.steps[0] == Step(
        "parse", True, f"{HANDLE} version 1, signed by key {world.signer.kid} at {iso(T0)}"
    )
    other_version = {**world.bundle(), "version": 2}
    assert failed(verify_bundle(other_version, world.anchor, at=AT)) == (
        "parse",
        f"the signature is for {HANDLE} version 1, the bundle holds {HANDLE} version 2",
    )


@pytest.mark.parametrize(("ahead", "valid"), [(CLOCK_SKEW, True), (CLOCK_SKEW + 1, False)])
def test_a_record_signed_after_the_verification_time_fails(
    world: World, ahead: int, valid: bool
) -> None:
    verdict = verify_bundle(world.bundle(signed_at=AT + ahead), world.anchor, at=AT)
    assert verdict.valid is valid
    if not valid:
        assert failed(verdict) == (
            "parse",
            f"{HANDLE}: signed at {iso(AT + ahead)}, after {iso(AT)}",
        )


def test_without_a_time_the_verification_is_as_of_now() -> None:
    current = World(t0=now())
    assert verify_bundle(current.bundle(), current.anchor).valid
