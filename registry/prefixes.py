"""The prefixes a node answers for, and the ones it has delegated.

A node is authoritative for its own prefix and for the enterprise prefixes it hosts; for a
prefix it has delegated to a node of its own it answers with a referral (the child's site
and certificate), as a DNS parent answers with NS records at a zone cut.
"""

from glid_core.identifiers import Prefix, owner_of
from registry.errors import OutsidePrefix
from registry.store import Tables
from registry.store.prefixes import PrefixEntry


def authoritative(tables: Tables) -> list[Prefix]:
    return [Prefix.from_text(text) for text in tables.prefixes.authoritative()]


def zones(tables: Tables) -> dict[Prefix, PrefixEntry]:
    """Every entry by its prefix: what :func:`zone_in` searches, read once by a caller
    that answers many lookups (the node's authority) rather than once per lookup."""
    return {Prefix.from_text(entry.prefix): entry for entry in tables.prefixes.entries()}


def zone_in(known: dict[Prefix, PrefixEntry], prefix: Prefix) -> PrefixEntry | None:
    """The closest of ``known`` at or above ``prefix``: where its answer comes from."""
    owner = owner_of(prefix, known)
    return None if owner is None else known[owner]


def zone_of(tables: Tables, prefix: Prefix) -> PrefixEntry | None:
    """The closest entry at or above ``prefix`` in the store."""
    return zone_in(zones(tables), prefix)


def require_authoritative(tables: Tables, prefix: Prefix, what: str) -> PrefixEntry:
    """The own or hosted entry that lets this node store ``what``, or OutsidePrefix."""
    entry = zone_of(tables, prefix)
    if entry is None or entry.relation not in ("own", "hosted"):
        served = ", ".join(str(p) for p in authoritative(tables)) or "none"
        where = "" if entry is None else f" ({entry.prefix} is {entry.relation} here)"
        raise OutsidePrefix(
            f"{what} is outside the prefixes this node is authoritative for"
            f" ({served}){where}; register it on the node that holds prefix {prefix}"
        )
    return entry
