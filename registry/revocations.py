"""This node's revocation list: the keys and prefixes it no longer vouches for.

A node revokes what it certified: its children's keys and prefixes, its own rotated keys,
its devices. Each ``glid revoke`` adds one row to the ``revocations`` table and re-issues
the node's single list (signing.revocation, seq + 1, every entry so far), signed by the
node's authority key so that any chain through this node can check it. A list is current
until its next update (``nxt``); :func:`refresh` re-issues it, unchanged but for seq and
times, once half its life has passed, so a node always serves a current list, even an empty
one. Only writers refresh (the daemon at start-up and on a timer, and the commands that hand
a list on); a read serves what the store holds and never signs or writes, so reads keep
flowing while another process holds the write lock. The newest list is kept in the store's
``meta`` row ``revocation_list`` (stores written before that kept it in the ``list`` column
of the newest entry, which is still read); it is what GET /glid/v1/revocations serves and
what answers, referrals and bundles carry. ``compromised`` voids every signature by the key
(a thief can backdate); ``superseded`` voids only signatures made after ``at``.
"""

from datetime import datetime

from glid_core.errors import GlidError, PrefixError
from glid_core.identifiers import is_within, normalise_prefix
from registry import keyring
from registry.errors import NotFound, RegistryError
from registry.store import Store, Tables
from registry.store.revocations import RevocationRow
from signing.keys import SigningKey
from signing.revocation import (
    LIST_LIFETIME,
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
    """The revocation list this node last issued, as a list of at most one JWS."""
    return tables.revocations.published()


def _due(lists: list[str], moment: int) -> tuple[bool, int]:
    """Whether the newest of ``lists`` is missing or past half its life, and the next seq."""
    newest = parse_revocation_list(lists[-1]) if lists else None
    if newest is None:
        return True, 1
    fresh = newest.nxt is not None and moment < newest.nxt - LIST_LIFETIME // 2
    return not fresh, newest.seq + 1


def refresh(store: Store, passphrase: bytes | None, at: int | None = None) -> list[str]:
    """This node's list, re-issued first when it is missing or past half its life.

    Verifiers refuse a chain through this node without a current list, so the node keeps
    one even when it has revoked nothing. This writes: call it from a write path or a
    timer, never while answering a read. Without the passphrase (a read-only node) or an
    authority certificate yet, it returns what the store has.
    """
    moment = now() if at is None else at
    lists = store.revocations.published()
    if not _due(lists, moment)[0] or passphrase is None or store.read_only:
        return lists
    try:
        issuer, _, _ = keyring.certify_own(store, passphrase, store.node.prefix)
    except (keyring.NotCertified, NotFound):
        return lists
    with store.write() as tx:
        lists = tx.revocations.published()  # another process may have refreshed it meanwhile
        due, seq = _due(lists, moment)
        if due:
            lists = [_publish(store, tx, issuer, seq, moment)]
    return lists


def carried_lists(tables: Tables) -> list[str]:
    """What this node's answers carry: its own list and those of the issuers above it, so
    a bundle can be verified offline under the hard-fail policy. Read only."""
    return [*tables.revocations.published(), *tables.revocations.issuer_lists()]


def keep_issuer_lists(tx: Tables, lists: list[str]) -> None:
    """Store the lists a parent sent with a chain; each must at least parse."""
    for token in lists:
        try:
            parse_revocation_list(token)
        except GlidError as exc:
            raise RevocationRefused(f"the parent sent an unreadable list: {exc}") from exc
    tx.revocations.keep_issuer_lists(lists)


def _publish(store: Store, tx: Tables, issuer: SigningKey, seq: int, at: int) -> str:
    token = make_revocation_list(issuer, store.node.prefix, seq, _signed_entries(tx), issued_at=at)
    tx.revocations.publish(token)
    return token


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
        tx.revocations.add(RevocationRow(kid, prefix, reason, iso(moment)))
        token = _publish(store, tx, issuer, seq, now())
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
