"""Templates between nodes: proposals sent up to the reviewer, registrations sent to the top.

Two exchanges carry the review of docs/formats/templates.md §5 across the network:

* an enterprise proposes an extension to its reviewer (its secondary node) as an admin
  identity of that node (:func:`accept_proposal`; the HTTP layer authenticates and
  authorises the identity first);
* a node registers a template at the top node with a document signed by its own
  authority key and carrying its certificate chain and revocation list
  (:func:`registration_for` on the sender, :func:`accept_registration` at the top). The
  top is its own trust anchor, so it needs no key but its own to check the chain. Only an
  authority key (certified with ``delegate``, so never a working or device key) speaks for
  a node here, and its chain must be unrevoked by the top's own revocations and by a
  current list from every other issuer in it.

A registration signed by the template's reviewer is that reviewer's approval, so the top
publishes it at once (review: approve, then publish at the top). A registration of a
template the top reviews itself (an industry template) is stored as proposed, because the
top operator's decision cannot be taken by the sender's signature.
"""

from dataclasses import dataclass
from typing import Any

from glid_core.identifiers import is_within
from registry import delegation, keyring, revocations
from registry.errors import RegistryError, Unauthorised
from registry.store import Store
from registry.template_catalog import CatalogEntry, TemplateCatalog
from signing.certificates import Certificate, TrustAnchor
from signing.chain import (
    ChainVerdict,
    Signer,
    check_chain,
    freshness_problems,
    revocation_failure,
    validity_failure,
)
from signing.errors import SignatureError
from signing.jws import check_signature
from signing.keys import VerifyKey
from signing.template_registration import check_body, parse_registration, sign_registration
from signing.timestamps import iso, now
from templates_meta import review as rules
from templates_meta.errors import NotReviewer
from templates_meta.model import Template, parse_template
from templates_meta.review import ReviewState

REGISTRATION_FORMAT = "glid-template-registration-v1"
CLOCK_SKEW = 300
"""Seconds a registration's iat may differ from the top node's clock."""


class ExchangeRefused(RegistryError, ValueError):
    """The template cannot be proposed or registered on this node."""


class NotRegistrable(ExchangeRefused):
    """This node cannot register that template upward in its present state."""


class StaleRegistration(ExchangeRefused):
    """A registration's signing time is too far from the top node's clock; sign it again."""


class UnknownSigner(Unauthorised):
    """The registration is not signed by the key its certificate chain certifies."""


class ChainRefused(Unauthorised):
    """The registration's certificate chain does not lead to this top node's key."""


class NotAuthority(Unauthorised):
    """Only a node's authority key, certified with 'delegate', registers templates."""


class OutsideSigner(Unauthorised):
    """The template lies outside the prefix its signer's certificate covers."""


# --- enterprise → reviewer -----------------------------------------------------------------


def accept_proposal(catalog: TemplateCatalog, template: Template, actor: str) -> CatalogEntry:
    """Store a proposal sent to this node, which must be the template's reviewer."""
    review = rules.propose(template, catalog.top)
    if review.reviewer != catalog.prefix:
        raise NotReviewer(
            f"node {catalog.prefix} does not decide on {template.ref}: the {template.layer}"
            f" template of {template.prefix} is decided by node {review.reviewer}; propose"
            " it there"
        )
    return catalog.propose(template, actor)


# --- sender → top --------------------------------------------------------------------------


def registration_for(
    store: Store, catalog: TemplateCatalog, passphrase: bytes, ref: str
) -> dict[str, Any]:
    """The registration document this node sends the top node for the template ``ref``."""
    entry = catalog.get(ref)
    _require_registrable(entry, store.node.prefix, store.node.role)
    chain = delegation.own_chain(store)
    authority = keyring.active_key(store, store.node.prefix)
    key = keyring.load_private(store, authority, passphrase)
    token = sign_registration(key, entry.ref, entry.template.canonical_bytes())
    return {
        "format": REGISTRATION_FORMAT,
        "template": entry.template.to_json(),
        "signature": token,
        "chain": chain,
        "revocations": revocations.refresh(store, passphrase),
    }


def _require_registrable(entry: CatalogEntry, prefix: str, role: str) -> None:
    review = entry.review
    if role == "top":
        raise NotRegistrable(
            f"node {prefix} is the top node: it publishes {entry.ref} with"
            " `glid template approve`, not by registering it upward"
        )
    if not is_within(entry.template.prefix, prefix):
        raise NotRegistrable(
            f"{entry.ref} lies under {entry.template.prefix}, outside this node's prefix"
            f" {prefix}; the node holding {entry.template.prefix} registers it"
        )
    if review.state is ReviewState.REJECTED:
        raise NotRegistrable(
            f"{entry.ref} was rejected here ({review.reason}); propose a corrected new version"
        )
    if review.reviewer == prefix:
        if review.state is ReviewState.PROPOSED:
            raise NotRegistrable(
                f"{entry.ref} is still proposed; approve it with `glid template approve"
                f" {entry.ref}` before registering it upward"
            )
    elif review.reviewer != review.top:
        raise NotRegistrable(
            f"{entry.ref} is decided by node {review.reviewer}; that node registers it upward"
        )


def record_answer(catalog: TemplateCatalog, template: Template, answer: Any) -> CatalogEntry:
    """Take the top node's answer to a registration: once the top has published the
    template, it is published here too; otherwise the local entry stays as it is."""
    if (
        isinstance(answer, dict)
        and answer.get("ref") == template.ref
        and answer.get("state") == str(ReviewState.PUBLISHED)
    ):
        return catalog.record_published(template, f"top node {catalog.top}")
    return catalog.get(template.ref)


# --- at the top ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Registration:
    """A registration whose signature, chain, digest and prefix have been checked."""

    template: Template
    signer: str
    """The prefix of the node that signed it: its certificate chain's leaf subject."""
    kid: str


def check_registration(store: Store, document: Any, at: int | None = None) -> Registration:
    """Verify a registration document against this top node's own key, refusing anything
    that does not prove who sent it and exactly which body they sent."""
    node = store.node
    if node.role != "top":
        raise ExchangeRefused(
            f"node {node.prefix} is not the top node; register templates at the top node"
        )
    template, token, chain, lists = _fields(document)
    parsed, claims = parse_registration(token)
    moment = now() if at is None else at
    if abs(moment - claims.iat) > CLOCK_SKEW:
        raise StaleRegistration(
            f"the registration of {claims.ref} was signed at {iso(claims.iat)}, more than"
            f" {CLOCK_SKEW} s from this node's clock ({iso(moment)}); check the clock and"
            " register it again"
        )
    if not chain:
        raise UnknownSigner(
            f"the registration of {claims.ref} carries no certificate chain, so key"
            f" {claims.kid} is unknown here; send the chain of the signing node's key"
        )
    own = VerifyKey.from_jwk(keyring.active_key(store, node.prefix).jwk)
    verdict = check_chain(
        TrustAnchor(node.prefix, own), chain, [*store.revocations.published(), *lists]
    )
    signer = _signer(verdict, claims.ref, claims.iat, moment, node.prefix)
    if claims.kid != signer.key.kid:
        raise UnknownSigner(
            f"the registration of {claims.ref} is signed by key {claims.kid}, but its chain"
            f" certifies key {signer.key.kid} of {signer.sub}"
        )
    try:
        check_signature(parsed, signer.key)
    except SignatureError as exc:
        raise UnknownSigner(
            f"the registration of {claims.ref} does not verify with key {signer.key.kid} of"
            f" {signer.sub}: {exc}"
        ) from exc
    check_body(claims, template.ref, template.canonical_bytes())
    if not is_within(template.prefix, signer.pfx):
        raise OutsideSigner(
            f"{template.ref} lies under {template.prefix}, outside {signer.pfx}, the prefix"
            f" the certificate of its signer {signer.sub} covers"
        )
    return Registration(template, signer.sub, signer.key.kid)


def accept_registration(
    store: Store, catalog: TemplateCatalog, document: Any, at: int | None = None
) -> CatalogEntry:
    """Check a registration and store its template: published when its reviewer signed
    it, proposed when the top reviews it itself. Refusals store nothing."""
    registration = check_registration(store, document, at)
    template = registration.template
    review = rules.propose(template, catalog.top)
    actor = f"node {registration.signer} (key {registration.kid})"
    if review.reviewer == registration.signer:
        return catalog.record_published(template, actor)
    if review.reviewer == catalog.prefix:
        return catalog.propose(template, actor)
    raise NotReviewer(
        f"node {registration.signer} may not register {template.ref}: the {template.layer}"
        f" template of {template.prefix} is decided by node {review.reviewer}, which"
        " registers it"
    )


def _fields(document: Any) -> tuple[Template, str, list[str], list[str]]:
    if not isinstance(document, dict) or document.get("format") != REGISTRATION_FORMAT:
        raise ExchangeRefused(
            f'a template registration is a JSON object with "format": "{REGISTRATION_FORMAT}"'
        )
    body, token, chain = (document.get(k) for k in ("template", "signature", "chain"))
    lists = document.get("revocations", [])
    if not isinstance(body, dict):
        raise ExchangeRefused("a template registration needs the template document in template")
    if not isinstance(token, str):
        raise ExchangeRefused("a template registration needs its compact JWS in signature")
    if not isinstance(chain, list) or not all(isinstance(t, str) for t in chain):
        raise ExchangeRefused("a template registration's chain is a list of certificate JWS")
    if not isinstance(lists, list) or not all(isinstance(t, str) for t in lists):
        raise ExchangeRefused("a template registration's revocations are a list of list JWS")
    return parse_template(body), token, chain, lists


def _signer(verdict: ChainVerdict, ref: str, signed_at: int, moment: int, top: str) -> Certificate:
    """The leaf certificate of a chain that verified, names an authority key, was valid
    and unrevoked at signing, with a current list from every issuer but this top node
    (whose own revocations are read from its store)."""
    failure = verdict.failure or validity_failure(
        verdict, ((signed_at, len(verdict.certificates), "when the registration was signed"),)
    )
    failure = failure or revocation_failure(verdict, signed_at, moment)
    if failure is not None:
        raise ChainRefused(
            f"the certificate chain of the registration of {ref} does not lead to this"
            f" node's key: {failure.name}: {failure.detail}"
        )
    leaf: Signer = verdict.signers[-1]
    if not leaf.is_authority or leaf.certificate is None:
        raise NotAuthority(
            f"the registration of {ref} is signed by {leaf.description}, which is not a"
            " node's authority key (certified with 'delegate'); working and device keys"
            " cannot register templates"
        )
    stale = freshness_problems(verdict, moment, exempt=top)
    if stale:
        raise ChainRefused(
            f"the registration of {ref} cannot be checked for revocation: {'; '.join(stale)};"
            " send the current revocation list of every issuer in the chain"
        )
    return leaf.certificate
