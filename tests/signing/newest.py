"""Bundles with a log proof and a newest-version statement from the enterprise node 88.118.8,
whose authority key (World.enterprise) signs its log and its statements."""

from typing import Any

from signing.b64 import b64_encode
from signing.checkpoint import parse_checkpoint, sign_checkpoint
from signing.keys import SigningKey
from signing.latest import sign_latest
from signing.merkle import MerkleLog, log_leaf, record_digest
from tests.signing.builders import World

NODE = "88.118.8"
ORIGIN = f"glid.{NODE}/log"


def log_versions(world: World, bundles: list[dict[str, Any]], logged_at: list[int]) -> str:
    """Log each bundle's version in order, the i-th at ``logged_at[i]``; give each a proof
    into the checkpoint of the whole log, which is returned."""
    log = MerkleLog()
    log.extend(
        log_leaf(b["handle"], b["version"], record_digest(b["values"]), at)
        for b, at in zip(bundles, logged_at, strict=True)
    )
    size = len(bundles)
    note = sign_checkpoint(ORIGIN, size, log.root(), world.enterprise)
    for index, (bundle, at) in enumerate(zip(bundles, logged_at, strict=True)):
        bundle["log"] = {
            "checkpoint": note,
            "leaf_index": index,
            "tree_size": size,
            "inclusion": [b64_encode(h) for h in log.inclusion_proof(index)],
            "at": at,
        }
    return note


def statement(
    world: World,
    handle: str,
    version: int,
    note: str,
    issued_at: int,
    *,
    key: SigningKey | None = None,
    issuer: str = NODE,
) -> str:
    """The statement "``version`` is the newest of ``handle``" for the checkpoint ``note``."""
    checkpoint = parse_checkpoint(note)
    where = (checkpoint.size, checkpoint.root)
    return sign_latest(key or world.enterprise, issuer, handle, version, where, issued_at)


def newest(world: World, bundle: dict[str, Any], issued_at: int | None = None) -> dict[str, Any]:
    """``bundle`` as its node sends it: logged at signing time, with the statement that its
    version is the newest, issued then or (signed again since) at ``issued_at``."""
    logged_at = world.t0
    note = log_versions(world, [bundle], [logged_at])
    issued = logged_at if issued_at is None else issued_at
    bundle["latest"] = statement(world, bundle["handle"], bundle["version"], note, issued)
    return bundle
