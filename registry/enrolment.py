"""Delegation requests submitted over the network, waiting for the parent operator.

A child node posts its delegation-request.json (prefix, public key, proof of possession) to
its parent; the proof shows the sender holds the key, and the request only ever asks for a
certificate for that same key, so nothing else needs to be secret. The parent's operator
approves (which runs the ordinary offline delegation) or rejects it; the child then fetches
its certificate chain. A prefix that is already delegated cannot be asked for again.

A pending request holds its prefix until the operator decides it or it expires
(PENDING_DAYS after it arrived): anyone may post a request, so a second one for the same
prefix replaces the first only if it proves the same key (the child resending, perhaps with
a new site). Otherwise whoever posted first could be silently displaced by anyone.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from registry import delegation
from registry.errors import Conflict, NotFound, RegistryError
from registry.store import Store
from registry.store.delegations import RequestRow
from signing.certificates import DELEGATE, SIGN, check_delegation_request, require_issuable

PENDING_DAYS = 7


class EnrolmentRefused(RegistryError, ValueError):
    """The delegation request cannot be accepted or decided."""


class RequestPending(Conflict):
    """Another key's request for this prefix is waiting for the operator."""


def _expired(received_at: str, now: datetime) -> bool:
    received = datetime.strptime(received_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return now - received > timedelta(days=PENDING_DAYS)


@dataclass(frozen=True, slots=True)
class PendingRequest:
    prefix: str
    kid: str
    site: str | None
    state: str
    received_at: str
    reason: str | None
    chain: list[str] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "kid": self.kid,
            "site": self.site,
            "state": self.state,
            "received_at": self.received_at,
            "reason": self.reason,
            "chain": self.chain,
        }


def submit(store: Store, request: Any, site: str | None) -> PendingRequest:
    """Record a child's request as pending; refuses bad proofs and foreign prefixes."""
    if not isinstance(request, dict):
        raise EnrolmentRefused("a delegation request is a JSON object (delegation-request.json)")
    checked = check_delegation_request(request)
    require_issuable(store.node.prefix, checked.prefix, [DELEGATE, SIGN])
    if site is not None and not site.startswith(("http://", "https://")):
        raise EnrolmentRefused(f"site {site!r} must be an http:// or https:// URL")
    try:
        existing = store.prefixes.find(checked.prefix)
    except NotFound:
        existing = None
    if existing is not None:
        raise EnrolmentRefused(f"prefix {checked.prefix} is already {existing.relation} here")
    _require_replaceable(store, checked.prefix, checked.key.kid)
    with store.write() as tx:
        tx.delegations.submit(checked.prefix, json.dumps(request), site)
        tx.audit.add("network", "delegation request", checked.prefix, {"kid": checked.key.kid})
    return get(store, checked.prefix)


def _require_replaceable(store: Store, prefix: str, kid: str) -> None:
    try:
        held = get(store, prefix)
    except NotFound:
        return
    if (
        held.state == "pending"
        and held.kid != kid
        and not _expired(held.received_at, datetime.now(UTC))
    ):
        raise RequestPending(
            f"a request for prefix {prefix} by key {held.kid} has been waiting since"
            f" {held.received_at}; it holds the prefix until this node's operator decides it"
            f" or it expires after {PENDING_DAYS} days. Resend with the same key to update it."
        )


def get(store: Store, prefix: str) -> PendingRequest:
    return _pending(_row(store, prefix))


def _row(store: Store, prefix: str) -> RequestRow:
    row = store.delegations.get(prefix)
    if row is None:
        raise NotFound(f"no delegation request for prefix {prefix} on this node")
    return row


def _pending(row: RequestRow) -> PendingRequest:
    kid = check_delegation_request(json.loads(row.request)).key.kid
    chain = None if row.chain is None else json.loads(row.chain)
    return PendingRequest(row.prefix, kid, row.site, row.state, row.received_at, row.reason, chain)


def pending(store: Store) -> list[PendingRequest]:
    return [_pending(row) for row in store.delegations.all()]


def approve(store: Store, passphrase: bytes, prefix: str, *, valid_days: int = 365) -> list[str]:
    row = _row(store, prefix)
    if row.state != "pending":
        raise EnrolmentRefused(f"the request for {prefix} is already {row.state}")
    chain = delegation.delegate(
        store, passphrase, json.loads(row.request), site=row.site, valid_days=valid_days
    )
    _decide(store, prefix, "approved", None, chain)
    return chain


def reject(store: Store, prefix: str, reason: str) -> None:
    entry = get(store, prefix)
    if entry.state != "pending":
        raise EnrolmentRefused(f"the request for {prefix} is already {entry.state}")
    if not reason.strip():
        raise EnrolmentRefused("a rejection needs a reason the requester can act on")
    _decide(store, prefix, "rejected", reason, None)


def _decide(
    store: Store, prefix: str, state: str, reason: str | None, chain: list[str] | None
) -> None:
    with store.write() as tx:
        tx.delegations.decide(prefix, state, reason, None if chain is None else json.dumps(chain))
        tx.audit.add("cli", f"delegation {state}", prefix, {"reason": reason})
