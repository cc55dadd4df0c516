"""Who is writing, and may they write there: the rules behind every authenticated write.

Writes carry one of two credentials (docs/protocol/auth.md); the HTTP adapters only read
them out of the ``Authorization`` header and hand them here:

* an admin identity ``300:PREFIX/SUFFIX`` and its secret (Handle-style Basic auth), which
  the node keeps only as an scrypt hash;
* an Ed25519 signed request, made with the key whose public JWK the node holds for the
  identity. The signature covers the method, the path with its query, the timestamp, the
  nonce and the SHA-256 of the body; a request is accepted within ±300 s of its timestamp
  and only once (its nonce is remembered in the store by :mod:`registry.replay`).

Every failed check of a named identity (unknown, wrong secret, wrong key, bad signature)
gets the same answer, :data:`REFUSED`, so that nobody learns from it which identities
exist; the precise reason goes to the ``glid.auth`` log (never a secret).

An identity writes only under its own prefix (:func:`authorise`); nothing else is ever
authorised. The slow scrypt check runs once per identity and secret: a verified pair is
remembered, keyed by the stored hash too, so a changed secret takes effect at once.
"""

import hashlib
import hmac
import logging
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glid_core.identifiers import Identifier, Prefix
from registry import principals, replay
from registry.errors import NotFound, Unauthenticated, Unauthorised
from registry.prefixes import require_authoritative, zone_of
from registry.store import Store
from registry.store.principals import Principal
from signing.errors import KeyFormatError, SignatureError
from signing.keys import VerifyKey

SIGNING_LABEL = "GLID-ED25519-V1"
CLOCK_SKEW = 300  # seconds a signed request may be early or late
_VERIFIED_LIMIT = 1024
log = logging.getLogger("glid.auth")


class CredentialsNeeded(Unauthenticated):
    """The request carries no credentials in a scheme this node accepts."""


class BadCredentials(Unauthenticated):
    """The credentials do not prove the admin identity they name."""


REFUSED = (
    "authentication failed: the identity is unknown or its secret, key or signature does not"
    " match; check the identity and its credentials (the node's log says which)"
)


def _refused(identity: str, detail: str) -> BadCredentials:
    """One answer for every failed check of a named identity, so that nobody learns from it
    which identities exist; the operator's log keeps the precise reason (never a secret)."""
    log.warning("authentication of %s failed: %s", identity[:200], detail)
    return BadCredentials(REFUSED)


class StaleRequest(BadCredentials):
    """A signed request's timestamp is outside the accepted window; check the clock."""


class BadPrincipal(BadCredentials, ValueError):
    """An admin identity cannot be enrolled with the credentials given."""


# --- secrets -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SecretClaim:
    """An identity, its stored scrypt hash and the secret offered; :meth:`check` is slow."""

    principal: Principal
    secret_hash: str
    secret: str

    def _cache_key(self) -> tuple[str, str, bytes]:
        digest = hmac.digest(_CACHE_KEY, self.secret.encode(), hashlib.sha256)
        return self.principal.identity, self.secret_hash, digest

    def already_checked(self) -> bool:
        """True when this exact identity, stored hash and secret verified before."""
        key = self._cache_key()
        if key in _verified:
            _verified.move_to_end(key)
            return True
        return False

    def check(self) -> Principal:
        """Run scrypt (tens of milliseconds, on purpose); remember a match."""
        if not principals.check_secret(self.secret, self.secret_hash):
            raise _refused(self.principal.identity, "wrong secret")
        _verified[self._cache_key()] = None
        if len(_verified) > _VERIFIED_LIMIT:
            _verified.popitem(last=False)
        return self.principal


_verified: OrderedDict[tuple[str, str, bytes], None] = OrderedDict()  # an LRU set
# Secrets are remembered only as HMACs under a key made fresh by each process: a memory dump
# holds nothing a precomputed table or another node's dump could match.
_CACHE_KEY = secrets.token_bytes(32)


def claim_secret(store: Store, identity: str, secret: str) -> SecretClaim:
    """The claim to check for ``identity``; refuses unknown identities and keyless ones."""
    principal = known_principal(store, identity)
    if principal.secret_hash is None:
        raise _refused(principal.identity, "it has no secret; it must sign its requests")
    return SecretClaim(principal, principal.secret_hash, secret)


def known_principal(store: Store, identity: str) -> Principal:
    try:
        return principals.get(store, identity)
    except (NotFound, principals.BadIdentity) as exc:
        raise _refused(identity, f"unknown admin identity ({exc})") from exc


# --- signed requests -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The claims of a signed request, as its header carries them."""

    identity: str
    kid: str
    ts: int
    nonce: str
    sig: bytes


def signing_input(
    method: str, path: str, identity: str, kid: str, ts: int, nonce: str, body: bytes
) -> bytes:
    """The exact bytes a signed request's signature covers (docs/protocol/auth.md)."""
    lines = (
        SIGNING_LABEL,
        method.upper(),
        path,
        identity,
        kid,
        str(ts),
        nonce,
        hashlib.sha256(body).hexdigest(),
    )
    return "\n".join(lines).encode()


def verify_signed(
    store: Store,
    signed: SignedRequest,
    method: str,
    path: str,
    body: bytes,
    now: int,
) -> Principal:
    """The principal a signed request proves, checked against the store; reads only. The
    caller then records its nonce with :func:`remember_nonce`, which writes."""
    if abs(now - signed.ts) > CLOCK_SKEW:
        raise StaleRequest(
            f"signed request timestamp {signed.ts} is {now - signed.ts:+d} s from the node's"
            f" clock ({now}); requests are accepted within ±{CLOCK_SKEW} s, check the clock"
        )
    principal = known_principal(store, signed.identity)
    if principal.public_jwk is None:
        raise _refused(
            principal.identity, "it has no public key; enrol one with `glid admin add --jwk`"
        )
    try:
        key = VerifyKey.from_jwk(principal.public_jwk)
    except KeyFormatError as exc:
        raise _refused(principal.identity, f"its stored key is unusable: {exc}") from exc
    if signed.kid != key.kid:
        raise _refused(
            principal.identity, f"kid {signed.kid[:80]!r} is not its enrolled key {key.kid}"
        )
    message = signing_input(
        method, path, signed.identity, signed.kid, signed.ts, signed.nonce, body
    )
    try:
        key.verify(message, signed.sig)
    except SignatureError as exc:
        raise _refused(
            principal.identity,
            "the signed request does not verify: it was altered or signed over a different"
            f" method, path, time, nonce or body ({exc})",
        ) from exc
    return principal


def remember_nonce(store: Store, principal: Principal, signed: SignedRequest, now: int) -> None:
    """Record a verified request's nonce, or ReplayedNonce if it was used before: run it
    after :func:`verify_signed`, on the connection that makes the node's writes."""
    with store.write() as tx:
        replay.remember(
            tx, principal.identity, signed.nonce, expires_at=signed.ts + CLOCK_SKEW, now=now
        )


# --- authorisation and enrolment -----------------------------------------------------------


def authorise(principal: Principal, target: Identifier | Prefix) -> None:
    """Refuse unless ``target`` (an identifier, or a prefix to list) lies under the
    principal's own prefix."""
    if not target.is_under(principal.zone):
        raise Unauthorised(
            f"{principal.identity} may write only under prefix {principal.prefix}, not {target}"
        )


def enrol(
    store: Store,
    identity: str,
    *,
    secret: str | None = None,
    public_jwk: Mapping[str, Any] | None = None,
) -> Principal:
    """Add or replace an admin identity of this node, with a secret, a public key or both.

    The identity's prefix is one this node holds (own or hosted) or a child prefix it
    delegated to a node of its own.
    """
    if not secret and public_jwk is None:
        raise BadPrincipal(f"{identity} needs a non-empty secret or a public JWK")
    jwk = None
    if public_jwk is not None:
        try:
            jwk = VerifyKey.from_jwk(public_jwk).to_jwk()
        except KeyFormatError as exc:
            raise BadPrincipal(f"the JWK for {identity} is not usable: {exc}") from exc
    _, handle = principals.parse_identity(identity)
    zone = zone_of(store, handle.prefix)
    # A child node running on its own may hold an identity here, to propose templates to
    # this node (its reviewer); record writes for its prefix are still refused here.
    if zone is None or zone.relation != "delegated" or zone.prefix != str(handle.prefix):
        require_authoritative(store, handle.prefix, f"admin identity {identity}")
    with store.write() as tx:
        return principals.add(tx, identity, secret=secret or None, public_jwk=jwk)
