"""Statements of an identifier's newest version (JWS typ ``glid-latest+jwt``).

A record signature proves that the enterprise signed a version, and a log proof that the
node logged it; neither says that no newer version exists. A node that is stale, restored
from an old copy, or hostile can answer an older version, validly signed and logged. So the
node's authority key, which also signs the log's checkpoints, signs on every write a
statement "the newest version of HANDLE is N in my log of size S with root R", and signs it
again before it expires (``nxt``) even when nothing changed. A verifier takes a statement
only from the key that signed the bundle's checkpoint, for exactly that checkpoint (or,
for an answer without a log proof, from the authority key of the node it names), and only
while it is current; an answer older than the statement's version is a rollback unless the
buyer asked for that version. Format: docs/formats/signing.md §7, "Newest-version statement".
"""

from dataclasses import dataclass
from typing import Any

from glid_core.errors import PrefixError
from glid_core.identifiers import require_canonical
from signing.b64 import b64_decode, b64_encode
from signing.errors import Base64Error, LatestStatementError
from signing.jws import CompactJWS, check_signature, parse_kind, sign_compact
from signing.keys import SigningKey, VerifyKey
from signing.merkle import HASH_BYTES
from signing.timestamps import in_calendar

LATEST_TYP = "glid-latest+jwt"
LATEST_LIFETIME = 24 * 3600
"""Seconds a statement stays current: the longest a stale or hostile node can go on
answering the version before the newest one after an update (the residual window)."""
_CLAIMS = ("iss", "id", "ver", "size", "root", "iat", "nxt")


@dataclass(frozen=True, slots=True)
class LatestStatement:
    """A parsed statement; :meth:`verify` with the log key before trusting it."""

    iss: str  # the prefix of the node whose log the statement speaks for
    id: str
    ver: int
    size: int
    root: bytes
    iat: int
    nxt: int
    jws: CompactJWS

    def verify(self, log_key: VerifyKey) -> None:
        """Raise SignatureError unless the log key signed this statement."""
        check_signature(self.jws, log_key)

    def is_current(self, at: int, skew: int) -> bool:
        """Issued by ``at`` (within ``skew`` seconds) and not yet past its next update."""
        return self.iat <= at + skew and at < self.nxt


def sign_latest(
    key: SigningKey,
    issuer: str,
    handle: str,
    version: int,
    checkpoint: tuple[int, bytes],
    issued_at: int,
    lifetime: int = LATEST_LIFETIME,
) -> str:
    """Sign "version ``version`` is the newest of ``handle`` in the log at ``checkpoint``"
    ((size, root) of a checkpoint this key signed), current for ``lifetime`` seconds."""
    size, root = checkpoint
    claims = {
        "iss": issuer,
        "id": handle,
        "ver": version,
        "size": size,
        "root": b64_encode(root),
        "iat": issued_at,
        "nxt": issued_at + lifetime,
    }
    _check(claims)
    return sign_compact(claims, key, LATEST_TYP)


def parse_latest(token: Any) -> LatestStatement:
    """Parse a statement and check its shape; no signature check."""
    jws = parse_kind(token, LATEST_TYP, LatestStatementError, "newest-version statement")
    root = _check(jws.payload)
    members = {name: jws.payload[name] for name in _CLAIMS if name != "root"}
    return LatestStatement(**members, root=root, jws=jws)


def _check(claims: dict[str, Any]) -> bytes:
    extra = set(claims) - set(_CLAIMS)
    missing = set(_CLAIMS) - set(claims)
    if extra or missing:
        raise LatestStatementError(
            f"newest-version statement: claims must be exactly {', '.join(_CLAIMS)}"
            f" (missing {sorted(missing)}, unknown {sorted(extra)})"
        )
    try:
        require_canonical(claims["iss"], "newest-version statement iss")
    except PrefixError as exc:
        raise LatestStatementError(str(exc)) from exc
    if not isinstance(claims["id"], str) or not claims["id"]:
        raise LatestStatementError("newest-version statement: id must be a non-empty string")
    for name in ("ver", "size", "iat", "nxt"):
        if type(claims[name]) is not int or claims[name] < (1 if name == "ver" else 0):
            raise LatestStatementError(
                f"newest-version statement for {claims['id']}: {name} must be an integer"
                f" >= {1 if name == 'ver' else 0}"
            )
    for name in ("iat", "nxt"):
        if not in_calendar(claims[name]):
            raise LatestStatementError(
                f"newest-version statement for {claims['id']}: {name} {claims[name]} is"
                " outside the years 1 to 9999"
            )
    if claims["nxt"] <= claims["iat"]:
        raise LatestStatementError(
            f"newest-version statement for {claims['id']}: nxt must come after iat"
        )
    try:
        root = b64_decode(claims["root"], "newest-version statement root")
    except Base64Error as exc:
        raise LatestStatementError(str(exc)) from exc
    if len(root) != HASH_BYTES:
        raise LatestStatementError(
            f"newest-version statement for {claims['id']}: root is {len(root)} bytes,"
            f" not {HASH_BYTES}"
        )
    return root
