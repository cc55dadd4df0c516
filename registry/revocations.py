"""This node's revocation list: the keys and prefixes it no longer vouches for.

A node revokes what it certified: its children's keys and prefixes, its own rotated
keys, its devices. Each ``glid revoke`` adds one row to the ``revocations`` table and
re-issues the node's single list (signing.revocation, seq + 1, every entry so far), signed
by the node's authority key so that any chain through this node can check it. A list is
current until its next update (``nxt``); :func:`current_lists` re-issues it, unchanged but
for seq and times, once half its life has passed, so a node always serves a current list,
even an empty one. The newest list is kept in the store's ``meta`` row ``revocation_list``
(stores written before that kept it in the ``list`` column of the newest entry, which is
still read); it is what GET /glid/v1/revocations serves and what answers, referrals and
bundles carry. ``compromised`` voids every signature by the key (a thief can backdate);
``superseded`` voids only signatures made after ``at``.
"""

import json
import sqlite3
from datetime import datetime

from registry import keyring
from registry.errors import NotFound, RegistryError
from registry.records import utc_timestamp
from registry.store import Store
from signing.errors import GlidError, PrefixError
from signing.keys import SigningKey
from signing.prefixes import is_within, normalise_prefix
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


def _entries(conn: sqlite3.Connection) -> list[RevocationEntry]:
    rows = conn.execute("SELECT kid, prefix, reason, at FROM revocations ORDER BY id").fetchall()
    out = []
    for kid, prefix, reason, at in rows:
        moment = numeric_date(datetime.fromisoformat(at))
        out.append(
            revoke_key(kid, reason, moment) if kid else revoke_prefix(prefix, reason, moment)
        )
    return out


LIST_META = "revocation_list"
ISSUER_LISTS_META = "issuer_lists"
"""The lists of the nodes above this one, as its parent handed them over with its chain."""


def published_lists(conn: sqlite3.Connection) -> list[str]:
    """The revocation list this node last issued, as a list of at most one JWS."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (LIST_META,)).fetchone()
    if row is None:  # a store from before lists were kept in meta
        row = conn.execute(
            "SELECT list FROM revocations WHERE list IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return [] if row is None else [str(row[0])]


def current_lists(store: Store, passphrase: bytes | None, at: int | None = None) -> list[str]:
    """This node's list, re-issued first when it is missing or past half its life.

    Verifiers refuse a chain through this node without a current list, so the node keeps
    one even when it has revoked nothing. Without the passphrase (a read-only node) or an
    authority certificate yet, it serves what it has.
    """
    lists = published_lists(store.conn)
    moment = now() if at is None else at
    newest = parse_revocation_list(lists[-1]) if lists else None
    if newest is not None and newest.nxt is not None and moment < newest.nxt - LIST_LIFETIME // 2:
        return lists
    if passphrase is None:
        return lists
    try:
        issuer, _, _ = keyring.certify_own(store, passphrase, store.node.prefix)
    except (keyring.NotCertified, NotFound):
        return lists
    with store.write() as conn:
        token = _publish(store, conn, issuer, newest.seq + 1 if newest else 1, moment)
    return [token]


def carried_lists(store: Store, passphrase: bytes | None) -> list[str]:
    """What this node's answers carry: its own current list and those of the issuers
    above it, so a bundle can be verified offline under the hard-fail policy."""
    return [*current_lists(store, passphrase), *issuer_lists(store.conn)]


def issuer_lists(conn: sqlite3.Connection) -> list[str]:
    """The lists of the nodes above this one, as last handed over by the parent."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (ISSUER_LISTS_META,)).fetchone()
    return [] if row is None else [str(token) for token in json.loads(row[0])]


def keep_issuer_lists(store: Store, conn: sqlite3.Connection, lists: list[str]) -> None:
    """Store the lists a parent sent with a chain; each must at least parse."""
    for token in lists:
        try:
            parse_revocation_list(token)
        except GlidError as exc:
            raise RevocationRefused(
                f"the parent sent an unreadable revocation list: {exc}"
            ) from exc
    store.set_meta(conn, ISSUER_LISTS_META, json.dumps(lists))


def _publish(store: Store, conn: sqlite3.Connection, issuer: SigningKey, seq: int, at: int) -> str:
    token = make_revocation_list(issuer, store.node.prefix, seq, _entries(conn), issued_at=at)
    store.set_meta(conn, LIST_META, token)
    return token


def _known_kid(conn: sqlite3.Connection, kid: str) -> bool:
    for table in ("keys", "certificates"):
        if conn.execute(f"SELECT 1 FROM {table} WHERE kid = ?", (kid,)).fetchone():
            return True
    return False


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
    if kid is not None and not _known_kid(store.conn, kid):
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
    previous = published_lists(store.conn)
    seq = parse_revocation_list(previous[-1]).seq + 1 if previous else 1
    with store.write() as conn:
        conn.execute(
            "INSERT INTO revocations (kid, prefix, reason, at) VALUES (?, ?, ?, ?)",
            (kid, prefix, reason, iso(moment)),
        )
        token = _publish(store, conn, issuer, seq, now())
        if kid is not None:
            conn.execute(
                "UPDATE keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL",
                (utc_timestamp(), kid),
            )
        store.audit(
            conn, "cli", "revoke", kid or str(prefix), {"reason": reason, "at": moment, "seq": seq}
        )
    return token


def revocation_of(conn: sqlite3.Connection, kid: str, signed_at: int) -> str | None:
    """Why this node's own list voids a signature by ``kid`` made at ``signed_at``, if it does."""
    rows = conn.execute("SELECT reason, at FROM revocations WHERE kid = ?", (kid,)).fetchall()
    for reason, at in rows:
        entry = revoke_key(kid, reason, numeric_date(datetime.fromisoformat(at)))
        if entry.voids(signed_at):
            return entry.describe()
    return None
