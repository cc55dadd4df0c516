"""What this node answers from its own store: a record, a referral, or not found.

This is the decision core of the daemon, with no HTTP in it (dnspython's ``_Resolution``
pattern): the native API, the Handle REST adapter and the recursive resolver all ask it
the same question and only differ in how they write the answer down.
"""

from dataclasses import dataclass, field
from typing import Any

from glid_core.errors import IdentifierError
from glid_core.identifiers import Identifier, Prefix
from registry import prefixes
from registry.errors import DamagedRecord, NotFound
from registry.evidence import chain_for_kid
from registry.keyring import decode_chain
from registry.latest import stored_statement
from registry.records import filter_values
from registry.selfcheck import check_served
from registry.store import Store
from registry.store.prefixes import PrefixEntry
from registry.store.versions import StoredVersion
from signing.record_signature import parse_record_signature

ANSWER_TTL_CAP = 86400


@dataclass(frozen=True, slots=True)
class Found:
    """An authoritative answer: one version of a record and the evidence that signs it."""

    stored: StoredVersion
    authority: str
    chain: list[str]
    values: list[dict[str, Any]] = field(default_factory=list)
    latest: str | None = None  # the node's statement of the id's newest version

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
            **({} if self.latest is None else {"latest": self.latest}),
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
    code: str = "not_found"  # not_found | bad_identifier | deleted | outside | damaged

    def to_json(self) -> dict[str, Any]:
        return {"status": self.code, "handle": self.handle, "error": self.reason}


Answer = Found | Referral | Missing


class Authority:
    """Answers for one node's store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._chains: dict[str, list[str]] = {}
        self._zones: dict[Prefix, PrefixEntry] | None = None
        self._change_mark = -1

    def _check_fresh(self) -> None:
        """Forget the chains and prefix entries once the store changes: `glid accept`,
        `glid keys rotate` or `glid delegate` run by another process change them while the
        daemon runs, and the store's change mark tells when to look again."""
        mark = self.store.change_mark()
        if mark != self._change_mark:
            self._chains.clear()
            self._zones = None
            self._change_mark = mark

    def zone(self, prefix: Prefix) -> PrefixEntry | None:
        """Where the answer for ``prefix`` comes from, from entries read once per change."""
        self._check_fresh()
        if self._zones is None:
            self._zones = prefixes.zones(self.store)
        return prefixes.zone_in(self._zones, prefix)

    def chain(self, signature: str | None) -> list[str]:
        """The chain of the key that made ``signature``, remembered until the store changes."""
        if signature is None:
            return []
        self._check_fresh()
        kid = parse_record_signature(signature)[1].kid  # bounded: one entry per key
        chain = self._chains.get(kid)
        if chain is None:
            chain = self._chains[kid] = chain_for_kid(self.store, kid)
        return chain

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
        zone = self.zone(identifier.prefix)
        if zone is None:
            return Missing(
                handle, f"{identifier.prefix} is not under this node's prefixes", "outside"
            )
        if zone.relation == "delegated":
            if zone.site is None:
                return Missing(handle, f"prefix {zone.prefix} is delegated but has no site yet")
            return Referral(handle, zone.prefix, zone.site, decode_chain(zone.certificate))
        if zone.relation == "parent":
            return Missing(
                handle, f"{identifier.prefix} is not under this node's prefixes", "outside"
            )
        try:
            stored = self.store.versions.get(handle, version=version, at=at)
        except NotFound as exc:
            return Missing(handle, str(exc))
        try:
            check_served(self.store, stored, current=version is None and at is None)
        except DamagedRecord as exc:
            return Missing(handle, str(exc), "damaged")
        if stored.deleted and version is None:
            return Missing(handle, f"{handle} was deleted in version {stored.version}", "deleted")
        try:
            values = [dict(v) for v in filter_values(stored.values(), indexes=indexes, types=types)]
        except DamagedRecord as exc:
            return Missing(handle, f"version {stored.version} of {handle}: {exc}", "damaged")
        kept = stored_statement(self.store, stored.handle)
        latest = None if kept is None else kept.statement
        return Found(stored, zone.prefix, self.chain(stored.signature), values, latest)
