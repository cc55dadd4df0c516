"""Evidence bundles: everything a buyer needs to verify one record version offline.

A bundle (docs/formats/signing.md §7) is the version's values and signature, the chain of
the key that signed it (found by kid, so versions signed before a key rotation, or by a
device, keep their own chain), this node's revocation list, and the version's log
inclusion proof with a checkpoint of exactly that tree size, signed by the node's
authority key (which is in every chain the node serves). The daemon's bundles and
``glid show --bundle`` both come from here.
"""

from typing import Any

from glid_core import canonical
from registry import keyring
from registry.errors import NotFound, RegistryError
from registry.latest import keep_statements, stored_statement
from registry.log import CHECKPOINT_META, NodeLog, checkpoint_key
from registry.revocations import carried_lists
from registry.store import Store
from registry.store.versions import StoredVersion
from signing.b64 import b64_decode
from signing.latest import LATEST_LIFETIME
from signing.record_signature import parse_record_signature
from signing.timestamps import now

STATEMENTS_SIGNED_META = "latest_signed_at"
STATEMENTS_PER_WRITE = 2000
"""Statements re-signed per transaction, so that writers wait for at most one chunk."""


class CheckpointUnavailable(RegistryError):
    """No stored checkpoint covers the log's current size."""


def checkpoint_size(note: str) -> int:
    """The tree size line of a checkpoint note (its second line)."""
    return int(note.split("\n", 2)[1])


def current_checkpoint(store: Store) -> str:
    """The stored checkpoint, which the write path keeps covering the whole log.

    A read never signs: a log without a current checkpoint (a store written before
    checkpoints were kept on write) gets one from :func:`refresh_checkpoint`, which the
    daemon runs at start and the log commands run when the key is unlocked.
    """
    size = NodeLog(store).size()
    note = store.meta.get(CHECKPOINT_META)
    if note is None or checkpoint_size(note) != size:
        covered = "none" if note is None else f"only {checkpoint_size(note)}"
        raise CheckpointUnavailable(
            f"the log of {store.node.prefix} has {size} entries and its stored checkpoint"
            f" covers {covered}; start `glid serve` or run `glid log checkpoint` with"
            " GLID_PASSPHRASE set to sign one"
        )
    return note


def refresh_checkpoint(store: Store, passphrase: bytes) -> str:
    """Sign and store a checkpoint unless the stored one covers the log (a write)."""
    try:
        return current_checkpoint(store)
    except CheckpointUnavailable:
        key = checkpoint_key(store, passphrase)
        with store.write() as tx:
            return NodeLog(store).store_checkpoint(tx, key)


def proofs(store: Store, handle: str, version: int) -> dict[str, Any]:
    """The parts of a bundle beyond the answer itself: revocation lists, the log proof and
    the statement of the identifier's newest version.

    The log proof is into the checkpoint the statement is bound to (the log may have grown
    since; the statement is re-signed before it expires). ``log.at`` is the acceptance
    time the log leaf commits to: it differs from the record signature's time when a
    device signed the reading before the node accepted it.
    """
    kept = stored_statement(store, handle)
    checkpoint = current_checkpoint(store) if kept is None else kept.checkpoint
    found = {
        "log": log_proof(store, handle, version, checkpoint),
        "revocations": carried_lists(store),
    }
    if kept is not None:
        found["latest"] = kept.statement
    return found


def log_proof(store: Store, handle: str, version: int, checkpoint: str) -> dict[str, Any]:
    """The inclusion proof of one version into the signed ``checkpoint``, with the note."""
    proof = NodeLog(store).inclusion(handle, version, checkpoint_size(checkpoint))
    leaf = canonical.decode(b64_decode(proof.pop("leaf"), "log leaf"))
    return {**proof, "at": leaf["at"], "checkpoint": checkpoint}


def refresh_statements(store: Store, passphrase: bytes, at: int | None = None) -> int:
    """Sign every identifier's newest-version statement again, against the current
    checkpoint, once half their life has passed since the last time; returns how many
    were signed. A write: the daemon runs it at start and on its timer."""
    moment = now() if at is None else at
    last = store.meta.get(STATEMENTS_SIGNED_META)
    if last is not None and moment < int(last) + LATEST_LIFETIME // 2:
        return 0
    key = checkpoint_key(store, passphrase)
    handles = sorted(store.log.newest_versions())
    for start in range(0, len(handles), STATEMENTS_PER_WRITE):
        with store.write() as tx:
            # Read inside the transaction: a write since the pass began may have logged a
            # newer version, and its statement must not be replaced by an older one.
            chunk = handles[start : start + STATEMENTS_PER_WRITE]
            newest = {h: v for h in chunk if (v := tx.log.newest_version(h)) is not None}
            note = NodeLog(store).store_checkpoint(tx, key)
            keep_statements(tx, key, store.node.prefix, newest, note, moment)
    with store.write() as tx:
        tx.meta.set(STATEMENTS_SIGNED_META, str(moment))
    return len(handles)


def chain_for_signature(store: Store, signature: str | None) -> list[str]:
    """The certificate chain (top-down) of the key that made ``signature``."""
    if signature is None:
        return []
    _, claims = parse_record_signature(signature)
    return chain_for_kid(store, claims.kid)


def chain_for_kid(store: Store, kid: str) -> list[str]:
    """The certificate chain (top-down) of key ``kid``; [] for a key this node never held."""
    try:
        return keyring.chain_of(store.keys.find(kid))
    except NotFound:
        return []


def bundle_for(store: Store, stored: StoredVersion) -> dict[str, Any]:
    """The complete evidence bundle of one stored version (values, signature, chain,
    revocations, log proof and checkpoint), ready for signing.verify.verify_bundle.

    A read: the revocation list and checkpoint are served as stored (the write path and
    the daemon's timer keep them current)."""
    return {
        "handle": stored.handle,
        "version": stored.version,
        "values": stored.values(),
        "signature": stored.signature,
        "chain": chain_for_signature(store, stored.signature),
        **proofs(store, stored.handle, stored.version),
    }
