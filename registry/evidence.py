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
from registry.log import NodeLog, checkpoint_key
from registry.store import Store
from registry.store.versions import StoredVersion
from signing.b64 import b64_decode
from signing.record_signature import parse_record_signature

CHECKPOINT_META = "checkpoint"


class CheckpointUnavailable(RegistryError):
    """No signed checkpoint covers the log's current size, and the node key is locked."""


def checkpoint_size(note: str) -> int:
    """The tree size line of a checkpoint note (its second line)."""
    return int(note.split("\n", 2)[1])


def current_checkpoint(store: Store, passphrase: bytes | None) -> str:
    """A checkpoint of the log at its current size: the stored one when its size matches,
    else a fresh one signed now (and stored, so the next request reuses it)."""
    log = NodeLog(store)
    size = log.size()
    note = store.meta.get(CHECKPOINT_META)
    if note is not None and checkpoint_size(note) == size:
        return note
    if passphrase is None:
        raise CheckpointUnavailable(
            f"the log of {store.node.prefix} has grown to {size} entries and no checkpoint"
            " covers it; unlock the node key (set GLID_PASSPHRASE) so one can be signed"
        )
    note = log.checkpoint(checkpoint_key(store, passphrase))
    with store.write() as tx:
        tx.meta.set(CHECKPOINT_META, note)
    return note


def proofs(store: Store, handle: str, version: int, passphrase: bytes | None) -> dict[str, Any]:
    """The parts of a bundle beyond the answer itself: revocation lists and the log proof.

    ``log.at`` is the acceptance time the log leaf commits to: it differs from the record
    signature's time when a device signed the reading before the node accepted it.
    """
    checkpoint = current_checkpoint(store, passphrase)
    proof = NodeLog(store).inclusion(handle, version, checkpoint_size(checkpoint))
    leaf = canonical.decode(b64_decode(proof.pop("leaf"), "log leaf"))
    return {
        "log": {**proof, "at": leaf["at"], "checkpoint": checkpoint},
        "revocations": store.revocations.published(),
    }


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


def bundle_for(store: Store, stored: StoredVersion, *, passphrase: bytes | None) -> dict[str, Any]:
    """The complete evidence bundle of one stored version (values, signature, chain,
    revocations, log proof and checkpoint), ready for signing.verify.verify_bundle."""
    return {
        "handle": stored.handle,
        "version": stored.version,
        "values": stored.values(),
        "signature": stored.signature,
        "chain": chain_for_signature(store, stored.signature),
        **proofs(store, stored.handle, stored.version, passphrase),
    }
