"""Whose checkpoint a log proof may rest on, and what the verdict says when it may not.

Only the authority key of a node in the chain signs that node's log, under the origin
``glid.<prefix>/log``; a checkpoint signed by any other key, or altered after signing,
fails the log step with a message naming the origin and the keys that could have signed.
"""

from signing.checkpoint import sign_checkpoint
from signing.verify import verify_bundle
from tests.signing.builders import World
from tests.signing.test_verify import AT, failed, logged

ORIGIN = "glid.88.118.8/log"
AUTHORITIES = "glid.88/log, glid.88.118/log, glid.88.118.8/log"


def with_checkpoint_by(world: World, note: str) -> dict[str, object]:
    bundle = logged(world, world.enterprise)
    bundle["log"] = {**bundle["log"], "checkpoint": note}
    return bundle


def test_a_checkpoint_signed_under_the_origin_by_a_working_key_is_from_another_log() -> None:
    world = World()
    size = logged(world, world.enterprise)["log"]["tree_size"]
    note = sign_checkpoint(ORIGIN, size, bytes(32), world.signer)  # named right, wrong key
    assert failed(verify_bundle(with_checkpoint_by(world, note), world.anchor, at=AT)) == (
        "log",
        f"checkpoint of {ORIGIN!r} is not signed by the log key of a node in this chain (the"
        f" authority key of {AUTHORITIES}): it comes from a different log",
    )


def test_an_altered_checkpoint_fails_as_forged() -> None:
    world = World()
    note = logged(world, world.enterprise)["log"]["checkpoint"]
    origin, size, rest = note.split("\n", 2)
    altered = "\n".join([origin, str(int(size) + 1), rest])
    assert failed(verify_bundle(with_checkpoint_by(world, altered), world.anchor, at=AT)) == (
        "log",
        f"checkpoint of {ORIGIN} at size {int(size) + 1}: signature by {ORIGIN} does not"
        " verify (forged or altered)",
    )


def test_a_failed_step_is_written_with_ok_false() -> None:
    world = World()
    verdict = verify_bundle({**world.bundle(), "version": "1"}, world.anchor, at=AT)
    assert verdict.to_json()["steps"][-1]["ok"] is False


def test_an_inclusion_hash_that_is_not_base64_is_named() -> None:
    world = World()
    bundle = logged(world, world.enterprise)
    bundle["log"] = {**bundle["log"], "inclusion": ["not base64!"]}
    assert failed(verify_bundle(bundle, world.anchor, at=AT)) == (
        "log",
        f"log {ORIGIN}: inclusion hash is not padded standard base64",
    )


def test_a_partial_answer_is_not_matched_to_its_log_entry() -> None:
    world = World()
    bundle = logged(world, world.enterprise)
    bundle["values"] = bundle["values"][1:]
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    assert verdict.valid and not verdict.complete
    log_step = next(step for step in verdict.steps if step.name == "log")
    assert log_step.detail == "not checked: a partial answer cannot be matched to its log entry"
