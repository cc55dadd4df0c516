"""Ed25519 key types: a secret half that signs and a public half that only verifies.

Signing and verification go through libsodium (PyNaCl). ``VerifyKey.verify`` returns the
message or raises :class:`SignatureError`, so code that ignores a return value can never
accept a forged signature. Keys are named by their RFC 7638 JWK thumbprint (``kid``).
"""

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import nacl.exceptions
import nacl.signing
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair

from signing.b64 import b64url_decode, b64url_encode
from signing.errors import Base64Error, KeyFormatError, SignatureError

KEY_BYTES = 32
SIGNATURE_BYTES = 64


def _thumbprint(x: str) -> str:
    # RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    return b64url_encode(hashlib.sha256(members.encode("ascii")).digest())


class VerifyKey:
    """An Ed25519 public key."""

    __slots__ = ("_raw", "kid", "x")

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes) or len(raw) != KEY_BYTES:
            raise KeyFormatError(f"an Ed25519 public key is {KEY_BYTES} bytes")
        self._raw = raw
        self.x = b64url_encode(raw)
        self.kid = _thumbprint(self.x)

    @classmethod
    def from_bytes(cls, raw: bytes) -> "VerifyKey":
        return cls(raw)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> "VerifyKey":
        """Read an OKP/Ed25519 JWK; a ``kid`` present must be the key's own thumbprint."""
        if not isinstance(jwk, Mapping):
            raise KeyFormatError("a JWK must be a JSON object")
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise KeyFormatError(
                f"JWK has kty={jwk.get('kty')!r} crv={jwk.get('crv')!r}; glid keys are"
                " kty=OKP crv=Ed25519"
            )
        if "d" in jwk:
            raise KeyFormatError("JWK holds a private key ('d'); publish only the public part")
        try:
            raw = b64url_decode(jwk.get("x"), "JWK member x")  # type: ignore[arg-type]
        except Base64Error as exc:
            raise KeyFormatError(str(exc)) from exc
        key = cls(raw)
        kid = jwk.get("kid")
        if kid is not None and kid != key.kid:
            raise KeyFormatError(f"JWK kid {kid!r} is not the key's thumbprint {key.kid}")
        return key

    def to_jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": self.x, "kid": self.kid}

    def __bytes__(self) -> bytes:
        return self._raw

    def verify(self, message: bytes, signature: bytes) -> bytes:
        """Return ``message`` if ``signature`` is this key's signature over it."""
        if len(signature) != SIGNATURE_BYTES:
            raise SignatureError(
                f"signature is {len(signature)} bytes, not {SIGNATURE_BYTES}, for key {self.kid}"
            )
        try:
            # libsodium's own call, without PyNaCl's object layer: it runs once per record.
            crypto_sign_open(signature + message, self._raw)
        except nacl.exceptions.BadSignatureError as exc:
            raise SignatureError(
                f"signature does not verify with key {self.kid}: forged, corrupt or made by"
                " another key"
            ) from exc
        return message

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VerifyKey):
            return NotImplemented
        return hmac.compare_digest(self._raw, other._raw)

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return f"VerifyKey(kid={self.kid!r})"


class SigningKey:
    """An Ed25519 private key, held as its 32-byte seed."""

    __slots__ = ("_secret", "seed", "verify_key")

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, bytes) or len(seed) != KEY_BYTES:
            raise KeyFormatError(f"an Ed25519 seed is {KEY_BYTES} bytes")
        self.seed = seed
        public, self._secret = crypto_sign_seed_keypair(seed)
        self.verify_key = VerifyKey(public)

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(bytes(nacl.signing.SigningKey.generate()))

    @classmethod
    def from_seed(cls, seed: bytes) -> "SigningKey":
        return cls(seed)

    @property
    def kid(self) -> str:
        return self.verify_key.kid

    def sign(self, message: bytes) -> bytes:
        """The detached 64-byte Ed25519 signature of ``message``."""
        # libsodium's combined form is signature || message; the bulk write path signs
        # every record, so PyNaCl's SignedMessage object is skipped.
        signed: bytes = crypto_sign(message, self._secret)
        return signed[:SIGNATURE_BYTES]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SigningKey):
            return NotImplemented
        return hmac.compare_digest(self.seed, other.seed)

    def __hash__(self) -> int:
        return hash(self.verify_key)

    def __repr__(self) -> str:
        # Never show the seed.
        return f"SigningKey(kid={self.kid!r})"
