"""Nonces of signed requests, remembered so that a captured request cannot be sent again.

A signed write carries a timestamp and a nonce (docs/protocol/auth.md). The timestamp
bounds how long a request stays acceptable; the nonce, stored here until that bound has
passed, makes it acceptable only once. The table lives in the node store, so every worker
process of a node sees the same nonces.
"""

from registry.errors import Unauthenticated
from registry.store import Tables


class ReplayedNonce(Unauthenticated):
    """A signed request was sent again: its nonce has already been used."""


def remember(tx: Tables, identity: str, nonce: str, *, expires_at: int, now: int) -> None:
    """Record ``nonce`` for ``identity`` until ``expires_at`` in transaction ``tx``.

    Raises :class:`ReplayedNonce` when the pair is already recorded. Expired nonces are
    dropped first: their requests fail the timestamp check anyway, and the table stays
    as small as the number of writes in one acceptance window.
    """
    if not tx.nonces.remember(identity, nonce, expires_at=expires_at, now=now):
        raise ReplayedNonce(
            f"nonce {nonce!r} of {identity} was already used; every signed request needs a"
            " fresh random nonce (a replayed request is refused)"
        )
