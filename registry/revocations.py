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

from registry import keyring
from registry.connection import Connection
from registry.errors import RegistryError
from registry.records import utc_timestamp
from registry.store import Store
from signing.errors import PrefixError
from signing.prefixes import is_within, normalise_prefix
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


def _entries(conn: Connection) -> list[RevocationEntry]:
    rows = conn.execute("SELECT kid, prefix, reason, at FROM revocations ORDER BY id").fetchall()
    out = []
    for kid, prefix, reason, at in rows:
        moment = numeric_date(datetime.fromisoformat(at))
        out.append(
            revoke_key(kid, reason, moment) if kid else revoke_prefix(prefix, reason, moment)
        )
    return out


def published_lists(conn: Connection) -> list[str]:
    """The revocation list(s) this node serves, oldest first (normally exactly one)."""
    rows = conn.execute(
        "SELECT list FROM revocations WHERE list IS NOT NULL GROUP BY list ORDER BY min(id)"
    ).fetchall()
    return [str(row[0]) for row in rows]


def _known_kid(conn: Connection, kid: str) -> bool:
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
        (revocation_id,) = conn.execute(
            "INSERT INTO revocations (kid, prefix, reason, at) VALUES (?, ?, ?, ?) RETURNING id",
            (kid, prefix, reason, iso(moment)),
        ).fetchone()
        token = make_revocation_list(issuer, own, seq, _entries(conn), issued_at=now())
        conn.execute("UPDATE revocations SET list = NULL WHERE list IS NOT NULL")
        conn.execute("UPDATE revocations SET list = ? WHERE id = ?", (token, revocation_id))
        if kid is not None:
            conn.execute(
                "UPDATE keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL",
                (utc_timestamp(), kid),
            )
        store.audit(
            conn, "cli", "revoke", kid or str(prefix), {"reason": reason, "at": moment, "seq": seq}
        )
    return token


def revocation_of(conn: Connection, kid: str, signed_at: int) -> str | None:
    """Why this node's own list voids a signature by ``kid`` made at ``signed_at``, if it does."""
    rows = conn.execute("SELECT reason, at FROM revocations WHERE kid = ?", (kid,)).fetchall()
    for reason, at in rows:
        entry = revoke_key(kid, reason, numeric_date(datetime.fromisoformat(at)))
        if entry.voids(signed_at):
            return entry.describe()
    return None
