"""The prefixes a node answers for, and the ones it has delegated.

A node is authoritative for its own prefix and for the enterprise prefixes it hosts; for a
prefix it has delegated to a node of its own it answers with a referral (the child's site
and certificate), as a DNS parent answers with NS records at a zone cut.
"""

from dataclasses import dataclass

from registry.connection import Connection
from registry.errors import NotFound, OutsidePrefix
from registry.identifiers import Prefix, owner_of
from registry.records import utc_timestamp


@dataclass(frozen=True, slots=True)
class PrefixEntry:
    prefix: str
    relation: str  # own | hosted | delegated | parent
    site: str | None
    certificate: str | None
    created_at: str


def entries(conn: Connection) -> list[PrefixEntry]:
    rows = conn.execute(
        "SELECT prefix, relation, site, certificate, created_at FROM prefixes ORDER BY prefix"
    ).fetchall()
    return [PrefixEntry(*row) for row in rows]


def find(conn: Connection, prefix: str) -> PrefixEntry:
    row = conn.execute(
        "SELECT prefix, relation, site, certificate, created_at FROM prefixes WHERE prefix = ?",
        (prefix,),
    ).fetchone()
    if row is None:
        raise NotFound(f"prefix {prefix} is not known to this node")
    return PrefixEntry(*row)


def authoritative(conn: Connection) -> list[Prefix]:
    rows = conn.execute(
        "SELECT prefix FROM prefixes WHERE relation IN ('own', 'hosted')"
    ).fetchall()
    return [Prefix.from_text(row[0]) for row in rows]


def zone_of(conn: Connection, prefix: Prefix) -> PrefixEntry | None:
    """The closest entry at or above ``prefix``: where its answer comes from."""
    known = {Prefix.from_text(entry.prefix): entry for entry in entries(conn)}
    owner = owner_of(prefix, known)
    return None if owner is None else known[owner]


def require_authoritative(conn: Connection, prefix: Prefix, what: str) -> PrefixEntry:
    """The own or hosted entry that lets this node store ``what``, or OutsidePrefix."""
    entry = zone_of(conn, prefix)
    if entry is None or entry.relation not in ("own", "hosted"):
        served = ", ".join(str(p) for p in authoritative(conn)) or "none"
        where = "" if entry is None else f" ({entry.prefix} is {entry.relation} here)"
        raise OutsidePrefix(
            f"{what} is outside the prefixes this node is authoritative for"
            f" ({served}){where}; register it on the node that holds prefix {prefix}"
        )
    return entry


def put(
    conn: Connection,
    prefix: str,
    relation: str,
    *,
    site: str | None = None,
    certificate: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO prefixes (prefix, relation, site, certificate, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (prefix) DO UPDATE SET relation = excluded.relation,"
        " site = coalesce(excluded.site, prefixes.site),"
        " certificate = coalesce(excluded.certificate, prefixes.certificate)",
        (prefix, relation, site, certificate, utc_timestamp()),
    )
