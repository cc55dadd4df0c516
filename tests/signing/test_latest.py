"""A bundle's statement of the newest version: an older version never verifies as current.

The log of 88.118.8 holds version 1 of the record (logged at T0), another identifier, then
version 2 (logged at T0 + 60); the node's statement says version 2 is the newest. Each test
plays one move of a stale or hostile node against ``verify_bundle``.
"""

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolver.text import verdict_state
from signing.chain import CLOCK_SKEW
from signing.errors import LatestStatementError
from signing.latest import LATEST_LIFETIME, parse_latest, sign_latest
from signing.timestamps import LAST_SECOND, iso
from signing.verify import Verdict, verify_bundle
from tests.signing.builders import HANDLE, T0, World, footprint_values, key, value
from tests.signing.newest import log_versions, newest, statement

AT = T0 + 3600
UPDATED = T0 + 60


def history(world: World) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Versions 1 and 2 of HANDLE, logged with another record between them; the checkpoint."""
    first = world.bundle()
    other = world.bundle(handle="88.118.8/coil-2")
    changed = [*footprint_values()[:2], value(2002, "declared_unit", "kg")]
    second = world.bundle(changed, version=2, signed_at=UPDATED)
    note = log_versions(world, [first, other, second], [T0, T0 + 30, UPDATED])
    return first, second, note


def failure(verdict: Verdict) -> str:
    failed = verdict.failed
    assert not verdict.valid and failed is not None and failed.name == "latest", verdict.steps
    return failed.detail


def check(bundle: dict[str, Any], world: World, **options: Any) -> Verdict:
    return verify_bundle(bundle, world.anchor, at=options.pop("at", AT), **options)


def test_the_newest_version_verifies_and_says_so() -> None:
    world = World()
    _, second, note = history(world)
    second["latest"] = statement(world, HANDLE, 2, note, UPDATED)
    verdict = check(second, world, require_latest=True)
    assert verdict.complete and not verdict.historical, verdict.failed
    assert (verdict.version, verdict.newest) == (2, 2)
    assert verdict.steps[-1].name == "latest"
    assert verdict.steps[-1].detail.startswith(
        f"version 2 is the newest of {HANDLE} in log glid.88.118.8/log at size 3"
    )
    assert verdict_state(verdict) == "VERIFIED"
    assert verdict.to_json()["newest"] == 2


def test_an_old_version_with_todays_statement_fails() -> None:
    world = World()
    first, _, note = history(world)
    first["latest"] = statement(world, HANDLE, 2, note, UPDATED)
    detail = failure(check(first, world, require_latest=True))
    assert detail.startswith(f"the answer is version 1 of {HANDLE}, but version 2 is the newest")
    assert detail.endswith("the node served a stale or rolled-back answer")
    # The statement is checked whenever it is present, even when not required.
    assert failure(check(first, world)) == detail


def test_an_old_version_asked_for_verifies_as_historical() -> None:
    world = World()
    first, _, note = history(world)
    first["latest"] = statement(world, HANDLE, 2, note, UPDATED)
    verdict = check(first, world, require_latest=True, asked_version=1)
    assert verdict.complete and verdict.historical, verdict.failed
    assert verdict_state(verdict) == "VERIFIED (historical version 1 of 2)"
    # Asking for version 1 does not make an answer of another old version historical.
    assert failure(check(first, world, require_latest=True, asked_version=3))


def test_an_old_statement_fails_once_it_expires() -> None:
    """The node's statement from before the update: current for LATEST_LIFETIME (the
    residual window), refused after."""
    world = World()
    first = world.bundle()
    note = log_versions(world, [first], [T0])
    first["latest"] = statement(world, HANDLE, 1, note, T0)
    assert check(first, world, require_latest=True, at=T0 + LATEST_LIFETIME - 1).valid
    detail = failure(check(first, world, require_latest=True, at=T0 + LATEST_LIFETIME))
    assert "it is not current (an old statement can hide a newer version)" in detail


def test_a_statement_issued_before_the_version_was_logged_fails() -> None:
    """Up to the clock skew before the logging it is current; a second more, and it is not."""
    world = World()
    _, second, note = history(world)  # version 2 logged at UPDATED
    second["latest"] = statement(world, HANDLE, 2, note, UPDATED - CLOCK_SKEW)
    assert check(second, world).complete
    early = UPDATED - CLOCK_SKEW - 1
    second["latest"] = statement(world, HANDLE, 2, note, early)
    assert failure(check(second, world)) == (
        f"the statement for {HANDLE} was issued {iso(early)} and was current until"
        f" {iso(early + LATEST_LIFETIME)}; at {iso(AT)} it is not current (an old statement"
        " can hide a newer version), so ask the node again"
    )


@pytest.mark.parametrize(
    ("about", "issuer", "named"),
    [("88.118.8/coil-2", "88.118.8", "88.118.8/coil-2 in the log of 88.118.8"),
     (HANDLE, "88.118", f"{HANDLE} in the log of 88.118")],
    ids=["another handle", "another log"],
)  # fmt: skip
def test_a_statement_about_another_handle_or_log_fails(about: str, issuer: str, named: str) -> None:
    world = World()
    first, _, note = history(world)
    first["latest"] = statement(world, about, 1, note, UPDATED, issuer=issuer)
    assert failure(check(first, world)) == (
        f"the statement is about {named}, not {HANDLE} in the log of 88.118.8"
    )


def test_a_statement_for_another_checkpoint_fails() -> None:
    """The statement of version 1 made when the log had one entry, beside the proof into
    today's checkpoint, where version 2 is logged."""
    world = World()
    first, _, _ = history(world)
    early = log_versions(world, [world.bundle()], [T0])
    first["latest"] = statement(world, HANDLE, 1, early, UPDATED)
    detail = failure(check(first, world))
    assert detail == (
        f"the statement for {HANDLE} speaks for the log at size 1, not the checkpoint of size 3"
        " that proves the answer"
    )


def test_a_statement_older_than_the_version_fails_whatever_version_was_asked() -> None:
    world = World()
    _, second, note = history(world)
    second["latest"] = statement(world, HANDLE, 1, note, UPDATED)
    for asked in (None, 1, 2):
        assert failure(check(second, world, asked_version=asked)) == (
            f"the statement names version 1 of {HANDLE} as the newest, older than the"
            " version 2 it should cover"
        )


@pytest.mark.parametrize(
    ("signer", "detail"),
    [
        (lambda w: w.signer, "JWS is signed by key"),  # the record signer, not the log key
        (lambda w: key(9), "JWS is signed by key"),  # a key outside the chain
    ],
)
def test_a_statement_by_another_key_fails(signer: Any, detail: str) -> None:
    world = World()
    first, _, note = history(world)
    first["latest"] = statement(world, HANDLE, 1, note, UPDATED, key=signer(world))
    assert detail in failure(check(first, world))


def test_an_unsigned_or_altered_statement_fails() -> None:
    world = World()
    first, _, note = history(world)
    token = statement(world, HANDLE, 2, note, UPDATED)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["ver"] = 1  # "version 1 is the newest", without the key
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    first["latest"] = f"{header}.{forged}.{signature}"
    assert failure(check(first, world)) == (
        f"{HANDLE}: signature does not verify with key {world.enterprise.kid}: forged, corrupt"
        " or made by another key"
    )
    first["latest"] = f"{header}.{payload}."
    assert "JWS signature is 0 bytes" in failure(check(first, world))
    first["latest"] = "not a statement"
    assert "a compact JWS has 3 dot-separated parts" in failure(check(first, world))


def test_a_missing_statement_fails_when_required() -> None:
    world = World()
    _, second, _ = history(world)
    assert check(second, world).valid  # a verifier that does not ask accepts it
    assert failure(check(second, world, require_latest=True)) == (
        f"the answer for {HANDLE} carries no signed statement of its newest version, so a"
        " newer version may exist: the node may be stale or rolled back"
    )


def test_without_a_log_proof_the_statement_is_checked_against_the_nodes_key() -> None:
    """A plain answer (no log proof) still carries the statement: it must be signed by the
    authority key of the node it names, which must be in the chain."""
    world = World()
    bundle = newest(world, world.bundle())
    del bundle["log"]
    verdict = check(bundle, world, require_latest=True)
    assert verdict.complete and verdict.newest == 1, verdict.failed
    first, _, note = history(world)
    del first["log"]
    first["latest"] = statement(world, HANDLE, 2, note, UPDATED)
    assert "but version 2 is the newest in log glid.88.118.8/log" in failure(check(first, world))
    # The record signer's key is in the chain but is no node's authority key.
    first["latest"] = statement(world, HANDLE, 1, note, UPDATED, key=world.signer)
    assert "JWS is signed by key" in failure(check(first, world))
    first["latest"] = statement(world, HANDLE, 1, note, UPDATED, issuer="88.120")
    assert failure(check(first, world)) == (
        f"the statement for {HANDLE} speaks for the log of 88.120, and no authority key of"
        " that node is in this chain"
    )


CLAIMS = {
    "iss": st.sampled_from(["88", "88.118.8"]),
    "id": st.text(min_size=1, max_size=40),
    "ver": st.integers(min_value=1, max_value=2**53),
    "size": st.integers(min_value=0, max_value=2**53),
    "root": st.binary(min_size=32, max_size=32),
    "iat": st.integers(min_value=0, max_value=LAST_SECOND - LATEST_LIFETIME),
}


@settings(max_examples=60, deadline=None)
@given(**CLAIMS)
def test_a_signed_statement_parses_back_to_its_claims(
    iss: str, id: str, ver: int, size: int, root: bytes, iat: int
) -> None:
    signer = key(3)
    token = sign_latest(signer, iss, id, ver, (size, root), iat)
    parsed = parse_latest(token)
    assert (parsed.iss, parsed.id, parsed.ver, parsed.size, parsed.root) == (
        iss,
        id,
        ver,
        size,
        root,
    )
    assert (parsed.iat, parsed.nxt) == (iat, iat + LATEST_LIFETIME)
    parsed.verify(signer.verify_key)


GOOD = {
    "iss": "88.118.8",
    "id": HANDLE,
    "ver": 1,
    "size": 1,
    "root": base64.b64encode(bytes(32)).decode(),
    "iat": T0,
    "nxt": T0 + 1,
}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


@settings(max_examples=120, deadline=None)
@given(name=st.sampled_from([*GOOD, "extra"]), bad=JSON_VALUES)
def test_a_malformed_claim_is_a_statement_error(name: str, bad: Any) -> None:
    from signing.jws import sign_compact
    from signing.latest import LATEST_TYP

    claims = {**GOOD, name: bad}
    try:
        parsed = parse_latest(sign_compact(claims, key(3), LATEST_TYP))
    except LatestStatementError:
        return
    # Accepted only when the replacement is itself a well-formed value for that claim.
    assert name != "extra"
    assert getattr(parsed, name) == (base64.b64decode(bad) if name == "root" else bad)
