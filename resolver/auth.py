"""Reading credentials out of HTTP requests; the rules they are checked by are registry's.

This module only parses the ``Authorization`` header (docs/protocol/auth.md): Handle-style
Basic auth (the user name an admin identity ``300:PREFIX/SUFFIX``, percent-encoded as
Handle clients send it) or an Ed25519 signed request (``Glid-Ed25519 identity=..., kid=...,
ts=..., nonce=..., sig=...``), and hands what it read to :mod:`registry.access`, which
decides who the writer is and what they may write. It also writes the header for clients
(:func:`sign_request`).
"""

import asyncio
import base64
import binascii
import re
import secrets
import time
from urllib.parse import quote, unquote

from aiohttp import web

from registry import access
from registry.access import BadCredentials, CredentialsNeeded, SignedRequest
from registry.store import Store
from registry.store.principals import Principal
from resolver.limits import LIMITS
from resolver.state import STORE, writer_of
from resolver.wire import read_raw
from signing.b64 import b64url_decode, b64url_encode
from signing.errors import Base64Error
from signing.keys import SigningKey

SIGNED_SCHEME = "Glid-Ed25519"
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_SIGNED_PARAMS = ("identity", "kid", "ts", "nonce", "sig")


# --- Basic ---------------------------------------------------------------------------------


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


# --- signed requests -----------------------------------------------------------------------


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
    message = access.signing_input(method, path, identity, key.kid, ts, nonce, body)
    signature = b64url_encode(key.sign(message))
    return (
        f"{SIGNED_SCHEME} identity={quote(identity, safe='')}, kid={key.kid}, ts={ts},"
        f" nonce={nonce}, sig={signature}"
    )


async def _basic(store: Store, encoded: str) -> Principal:
    identity, secret = _basic_credentials(encoded)
    claim = access.claim_secret(store, identity, secret)
    if claim.already_checked():
        return claim.principal
    # scrypt is slow on purpose; keep the event loop serving others meanwhile.
    return await asyncio.to_thread(claim.check)


def parse_signed_header(params: str) -> SignedRequest:
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
    return SignedRequest(
        unquote(found["identity"]), found["kid"], int(found["ts"]), found["nonce"], sig
    )


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
        now = int(time.time())
        principal = access.verify_signed(store, signed, request.method, request.raw_path, body, now)
        await writer_of(request.app).write(
            lambda writes: access.remember_nonce(writes, principal, signed, now)
        )
    else:
        given = f" (got scheme {scheme!r})" if scheme else ""
        raise CredentialsNeeded(
            f"this write needs credentials{given}: Basic auth with an admin identity such as"
            f" 300:88.101.7/admin and its secret, or a {SIGNED_SCHEME} signed request"
        )
    await request.app[LIMITS].check_identity(principal.identity)
    return principal
