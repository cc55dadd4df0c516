"""This node's revocation list: the keys and prefixes it no longer vouches for.

A node revokes what it certified: its children's keys and prefixes, its own rotated
keys, its devices. Each ``glid revoke`` adds one row to the ``revocations`` table and
re-issues the node's single list (signing.revocation, seq + 1, every entry so far), signed
by the node's authority key so that any chain through this node can check it. Only the
newest list is kept in the ``list`` column; it is what GET /glid/v1/revocations serves and
what bundles carry. ``compromised`` voids every signature by the key (a thief can
backdate); ``superseded`` voids only signatures made after ``at``.
"""

from datetime import datetime

from glid_core.errors import PrefixError
from glid_core.identifiers import is_within, normalise_prefix
from registry import keyring
from registry.errors import RegistryError
from registry.store import Store, Tables
from registry.store.revocations import RevocationRow
from signing.revocation import (
    REASONS,
    RevocationEntry,
    make_revocation_list,
    parse_revocation_list,
    revoke_key,
    revoke_prefix,
)
from signing.timestamps import iso, now, numeric_date


class RevocationRefused(RegistryError, ValueError):
    """The revocation cannot be issued by this node."""


def _signed_entries(tables: Tables) -> list[RevocationEntry]:
    out = []
    for row in tables.revocations.entries():
        moment = numeric_date(datetime.fromisoformat(row.at))
        out.append(
            revoke_key(row.kid, row.reason, moment)
            if row.kid
            else revoke_prefix(str(row.prefix), row.reason, moment)
        )
    return out


def published_lists(tables: Tables) -> list[str]:
    """The revocation list(s) this node serves, oldest first (normally exactly one)."""
    return tables.revocations.published()


def revoke(
    store: Store,
    passphrase: bytes,
    *,
    reason: str,
    kid: str | None = None,
    prefix: str | None = None,
    at: int | datetime | None = None,
) -> str:
    """Add an entry for ``kid`` or ``prefix`` and publish the re-issued list; returns it.

    A revoked key of this node's own is also retired, so it signs nothing more here.
    """
    own = store.node.prefix
    if (kid is None) == (prefix is None):
        raise RevocationRefused("name exactly one of a key (--key KID) or a prefix (--prefix P)")
    if reason not in REASONS:
        raise RevocationRefused(f"reason {reason!r} is not one of {', '.join(sorted(REASONS))}")
    if kid is not None and not store.keys.knows_kid(kid):
        raise RevocationRefused(
            f"key {kid} was neither made nor certified by this node ({own}); a key is revoked"
            " by the node that certified it"
        )
    if prefix is not None:
        try:
            prefix = normalise_prefix(prefix)
        except PrefixError as exc:
            raise RevocationRefused(str(exc)) from exc
        if not is_within(prefix, own):
            raise RevocationRefused(
                f"prefix {prefix} lies outside {own}; it must be revoked by its own parent"
            )
    moment = numeric_date(at) if at is not None else now()
    issuer, _, _ = keyring.certify_own(store, passphrase, own)
    previous = store.revocations.published()
    seq = parse_revocation_list(previous[-1]).seq + 1 if previous else 1
    with store.write() as tx:
        entry_id = tx.revocations.add(RevocationRow(kid, prefix, reason, iso(moment)))
        token = make_revocation_list(issuer, own, seq, _signed_entries(tx), issued_at=now())
        tx.revocations.publish(entry_id, token)
        if kid is not None:
            tx.keys.retire(kid)
        tx.audit.add(
            "cli", "revoke", kid or str(prefix), {"reason": reason, "at": moment, "seq": seq}
        )
    return token


def revocation_of(tables: Tables, kid: str, signed_at: int) -> str | None:
    """Why this node's own list voids a signature by ``kid`` made at ``signed_at``, if it does."""
    for row in tables.revocations.of_kid(kid):
        entry = revoke_key(kid, row.reason, numeric_date(datetime.fromisoformat(row.at)))
        if entry.voids(signed_at):
            return entry.describe()
    return None
