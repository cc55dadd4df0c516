"""Delegating prefixes down the tree, offline like a CSR, or by hosting.

A parent certifies a child's key for exactly one prefix directly under its own; the
certificate file it hands back carries the whole chain from the top node down, so the
child can present it with every answer. A secondary node may instead *host* an enterprise
prefix: it makes and keeps the enterprise's key itself and answers for that prefix.
"""

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from glid_core.identifiers import Prefix
from registry import admin_handles, keyring, principals, revocations
from registry.errors import RegistryError
from registry.node import REQUEST_FILE
from registry.store import Store
from signing.certificates import (
    DELEGATE,
    SIGN,
    check_delegation_request,
    issue_certificate,
    parse_certificate,
    require_issuable,
)
from signing.keys import SigningKey, VerifyKey

CHAIN_FORMAT = "glid-chain-v1"


class DelegationRefused(RegistryError, ValueError):
    """The delegation cannot be made or installed."""


@dataclass(frozen=True, slots=True)
class Hosted:
    prefix: str
    kid: str
    admin_identity: str
    admin_secret: str


def own_chain(store: Store) -> list[str]:
    """The certificate chain of this node's active key, top-down ([] at the top node)."""
    entry = keyring.active_key(store, store.node.prefix)
    if entry.certificate is None:
        if store.node.role == "top":
            return []
        raise DelegationRefused(
            f"node {store.node.prefix} has no certificate yet: send DIR/delegation-request.json"
            " to the parent and install its answer with `glid accept`"
        )
    return [str(token) for token in json.loads(entry.certificate)]


def chain_document(chain: list[str], revocations: list[str] | None = None) -> dict[str, Any]:
    """The file a parent hands a child: its chain and, when known, the revocation lists of
    the parent and the nodes above it, which the child's answers then carry."""
    document: dict[str, Any] = {"format": CHAIN_FORMAT, "chain": chain}
    if revocations is not None:
        document["revocations"] = revocations
    return document


def _certify(
    store: Store, passphrase: bytes, subject: str, subject_key: VerifyKey, valid_days: int
) -> list[str]:
    parent = store.node.prefix
    require_issuable(parent, subject, [DELEGATE, SIGN])
    issuer_entry = keyring.active_key(store, parent)
    issuer_key = keyring.load_private(store, issuer_entry, passphrase)
    start, end = keyring.validity_under(issuer_entry, timedelta(days=valid_days))
    token = issue_certificate(
        issuer_key,
        issuer=parent,
        subject=subject,
        subject_key=subject_key,
        perms=[DELEGATE, SIGN],
        valid_from=start,
        valid_until=end,
    )
    return [*own_chain(store), token]


def delegate(
    store: Store,
    passphrase: bytes,
    request: dict[str, Any],
    *,
    site: str | None = None,
    valid_days: int = 365,
) -> list[str]:
    """Certify a child from its delegation request; returns the child's full chain."""
    checked = check_delegation_request(request)
    chain = _certify(store, passphrase, checked.prefix, checked.key, valid_days)
    with store.write() as tx:
        keyring.record_certificate(tx, chain[-1])
        tx.prefixes.put(checked.prefix, "delegated", site=site, certificate=json.dumps(chain))
        tx.audit.add("cli", "delegate", checked.prefix, {"kid": checked.key.kid, "site": site})
    return chain


def delegate_locally(parent: Path, child: Path, passphrase: bytes) -> list[str]:
    """The whole offline handoff between two node directories on one machine: the parent
    certifies the child's delegation-request.json and the child installs the chain, as the
    two operators would with `glid delegate` and `glid accept`."""
    request = json.loads((child / REQUEST_FILE).read_text())
    with Store.open(parent) as store:
        chain = delegate(store, passphrase, request)
        revocations.refresh(store, passphrase)
        lists = revocations.carried_lists(store)
    with Store.open(child) as store:
        accept(store, chain_document(chain, lists))
    return chain


def set_site(store: Store, prefix: str, site: str) -> None:
    """Record where a delegated child's node can be reached (its referral target)."""
    entry = store.prefixes.find(Prefix.from_text(prefix).to_text())
    if entry.relation != "delegated":
        raise DelegationRefused(f"prefix {prefix} is {entry.relation} here, not delegated")
    with store.write() as tx:
        tx.prefixes.put(entry.prefix, "delegated", site=site)
        tx.audit.add("cli", "set-site", entry.prefix, {"site": site})


def accept(store: Store, document: dict[str, Any]) -> str:
    """Install the chain a parent issued for this node's key; returns the key id."""
    chain = document.get("chain") if isinstance(document, dict) else None
    if document.get("format") != CHAIN_FORMAT or not isinstance(chain, list) or not chain:
        raise DelegationRefused(f"not a certificate chain file (format {CHAIN_FORMAT})")
    lists = document.get("revocations", [])
    if not isinstance(lists, list) or not all(isinstance(token, str) for token in lists):
        raise DelegationRefused("revocations in a chain file must be a list of list JWS")
    leaf = parse_certificate(chain[-1])
    entry = keyring.active_key(store, store.node.prefix)
    if leaf.sub != store.node.prefix:
        raise DelegationRefused(
            f"the certificate is for prefix {leaf.sub}, but this node holds {store.node.prefix}"
        )
    if leaf.key != VerifyKey.from_jwk(entry.jwk):
        raise DelegationRefused(
            f"the certificate certifies key {leaf.key.kid}, not this node's key {entry.kid}"
        )
    with store.write() as tx:
        tx.keys.set_certificate(entry.kid, json.dumps(chain))
        keyring.record_certificate(tx, chain[-1])
        if lists:
            revocations.keep_issuer_lists(tx, lists)
        parent = Prefix.from_text(store.node.prefix).parent()
        if parent is not None:
            tx.prefixes.put(str(parent), "parent")
        tx.audit.add("cli", "accept", store.node.prefix, {"kid": entry.kid})
    return entry.kid


def host(store: Store, passphrase: bytes, prefix: str, *, valid_days: int = 365) -> Hosted:
    """Host an enterprise prefix here: a key for it, certified by this node, and an admin."""
    hosted = Prefix.from_text(prefix).to_text()
    key = SigningKey.generate()
    chain = _certify(store, passphrase, hosted, key.verify_key, valid_days)
    identity, secret = f"300:{hosted}/admin", secrets.token_urlsafe(24)
    with store.write() as tx:
        keyring.add_key(store, tx, key, passphrase, prefix=hosted)
        tx.keys.set_certificate(key.kid, json.dumps(chain))
        keyring.record_certificate(tx, chain[-1])
        tx.prefixes.put(hosted, "hosted")
        principals.add(tx, identity, secret=secret)
        tx.audit.add("cli", "host", hosted, {"kid": key.kid})
    admin_handles.publish(store, passphrase, identity)
    return Hosted(hosted, key.kid, identity, secret)
