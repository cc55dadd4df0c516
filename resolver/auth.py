"""Who is writing, and may they write there.

Writes carry Handle-style Basic credentials: the user name is an admin identity
``300:PREFIX/SUFFIX`` (percent-encoded as Handle clients send it) and the password its
secret. An identity writes only under its own prefix; nothing else is ever authorised.
Verified credentials are remembered (by a hash of the secret) so the slow scrypt check runs
once per identity and secret, not once per request.
"""

import base64
import binascii
import hashlib
from urllib.parse import unquote

from aiohttp import web

from registry import principals
from registry.errors import NotFound, Unauthenticated, Unauthorised
from registry.identifiers import Identifier
from registry.principals import Principal
from resolver.state import STORE

_verified: dict[tuple[str, bytes], Principal] = {}


def _basic_credentials(request: web.Request) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthenticated(
            "this write needs credentials: Basic auth with an admin identity such as"
            " 300:88.101.7/admin and its secret"
        )
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthenticated("the Authorization header is not valid Basic credentials") from exc
    user, sep, secret = decoded.partition(":")
    # The identity itself contains ":" (300:PREFIX/SUFFIX); Handle clients percent-encode it.
    if not sep:
        raise Unauthenticated("Basic credentials need user:password")
    if user.isdigit():  # sent unencoded: "300:88.101.7/admin:secret"
        handle, _, secret = secret.partition(":")
        user = f"{user}:{handle}"
    return unquote(user), secret


def authenticate(request: web.Request) -> Principal:
    identity, secret = _basic_credentials(request)
    cache_key = (identity, hashlib.sha256(secret.encode()).digest())
    known = _verified.get(cache_key)
    if known is not None:
        return known
    try:
        principal = principals.get(request.app[STORE].conn, identity)
    except (NotFound, principals.BadIdentity) as exc:
        raise Unauthenticated(f"unknown admin identity {identity!r}") from exc
    if principal.secret_hash is None or not principals.check_secret(secret, principal.secret_hash):
        raise Unauthenticated(f"wrong secret for admin identity {identity}")
    _verified[cache_key] = principal
    return principal


def authorise(principal: Principal, identifier: Identifier) -> None:
    if not identifier.prefix.is_under(principal.zone):
        raise Unauthorised(
            f"{principal.identity} may write only under prefix {principal.prefix}, not {identifier}"
        )
