"""Who is writing, and may they write there.

Writes carry one of two credentials (docs/protocol/auth.md):

* Handle-style Basic auth: the user name is an admin identity ``300:PREFIX/SUFFIX``
  (percent-encoded, as Handle clients send it) and the password its secret, which the
  node keeps only as an scrypt hash;
* an Ed25519 signed request, ``Authorization: Glid-Ed25519 identity=..., kid=..., ts=...,
  nonce=..., sig=...``, signed with the key whose public JWK the node holds for the
  identity. The signature covers the method, the path with its query, the timestamp, the
  nonce and the SHA-256 of the body; a request is accepted within ±300 s of its timestamp
  and only once (its nonce is remembered in the store by :mod:`registry.replay`).

An identity writes only under its own prefix (:func:`authorise`); nothing else is ever
authorised. The slow scrypt check runs once per identity and secret: a verified pair is
remembered, keyed by the stored hash too, so a changed secret takes effect at once.
"""

import asyncio
import base64
import binascii
import hashlib
import logging
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web

from glid_core.identifiers import Identifier, Prefix
from registry import principals, replay
from registry.errors import NotFound, Unauthenticated, Unauthorised
from registry.prefixes import require_authoritative, zone_of
from registry.store import Store
from registry.store.principals import Principal
from resolver.limits import LIMITS
from resolver.state import STORE
from resolver.wire import read_raw
from signing.b64 import b64url_decode, b64url_encode
from signing.errors import Base64Error, KeyFormatError, SignatureError
from signing.keys import SigningKey, VerifyKey

SIGNED_SCHEME = "Glid-Ed25519"
SIGNING_LABEL = "GLID-ED25519-V1"
CLOCK_SKEW = 300  # seconds a signed request may be early or late
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_SIGNED_PARAMS = ("identity", "kid", "ts", "nonce", "sig")
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


# --- Basic ---------------------------------------------------------------------------------

_verified: OrderedDict[tuple[str, str, bytes], Principal] = OrderedDict()


def _basic_credentials(encoded: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise BadCredentials("the Authorization header is not valid Basic credentials") from exc
    user, sep, secret = decoded.partition(":")
    if not sep:
        raise BadCredentials("Basic credentials need user:password")
    # The identity itself contains ":" (300:PREFIX/SUFFIX); Handle clients percent-encode it.
    if user.isascii() and user.isdigit():  # sent unencoded: "300:88.101.7/admin:secret"
        handle, _, secret = secret.partition(":")
        user = f"{user}:{handle}"
    return unquote(user), secret


def _known_principal(store: Store, identity: str) -> Principal:
    try:
        return principals.get(store, identity)
    except (NotFound, principals.BadIdentity) as exc:
        raise _refused(identity, f"unknown admin identity ({exc})") from exc


async def _basic(store: Store, encoded: str) -> Principal:
    identity, secret = _basic_credentials(encoded)
    principal = _known_principal(store, identity)
    if principal.secret_hash is None:
        raise _refused(principal.identity, "it has no secret; it must sign its requests")
    cache_key = (
        principal.identity,
        principal.secret_hash,
        hashlib.sha256(secret.encode()).digest(),
    )
    if cache_key in _verified:
        _verified.move_to_end(cache_key)
        return principal
    # scrypt is slow on purpose; keep the event loop serving others meanwhile.
    if not await asyncio.to_thread(principals.check_secret, secret, principal.secret_hash):
        raise _refused(principal.identity, "wrong secret")
    _verified[cache_key] = principal
    if len(_verified) > _VERIFIED_LIMIT:
        _verified.popitem(last=False)
    return principal


# --- signed requests -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedHeader:
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
    return "\n".join(lines).encode("utf-8")


def sign_request(
    key: SigningKey,
    identity: str,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    ts: int | None = None,
    nonce: str | None = None,
) -> str:
    """The Authorization header value for a signed request (the client side of the scheme).

    ``path`` is the request target exactly as sent: path and query, percent-encoded.
    """
    ts = int(time.time()) if ts is None else ts
    nonce = secrets.token_urlsafe(24) if nonce is None else nonce
    message = signing_input(method, path, identity, key.kid, ts, nonce, body)
    signature = b64url_encode(key.sign(message))
    return (
        f"{SIGNED_SCHEME} identity={quote(identity, safe='')}, kid={key.kid}, ts={ts},"
        f" nonce={nonce}, sig={signature}"
    )


def parse_signed_header(params: str) -> SignedHeader:
    """Read ``identity=..., kid=..., ts=..., nonce=..., sig=...`` (values may be quoted)."""
    found: dict[str, str] = {}
    for part in params.split(","):
        name, sep, value = part.strip().partition("=")
        name = name.strip().lower()
        if not sep or name not in _SIGNED_PARAMS:
            raise BadCredentials(
                f"{SIGNED_SCHEME} parameter {name[:40]!r} is not one of {', '.join(_SIGNED_PARAMS)}"
            )
        if name in found:
            raise BadCredentials(f"{SIGNED_SCHEME} parameter {name} appears twice")
        found[name] = value.strip().strip('"')
    missing = [name for name in _SIGNED_PARAMS if name not in found]
    if missing:
        raise BadCredentials(f"{SIGNED_SCHEME} header lacks {', '.join(missing)}")
    if not (found["ts"].isascii() and found["ts"].isdigit() and len(found["ts"]) <= 19):
        raise BadCredentials(f"ts must be Unix seconds, got {found['ts'][:20]!r}")
    if _NONCE.fullmatch(found["nonce"]) is None:
        raise BadCredentials("nonce must be 16 to 128 characters of A-Z a-z 0-9 - _")
    try:
        sig = b64url_decode(found["sig"], "sig")
    except Base64Error as exc:
        raise BadCredentials(str(exc)) from exc
    return SignedHeader(
        unquote(found["identity"]), found["kid"], int(found["ts"]), found["nonce"], sig
    )


def verify_signed(
    store: Store,
    signed: SignedHeader,
    method: str,
    path: str,
    body: bytes,
    now: int,
) -> Principal:
    """Check a parsed signed request against the store; remember its nonce on success."""
    if abs(now - signed.ts) > CLOCK_SKEW:
        raise StaleRequest(
            f"signed request timestamp {signed.ts} is {now - signed.ts:+d} s from the node's"
            f" clock ({now}); requests are accepted within ±{CLOCK_SKEW} s, check the clock"
        )
    principal = _known_principal(store, signed.identity)
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
    with store.write() as tx:
        replay.remember(
            tx, principal.identity, signed.nonce, expires_at=signed.ts + CLOCK_SKEW, now=now
        )
    return principal


# --- the request entry points --------------------------------------------------------------


async def authenticate(request: web.Request) -> Principal:
    """The principal a write request proves, or Unauthenticated; counts against its rate."""
    header = request.headers.get("Authorization", "")
    scheme, _, params = header.partition(" ")
    store = request.app[STORE]
    if scheme.lower() == "basic" and params:
        principal = await _basic(store, params)
    elif scheme.lower() == SIGNED_SCHEME.lower() and params:
        signed = parse_signed_header(params)
        body = await read_raw(request)
        principal = verify_signed(
            store, signed, request.method, request.raw_path, body, int(time.time())
        )
    else:
        given = f" (got scheme {scheme!r})" if scheme else ""
        raise CredentialsNeeded(
            f"this write needs credentials{given}: Basic auth with an admin identity such as"
            f" 300:88.101.7/admin and its secret, or a {SIGNED_SCHEME} signed request"
        )
    request.app[LIMITS].check_identity(principal.identity)
    return principal


def authorise(principal: Principal, target: Identifier | Prefix) -> None:
    """Refuse unless ``target`` (an identifier, or a prefix to list) lies under the
    principal's own prefix."""
    prefix = target.prefix if isinstance(target, Identifier) else target
    if not prefix.is_under(principal.zone):
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
