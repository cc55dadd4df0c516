"""Delegation certificates, delegation requests and trust anchors.

A certificate is a compact JWS (typ ``glid-cert+jwt``) by which the holder of prefix
``iss`` vouches for the key of ``sub``. Two shapes are allowed, and parsing refuses any
other: a parent delegating a prefix exactly one level below its own (88 → 88.118), and a
node certifying its own working keys (``sub == iss``, never with ``delegate``), such as an
enterprise's signing keys and its device keys restricted to activity-data templates.
"""

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glid_core.errors import GlidError, PrefixError
from glid_core.identifiers import is_direct_child, is_within, normalise_prefix, require_canonical
from signing.errors import (
    CertificateError,
    DelegationError,
    DelegationRequestError,
    JWSFormatError,
    KeyFormatError,
    SignatureError,
    TrustAnchorError,
)
from signing.jws import check_signature, parse_compact, sign_compact
from signing.keys import SigningKey, VerifyKey
from signing.timestamps import in_calendar, now, numeric_date

CERT_TYP = "glid-cert+jwt"
REQUEST_TYP = "glid-dreq+jwt"
DELEGATE = "delegate"
SIGN = "sign"
PERMISSIONS = frozenset({DELEGATE, SIGN})
DEVICE_TEMPLATES = ("88/tpl.activity-data", "88/tpl.device-reading")
DEFAULT_LIFETIME = 365 * 24 * 3600


def require_issuable(issuer: str, subject: str, perms: Iterable[str]) -> None:
    """Raise DelegationError unless ``issuer`` may certify a key for ``subject`` with ``perms``.

    A parent delegates only prefixes directly under its own; a node certifies its own
    working keys for its own prefix, but cannot hand its own prefix on as a delegation.
    """
    if subject == issuer:
        if DELEGATE in perms:
            raise DelegationError(
                f"{issuer} may certify its own keys only with 'sign'; 'delegate' on the"
                " issuer's own prefix would let a key re-issue the node's authority"
            )
        return
    if not is_direct_child(issuer, subject):
        raise DelegationError(
            f"{issuer} cannot certify {subject}: a node delegates only prefixes one level"
            f" directly under its own (e.g. {issuer}.x); {subject} must be certified by its"
            " own parent"
        )


@dataclass(frozen=True, slots=True)
class Certificate:
    """A parsed certificate. Its claims are checked for shape; its signature is not,
    because that needs the issuer's key: call :meth:`verify_signature`."""

    token: str
    issuer_kid: str
    iss: str
    sub: str
    key: VerifyKey
    pfx: str
    perms: frozenset[str]
    tpl: tuple[str, ...] | None
    iat: int
    nbf: int
    exp: int
    jti: str
    signing_input: bytes
    signature: bytes

    def verify_signature(self, issuer_key: VerifyKey) -> None:
        if self.issuer_kid != issuer_key.kid:
            raise SignatureError(
                f"certificate {self.jti} for {self.sub} names issuer key {self.issuer_kid},"
                f" not {issuer_key.kid}"
            )
        issuer_key.verify(self.signing_input, self.signature)

    def valid_at(self, moment: int) -> bool:
        return self.nbf <= moment < self.exp

    def allows_template(self, template_id: str) -> bool:
        return self.tpl is None or template_id in self.tpl


def issue_certificate(
    issuer_key: SigningKey,
    *,
    issuer: str,
    subject: str,
    subject_key: VerifyKey,
    perms: Iterable[str],
    permitted: str | None = None,
    templates: Iterable[str] | None = None,
    valid_from: int | datetime | None = None,
    valid_until: int | datetime | None = None,
    issued_at: int | datetime | None = None,
    jti: str | None = None,
) -> str:
    """Sign a certificate for ``subject_key``; refuses anything :func:`parse_certificate` would."""
    issuer, subject = normalise_prefix(issuer), normalise_prefix(subject)
    start = numeric_date(valid_from) if valid_from is not None else now()
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "jwk": subject_key.to_jwk(),
        "pfx": normalise_prefix(permitted) if permitted is not None else subject,
        "perms": sorted(set(perms)),
        "iat": numeric_date(issued_at) if issued_at is not None else now(),
        "nbf": start,
        "exp": numeric_date(valid_until) if valid_until is not None else start + DEFAULT_LIFETIME,
        "jti": jti or secrets.token_urlsafe(16),
    }
    if templates is not None:
        claims["tpl"] = sorted(set(templates))
    _check_claims(claims)
    return sign_compact(claims, issuer_key, CERT_TYP)


def issue_delegation(
    issuer_key: SigningKey,
    issuer: str,
    request: "DelegationRequest",
    *,
    valid_from: int | datetime | None = None,
    valid_until: int | datetime | None = None,
) -> str:
    """Certify a child node from its checked delegation request (perms delegate + sign)."""
    return issue_certificate(
        issuer_key,
        issuer=issuer,
        subject=request.prefix,
        subject_key=request.key,
        perms=[DELEGATE, SIGN],
        valid_from=valid_from,
        valid_until=valid_until,
    )


def issue_signing_certificate(
    issuer_key: SigningKey,
    prefix: str,
    signing_key: VerifyKey,
    *,
    templates: Iterable[str] | None = None,
    valid_from: int | datetime | None = None,
    valid_until: int | datetime | None = None,
) -> str:
    """Certify one of a node's own keys for its own prefix (perms ``sign`` only), limited
    to records of ``templates`` when given."""
    return issue_certificate(
        issuer_key,
        issuer=prefix,
        subject=prefix,
        subject_key=signing_key,
        perms=[SIGN],
        templates=templates,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def issue_device_certificate(
    issuer_key: SigningKey,
    prefix: str,
    device_key: VerifyKey,
    *,
    templates: Iterable[str] = DEVICE_TEMPLATES,
    valid_from: int | datetime | None = None,
    valid_until: int | datetime | None = None,
) -> str:
    """Certify a collection terminal's key: it may sign only records of ``templates``."""
    return issue_signing_certificate(
        issuer_key,
        prefix,
        device_key,
        templates=templates,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def parse_certificate(token: str) -> Certificate:
    """Parse a certificate token and check its claims' shape and delegation rule."""
    try:
        parsed = parse_compact(token, CERT_TYP)
    except JWSFormatError as exc:
        raise CertificateError(f"certificate: {exc}") from exc
    claims = parsed.payload
    _check_claims(claims)
    tpl = claims.get("tpl")
    return Certificate(
        token=token,
        issuer_kid=parsed.header["kid"],
        iss=claims["iss"],
        sub=claims["sub"],
        key=VerifyKey.from_jwk(claims["jwk"]),
        pfx=claims["pfx"],
        perms=frozenset(claims["perms"]),
        tpl=tuple(tpl) if tpl is not None else None,
        iat=claims["iat"],
        nbf=claims["nbf"],
        exp=claims["exp"],
        jti=claims["jti"],
        signing_input=parsed.signing_input,
        signature=parsed.signature,
    )


def _check_claims(claims: Mapping[str, Any]) -> None:
    jti = claims.get("jti")
    where = f"certificate {jti!r}" if isinstance(jti, str) else "certificate"
    try:
        iss = require_canonical(claims.get("iss"), f"{where}: iss")
        sub = require_canonical(claims.get("sub"), f"{where}: sub")
        pfx = require_canonical(claims.get("pfx"), f"{where}: pfx")
        VerifyKey.from_jwk(claims.get("jwk"))  # type: ignore[arg-type]
    except (PrefixError, KeyFormatError) as exc:
        raise CertificateError(str(exc)) from exc
    if not isinstance(jti, str) or not jti:
        raise CertificateError(f"{where}: jti must be a non-empty string")
    for name in ("iat", "nbf", "exp"):
        value = claims.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise CertificateError(f"{where}: {name} must be a NumericDate (whole seconds)")
        if not in_calendar(value):
            raise CertificateError(f"{where}: {name} {value} is outside the years 1 to 9999")
    if claims["nbf"] >= claims["exp"]:
        raise CertificateError(f"{where}: nbf must be before exp")
    perms = claims.get("perms")
    if (
        not isinstance(perms, list)
        or not perms
        or not all(isinstance(p, str) for p in perms)
        or len(set(perms)) != len(perms)
        or not PERMISSIONS.issuperset(perms)
    ):
        raise CertificateError(
            f"{where}: perms must be a non-empty list drawn from {sorted(PERMISSIONS)}"
        )
    tpl = claims.get("tpl")
    if tpl is not None:
        if not isinstance(tpl, list) or not tpl or not all(isinstance(t, str) and t for t in tpl):
            raise CertificateError(f"{where}: tpl must be a non-empty list of template ids")
        if DELEGATE in perms:
            raise CertificateError(f"{where}: a template restriction applies to 'sign' only")
    if not is_within(pfx, sub):
        raise CertificateError(f"{where}: permitted subtree {pfx} is outside subject {sub}")
    require_issuable(iss, sub, perms)


@dataclass(frozen=True, slots=True)
class DelegationRequest:
    """A child's request to be delegated ``prefix``, with proof that it holds ``key``."""

    prefix: str
    key: VerifyKey
    iat: int


def make_delegation_request(
    prefix: str, key: SigningKey, issued_at: int | datetime | None = None
) -> dict[str, Any]:
    """Build a request a parent can check: the proof is a JWS by ``key`` over prefix and key."""
    prefix = normalise_prefix(prefix)
    jwk = key.verify_key.to_jwk()
    iat = numeric_date(issued_at) if issued_at is not None else now()
    proof = sign_compact({"prefix": prefix, "jwk": jwk, "iat": iat}, key, REQUEST_TYP)
    return {"prefix": prefix, "jwk": jwk, "proof": proof}


def check_delegation_request(document: Mapping[str, Any]) -> DelegationRequest:
    """Verify a delegation request: well formed, and the proof made by the requested key."""
    if not isinstance(document, Mapping):
        raise DelegationRequestError("a delegation request must be a JSON object")
    try:
        prefix = require_canonical(document.get("prefix"), "delegation request prefix")
        key = VerifyKey.from_jwk(document.get("jwk"))  # type: ignore[arg-type]
        parsed = parse_compact(document.get("proof"), REQUEST_TYP)  # type: ignore[arg-type]
        check_signature(parsed, key)
        proof_key = VerifyKey.from_jwk(parsed.payload.get("jwk"))  # type: ignore[arg-type]
    except GlidError as exc:
        raise DelegationRequestError(
            f"delegation request for {document.get('prefix')!r}: {exc}"
        ) from exc
    claims = parsed.payload
    if claims.get("prefix") != prefix or proof_key != key:
        raise DelegationRequestError(
            f"delegation request for {prefix}: the proof covers another prefix or key"
        )
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise DelegationRequestError(f"delegation request for {prefix}: proof iat is missing")
    return DelegationRequest(prefix, key, iat)


@dataclass(frozen=True, slots=True)
class TrustAnchor:
    """The key a verifier trusts out of band for ``prefix`` (the top node's, normally)."""

    prefix: str
    key: VerifyKey

    def to_json(self) -> dict[str, Any]:
        return make_trust_anchor(self.prefix, self.key)


def make_trust_anchor(prefix: str, verify_key: VerifyKey) -> dict[str, Any]:
    """The content of a trust-anchor file: ``{"prefix", "jwk"}``."""
    return {"prefix": normalise_prefix(prefix), "jwk": verify_key.to_jwk()}


def parse_trust_anchor(document: Mapping[str, Any]) -> TrustAnchor:
    """Check a trust-anchor document; its JWK kid, if present, must match the key."""
    if not isinstance(document, Mapping):
        raise TrustAnchorError("a trust anchor must be a JSON object with prefix and jwk")
    try:
        prefix = require_canonical(document.get("prefix"), "trust anchor prefix")
        key = VerifyKey.from_jwk(document.get("jwk"))  # type: ignore[arg-type]
    except (PrefixError, KeyFormatError) as exc:
        raise TrustAnchorError(f"trust anchor: {exc}") from exc
    return TrustAnchor(prefix, key)
