"""The edges of the newest-version check: the exact step a historical answer gets, and
statement times no calendar holds."""

from typing import Any

import pytest

from signing.b64 import b64_encode
from signing.chain import Step
from signing.checkpoint import parse_checkpoint
from signing.jws import sign_compact
from signing.latest import LATEST_LIFETIME, LATEST_TYP
from signing.timestamps import LAST_SECOND, iso
from signing.verify import Verdict, verify_bundle
from tests.signing.builders import HANDLE, World
from tests.signing.newest import ORIGIN, statement
from tests.signing.test_latest import AT, UPDATED, failure, history


def check(bundle: dict[str, Any], world: World, **options: Any) -> Verdict:
    return verify_bundle(bundle, world.anchor, at=AT, require_latest=True, **options)


def test_a_historical_answer_ends_with_a_latest_step_naming_both_versions() -> None:
    world = World()
    first, _, note = history(world)
    first["latest"] = statement(world, HANDLE, 2, note, UPDATED)
    verdict = check(first, world, asked_version=1)
    assert verdict.valid and (verdict.version, verdict.newest) == (1, 2)
    assert verdict.steps[-1] == Step(
        "latest",
        True,
        f"historical version 1 of 2, as asked, in log {ORIGIN} at size 3 (statement current"
        f" until {iso(UPDATED + LATEST_LIFETIME)})",
    )


@pytest.mark.parametrize(
    ("iat", "nxt", "named"),
    [
        (UPDATED, LAST_SECOND + 1, f"nxt {LAST_SECOND + 1}"),
        (LAST_SECOND + 1, LAST_SECOND + 2, f"iat {LAST_SECOND + 1}"),
    ],
)
def test_a_statement_time_no_calendar_holds_fails_at_the_latest_step(
    iat: int, nxt: int, named: str
) -> None:
    world = World()
    _, second, note = history(world)
    checkpoint = parse_checkpoint(note)
    claims = {
        "iss": "88.118.8",
        "id": HANDLE,
        "ver": 2,
        "size": checkpoint.size,
        "root": b64_encode(checkpoint.root),
        "iat": iat,
        "nxt": nxt,
    }
    second["latest"] = sign_compact(claims, world.enterprise, LATEST_TYP)
    assert failure(check(second, world)) == (
        f"{HANDLE}: newest-version statement for {HANDLE}: {named} is outside the years 1 to 9999"
    )
