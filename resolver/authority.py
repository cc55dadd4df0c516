"""What this node answers from its own store: a record, a referral, or not found.

This is the decision core of the daemon, with no HTTP in it (dnspython's ``_Resolution``
pattern): the native API, the Handle REST adapter and the recursive resolver all ask it
the same question and only differ in how they write the answer down.
"""

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from registry import prefixes, versions
from registry.errors import IdentifierError, NotFound
from registry.identifiers import Identifier
from registry.records import filter_values
from registry.store import Store
from registry.versions import StoredVersion
from signing.record_signature import parse_record_signature

ANSWER_TTL_CAP = 86400


@dataclass(frozen=True, slots=True)
class Found:
    """An authoritative answer: one version of a record and the evidence that signs it."""

    stored: StoredVersion
    authority: str
    chain: list[str]
    values: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ttl(self) -> int:
        ttls = [int(value.get("ttl", ANSWER_TTL_CAP)) for value in self.values]
        return min([ANSWER_TTL_CAP, *ttls])

    def to_json(self) -> dict[str, Any]:
        """The native answer: a verifiable bundle (docs/formats/signing.md) plus status."""
        return {
            "status": "ok",
            "handle": self.stored.handle,
            "version": self.stored.version,
            "created_at": self.stored.created_at,
            "authority": self.authority,
            "ttl": self.ttl,
            "values": self.values,
            "signature": self.stored.signature,
            "chain": self.chain,
        }


@dataclass(frozen=True, slots=True)
class Referral:
    """The identifier lies in a prefix delegated to another node: go there."""

    handle: str
    prefix: str
    site: str
    certificate: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "status": "referral",
            "handle": self.handle,
            "referral": {"prefix": self.prefix, "site": self.site, "chain": self.certificate},
            "ttl": ANSWER_TTL_CAP,
        }


@dataclass(frozen=True, slots=True)
class Missing:
    handle: str
    reason: str
    code: str = "not_found"  # not_found | bad_identifier | deleted | outside

    def to_json(self) -> dict[str, Any]:
        return {"status": self.code, "handle": self.handle, "error": self.reason}


Answer = Found | Referral | Missing


def parse_chain(text: str | None) -> list[str]:
    if not text:
        return []
    chain = json.loads(text)
    return [str(token) for token in chain]


def chain_for_kid(conn: sqlite3.Connection, kid: str) -> list[str]:
    """The certificate chain (top-down) of the key that made a signature."""
    row = conn.execute("SELECT certificate FROM keys WHERE kid = ?", (kid,)).fetchone()
    return [] if row is None else parse_chain(row[0])


class Authority:
    """Answers for one node's store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._chains: dict[str, list[str]] = {}

    def chain(self, signature: str | None) -> list[str]:
        if signature is None:
            return []
        _, claims = parse_record_signature(signature)
        if claims.kid not in self._chains:
            self._chains[claims.kid] = chain_for_kid(self.store.conn, claims.kid)
        return self._chains[claims.kid]

    def forget_chains(self) -> None:
        """Called after `glid accept` or a key rotation changes which chain a key has."""
        self._chains.clear()

    def lookup(
        self,
        text: str,
        *,
        version: int | None = None,
        at: str | None = None,
        indexes: tuple[int, ...] = (),
        types: tuple[str, ...] = (),
    ) -> Answer:
        try:
            identifier = Identifier.from_text(text)
        except IdentifierError as exc:
            return Missing(text, str(exc), "bad_identifier")
        handle = str(identifier)
        zone = prefixes.zone_of(self.store.conn, identifier.prefix)
        if zone is None:
            return Missing(
                handle, f"{identifier.prefix} is not under this node's prefixes", "outside"
            )
        if zone.relation == "delegated":
            if zone.site is None:
                return Missing(handle, f"prefix {zone.prefix} is delegated but has no site yet")
            return Referral(handle, zone.prefix, zone.site, parse_chain(zone.certificate))
        if zone.relation == "parent":
            return Missing(
                handle, f"{identifier.prefix} is not under this node's prefixes", "outside"
            )
        try:
            stored = versions.get(self.store.conn, handle, version=version, at=at)
        except NotFound as exc:
            return Missing(handle, str(exc))
        if stored.deleted and version is None:
            return Missing(handle, f"{handle} was deleted in version {stored.version}", "deleted")
        values = [dict(v) for v in filter_values(stored.values(), indexes=indexes, types=types)]
        return Found(stored, zone.prefix, self.chain(stored.signature), values)
