"""Signed revocation lists (JWS typ ``glid-crl+jwt``).

An issuer lists keys (by kid) or prefixes it no longer vouches for. ``compromised``
voids every signature the key ever made, because a thief can backdate; ``superseded``
(an orderly key rotation) voids only signatures dated after ``at``. A prefix entry does
the same to every certificate for that prefix subtree.

A list also says when its issuer will publish the next one (``nxt``, X.509's nextUpdate):
until then it is *current*. A verifier that demands a current list from every issuer in a
chain cannot be fooled by an old list from before the revocation, or by none at all.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glid_core.errors import PrefixError
from glid_core.identifiers import is_within, normalise_prefix, require_canonical
from signing.errors import RevocationError, SignatureError
from signing.jws import parse_kind, sign_compact
from signing.keys import SigningKey, VerifyKey
from signing.timestamps import in_calendar, iso, now, numeric_date

CRL_TYP = "glid-crl+jwt"
COMPROMISED = "compromised"
SUPERSEDED = "superseded"
REASONS = frozenset({COMPROMISED, SUPERSEDED})
LIST_LIFETIME = 7 * 24 * 3600
"""Seconds from a list's issue to its next update, unless the issuer says otherwise."""


@dataclass(frozen=True, slots=True)
class RevocationEntry:
    """One revoked key (``kid``) or prefix subtree (``prefix``); exactly one is set."""

    reason: str
    at: int
    kid: str | None = None
    prefix: str | None = None

    def covers(self, kid: str, subject: str) -> bool:
        """Whether this entry speaks about a certificate for ``subject`` holding key ``kid``."""
        if self.kid is not None:
            return self.kid == kid
        return self.prefix is not None and is_within(subject, self.prefix)

    def voids(self, signed_at: int) -> bool:
        """Whether a signature made at ``signed_at`` by a covered key is void."""
        return self.reason == COMPROMISED or signed_at > self.at

    def describe(self) -> str:
        target = f"key {self.kid}" if self.kid is not None else f"prefix {self.prefix}"
        return f"{target} revoked as {self.reason} at {iso(self.at)}"

    def to_json(self) -> dict[str, Any]:
        target = {"kid": self.kid} if self.kid is not None else {"prefix": self.prefix}
        return {**target, "reason": self.reason, "at": self.at}


def revoke_key(kid: str, reason: str, at: int | datetime | None = None) -> RevocationEntry:
    return _entry({"kid": kid, "reason": reason, "at": _at(at)}, "new entry")


def revoke_prefix(prefix: str, reason: str, at: int | datetime | None = None) -> RevocationEntry:
    return _entry(
        {"prefix": normalise_prefix(prefix), "reason": reason, "at": _at(at)}, "new entry"
    )


def _at(at: int | datetime | None) -> int:
    return numeric_date(at) if at is not None else now()


@dataclass(frozen=True, slots=True)
class RevocationList:
    """A parsed list; check :meth:`verify_signature` with the issuer's key before use."""

    token: str
    issuer_kid: str
    iss: str
    iat: int
    seq: int
    entries: tuple[RevocationEntry, ...]
    signing_input: bytes
    signature: bytes
    nxt: int | None = None
    """When the next list is due; None in lists written before lists carried it, which
    are therefore never current."""

    def is_current(self, at: int, skew: int) -> bool:
        """Whether the list speaks for its issuer at ``at``: issued by then (within
        ``skew`` seconds of clock difference) and not yet past its next update."""
        return self.nxt is not None and self.iat <= at + skew and at < self.nxt

    @property
    def label(self) -> str:
        due = f", next update {iso(self.nxt)}" if self.nxt is not None else ", no next update"
        return f"{self.iss}#{self.seq} (issued {iso(self.iat)}{due})"

    def verify_signature(self, issuer_key: VerifyKey) -> None:
        if self.issuer_kid != issuer_key.kid:
            raise SignatureError(
                f"revocation list {self.iss}#{self.seq} is signed by {self.issuer_kid},"
                f" not {issuer_key.kid}"
            )
        issuer_key.verify(self.signing_input, self.signature)


def make_revocation_list(
    issuer_key: SigningKey,
    issuer: str,
    seq: int,
    entries: Iterable[RevocationEntry],
    issued_at: int | datetime | None = None,
    next_update: int | datetime | None = None,
) -> str:
    """Sign a revocation list; ``seq`` grows by one with each list an issuer publishes.

    ``next_update`` defaults to LIST_LIFETIME after issue; the issuer must publish a new
    list (even an unchanged one) before then, or verifiers stop trusting its chains.
    """
    iat = _at(issued_at)
    claims = {
        "iss": normalise_prefix(issuer),
        "iat": iat,
        "nxt": numeric_date(next_update) if next_update is not None else iat + LIST_LIFETIME,
        "seq": seq,
        "entries": [entry.to_json() for entry in entries],
    }
    _check(claims)
    return sign_compact(claims, issuer_key, CRL_TYP)


def parse_revocation_list(token: str) -> RevocationList:
    """Parse a revocation list and check its shape; entries must lie inside the issuer's subtree."""
    parsed = parse_kind(token, CRL_TYP, RevocationError, "revocation list")
    claims = parsed.payload
    entries = _check(claims)
    return RevocationList(
        token=token,
        issuer_kid=parsed.header["kid"],
        iss=claims["iss"],
        iat=claims["iat"],
        seq=claims["seq"],
        entries=entries,
        signing_input=parsed.signing_input,
        signature=parsed.signature,
        nxt=claims.get("nxt"),
    )


def _check(claims: Mapping[str, Any]) -> tuple[RevocationEntry, ...]:
    try:
        iss = require_canonical(claims.get("iss"), "revocation list iss")
    except PrefixError as exc:
        raise RevocationError(str(exc)) from exc
    for name in ("iat", "seq"):
        value = claims.get(name)
        if type(value) is not int or value < 0:
            raise RevocationError(f"revocation list from {iss}: {name} must be an integer >= 0")
    nxt = claims.get("nxt")
    if nxt is not None and (type(nxt) is not int or nxt <= claims["iat"]):
        raise RevocationError(
            f"revocation list from {iss}: nxt must be an integer after iat (the next update)"
        )
    for name in ("iat", "nxt"):
        value = claims.get(name)
        if value is not None and not in_calendar(value):
            raise RevocationError(
                f"revocation list from {iss}: {name} {value} is outside the years 1 to 9999"
            )
    raw_entries = claims.get("entries")
    if not isinstance(raw_entries, list):
        raise RevocationError(f"revocation list from {iss}: entries must be a list")
    where = f"revocation list {iss}#{claims['seq']}"
    entries = tuple(_entry(raw, where) for raw in raw_entries)
    for entry in entries:
        if entry.prefix is not None and not is_within(entry.prefix, iss):
            raise RevocationError(
                f"{where}: cannot revoke prefix {entry.prefix}, outside the issuer's subtree"
            )
    return entries


def _entry(raw: Any, where: str) -> RevocationEntry:
    if not isinstance(raw, Mapping):
        raise RevocationError(f"{where}: each entry must be a JSON object")
    kid, prefix, reason, at = (raw.get(k) for k in ("kid", "prefix", "reason", "at"))
    if (kid is None) == (prefix is None):
        raise RevocationError(f"{where}: an entry names exactly one of kid or prefix")
    if kid is not None and (not isinstance(kid, str) or not kid):
        raise RevocationError(f"{where}: entry kid must be a non-empty string")
    if prefix is not None:
        try:
            require_canonical(prefix, f"{where}: entry prefix")
        except PrefixError as exc:
            raise RevocationError(str(exc)) from exc
    if reason not in REASONS:
        raise RevocationError(f"{where}: reason {reason!r} is not one of {sorted(REASONS)}")
    if type(at) is not int or at < 0:
        raise RevocationError(f"{where}: entry at must be a NumericDate (whole seconds)")
    if not in_calendar(at):
        raise RevocationError(f"{where}: entry at {at} is outside the years 1 to 9999")
    return RevocationEntry(reason=reason, at=at, kid=kid, prefix=prefix)
