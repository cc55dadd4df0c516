"""The signature of a template registered upward: a compact JWS over the body's digest.

A node that registers a template at the top node signs ``{"iat", "ref", "sha256"}``
(typ ``glid-tplreg+jwt``): the template's ``ID@VERSION``, the SHA-256 of its canonical
bytes and the signing time. The body travels beside the token, so the token stays small
and the digest pins the exact body; a verifier recomputes it from the body it received.
Parsing checks only the shape; the signer's key comes from a certificate chain, which the
caller verifies (docs/formats/templates.md §9).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from glid_core.errors import GlidError
from signing.b64 import b64url_encode
from signing.errors import JWSFormatError, SignatureError
from signing.jws import CompactJWS, parse_compact, sign_compact
from signing.keys import SigningKey
from signing.timestamps import now, numeric_date

REGISTRATION_TYP = "glid-tplreg+jwt"
CLAIMS = frozenset({"iat", "ref", "sha256"})


class RegistrationFormatError(GlidError, ValueError):
    """A template registration token is malformed; see docs/formats/templates.md §9."""


class BodyMismatch(SignatureError):
    """The template body does not match the digest or ref its registration token signs."""


@dataclass(frozen=True, slots=True)
class RegistrationClaims:
    """What a registration token says; trusted only once its signature is checked."""

    ref: str
    sha256: str
    iat: int
    kid: str


def body_digest(canonical: bytes) -> str:
    """The unpadded base64url SHA-256 of a template's canonical bytes (43 characters)."""
    return b64url_encode(hashlib.sha256(canonical).digest())


def sign_registration(
    key: SigningKey, ref: str, canonical: bytes, issued_at: int | datetime | None = None
) -> str:
    """Sign the registration of the template ``ref`` whose canonical bytes are ``canonical``."""
    iat = numeric_date(issued_at) if issued_at is not None else now()
    claims = {"iat": iat, "ref": ref, "sha256": body_digest(canonical)}
    return sign_compact(claims, key, REGISTRATION_TYP)


def parse_registration(token: str) -> tuple[CompactJWS, RegistrationClaims]:
    """Split a registration token and check its claims' shape, not its signature."""
    try:
        parsed = parse_compact(token, REGISTRATION_TYP)
    except JWSFormatError as exc:
        raise RegistrationFormatError(f"template registration: {exc}") from exc
    payload = parsed.payload
    if set(payload) != CLAIMS:
        raise RegistrationFormatError(
            f"template registration claims are {sorted(payload)}; expected exactly {sorted(CLAIMS)}"
        )
    ref, sha256, iat = payload["ref"], payload["sha256"], payload["iat"]
    if not isinstance(ref, str) or not ref:
        raise RegistrationFormatError("template registration: ref must be ID@VERSION")
    if not isinstance(sha256, str) or len(sha256) != 43:
        raise RegistrationFormatError(
            "template registration: sha256 must be 43 base64url characters (32 bytes)"
        )
    if not isinstance(iat, int) or isinstance(iat, bool) or iat < 0:
        raise RegistrationFormatError("template registration: iat must be whole Unix seconds")
    return parsed, RegistrationClaims(ref, sha256, iat, parsed.header["kid"])


def check_body(claims: RegistrationClaims, ref: str, canonical: bytes) -> None:
    """Raise BodyMismatch unless the token was made for this ref and these exact bytes."""
    if claims.ref != ref:
        raise BodyMismatch(
            f"the registration token signs template {claims.ref}, but the body is {ref}"
        )
    if claims.sha256 != body_digest(canonical):
        raise BodyMismatch(
            f"the body of {ref} does not match the SHA-256 its registration token signs:"
            " it was changed after signing; register the body that was signed"
        )
