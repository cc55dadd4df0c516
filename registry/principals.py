"""Admin identities that may write to a node, and their credentials.

An identity is written the Handle way, ``300:PREFIX/SUFFIX`` (the index of an HS_PUBKEY or
HS_SECKEY value at an admin handle). A password is stored only as an scrypt hash, slow on
purpose so a stolen store does not give the passwords away; an identity may instead hold an
Ed25519 public key (JWK) for signed requests.
"""

import hashlib
import hmac
import secrets
from typing import Any

from glid_core.identifiers import Identifier
from registry.errors import NotFound, RegistryError
from registry.store import Tables
from registry.store.principals import Principal
from signing.b64 import b64url_decode, b64url_encode

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
"""OWASP's scrypt setting (N = 2^17, r = 8, p = 1): 128 MiB and a few tenths of a second per
check. Hashes stored with an older, smaller N still verify, with the N they carry."""
SCRYPT_MAXMEM = 256 * 1024 * 1024  # above the 128 * N * r bytes that N = 2^17 needs


class BadIdentity(RegistryError, ValueError):
    """An admin identity is not of the form INDEX:PREFIX/SUFFIX, e.g. 300:88.101.7/admin."""


def parse_identity(identity: str) -> tuple[int, Identifier]:
    index, sep, handle = identity.partition(":")
    if not sep or not (index.isascii() and index.isdigit() and len(index) <= 10):
        raise BadIdentity(f"admin identity {identity!r} must look like 300:88.101.7/admin")
    return int(index), Identifier.from_text(handle)


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        secret.encode(),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=SCRYPT_MAXMEM,
        dklen=32,
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64url_encode(salt)}${b64url_encode(digest)}"


def check_secret(secret: str, stored: str) -> bool:
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    computed = hashlib.scrypt(
        secret.encode(),
        salt=b64url_decode(salt, "salt"),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=SCRYPT_MAXMEM,
        dklen=32,
    )
    return hmac.compare_digest(computed, b64url_decode(digest, "digest"))


def add(
    tx: Tables,
    identity: str,
    *,
    secret: str | None = None,
    public_jwk: dict[str, Any] | None = None,
) -> Principal:
    """Add or replace an identity in transaction ``tx``; it may write under its handle's
    prefix."""
    index, handle = parse_identity(identity)
    principal = Principal(
        f"{index}:{handle}",
        str(handle.prefix),
        None if secret is None else hash_secret(secret),
        public_jwk,
    )
    tx.principals.put(principal)
    return principal


def get(tables: Tables, identity: str) -> Principal:
    index, handle = parse_identity(identity)
    principal = tables.principals.get(f"{index}:{handle}")
    if principal is None:
        raise NotFound(f"admin identity {identity} is not known to this node")
    return principal
