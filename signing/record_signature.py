"""Record signatures: one JWS per record version over per-value digests.

As in Handle v9 and IDIS, the signature covers a digest of each value separately, keyed
by index, so a response filtered to some indexes still verifies, while a complete check
also notices a value that was removed. The one value that carries the signature itself
(type GLID_SIGNATURE at index 400) is left out, because it cannot cover itself; every other
value, whatever its type, is covered or reported. What was signed is what the payload's
``dig`` lists, never what an answer says about itself.
"""

import hashlib
import re
from binascii import b2a_base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glid_core import canonical
from glid_core.errors import EncodingError
from glid_core.layout import (
    MAX_INDEX,
    SIGNATURE_INDEX,
    SIGNATURE_TYPES,
    TEMPLATE_INDEX,
    TEMPLATE_TYPE,
)
from signing.errors import DigestMismatchError, JWSFormatError, RecordSignatureError
from signing.jws import CompactJWS, parse_compact, sign_compact
from signing.keys import SigningKey
from signing.timestamps import in_calendar, numeric_date

RECORD_TYP = "glid-record+jwt"
VALUE_FIELDS = ("index", "type", "data", "ttl", "timestamp")
_URLSAFE = bytes.maketrans(b"+/", b"-_")
# A dig key is an index in its one decimal spelling: no sign, no leading zero.
_DIG_KEY = re.compile(r"0|[1-9][0-9]*")


def _index_of(value: Mapping[str, Any]) -> int:
    index = value.get("index") if isinstance(value, Mapping) else None
    if type(index) is not int or not 0 <= index <= MAX_INDEX:
        raise RecordSignatureError(f"record value {value!r:.80} has no valid integer index")
    return index


def value_digest(value: Mapping[str, Any]) -> bytes:
    """SHA-256 of the canonical MessagePack of the value's index, type, data, ttl, timestamp.

    Other members (such as a server's annotations) are not covered, so adding them does
    not break a signature; changing any covered member does.
    """
    return hashlib.sha256(_covered_bytes(value, _index_of(value))).digest()


def _covered_bytes(value: Mapping[str, Any], index: int) -> bytes:
    try:
        return canonical.encode_value_fields(
            value["data"], index, value["timestamp"], value["ttl"], value["type"]
        )
    except KeyError as exc:
        raise RecordSignatureError(f"value at index {index} has no {exc.args[0]!r}") from exc
    except EncodingError as exc:
        raise RecordSignatureError(f"value at index {index}: {exc}") from exc


def is_signature_value(value: Mapping[str, Any]) -> bool:
    """Whether ``value`` is the slot that carries a record's signature (index 400)."""
    return value.get("index") == SIGNATURE_INDEX and value.get("type") in SIGNATURE_TYPES


def _digests(values: Iterable[Mapping[str, Any]], token: str | None = None) -> dict[str, str]:
    """Map "<index>" → b64url digest of every value but the signature value.

    With ``token`` (checking an answer), a value in the signature slot must carry exactly
    that signature: anything else there is refused rather than silently skipped. A
    repeated index is refused.
    """
    digests: dict[str, str] = {}
    sha256 = hashlib.sha256
    slot_taken = False  # by the signature value, which has no digest
    for value in values:
        index = _index_of(value)
        key = str(index)
        if key in digests or (slot_taken and index == SIGNATURE_INDEX):
            raise RecordSignatureError(f"index {key} appears twice in the record")
        if is_signature_value(value):
            if token is not None:
                _require_token(value, token)
            slot_taken = True
            continue
        digests[key] = digest_text(sha256(_covered_bytes(value, index)).digest())
    return digests


def _require_token(value: Mapping[str, Any], token: str) -> None:
    data = value.get("data")
    carried = data.get("value") if isinstance(data, Mapping) else None
    if carried != token:
        raise DigestMismatchError(
            f"the {value.get('type')} value at index {SIGNATURE_INDEX} is not the signature"
            " this answer is verified with (a record has exactly one signature value)"
        )


def digest_text(digest: bytes) -> str:
    """A value digest as the signature's ``dig`` map writes it: base64url, no padding."""
    # 32 bytes are 43 base64url characters, then one '=' of padding and a newline.
    return b2a_base64(digest).translate(_URLSAFE)[:43].decode()


def sign_record(
    handle: str,
    version: int,
    values: Iterable[Mapping[str, Any]],
    key: SigningKey,
    signed_at: int | datetime,
) -> str:
    """The compact JWS (typ glid-record+jwt) over ``values`` of ``handle`` at ``version``."""
    return sign_digests(handle, version, _digests(values), key, signed_at)


def sign_digests(
    handle: str,
    version: int,
    digests: Mapping[str, str],
    key: SigningKey,
    signed_at: int | datetime,
) -> str:
    """:func:`sign_record` for a caller that already holds each value's digest text
    (the node's write path, which encodes every value once for the store anyway)."""
    payload = {
        "id": handle,
        "ver": version,
        "iat": numeric_date(signed_at),
        "kid": key.kid,
        "dig": digests,
    }
    return sign_compact(payload, key, RECORD_TYP)


@dataclass(frozen=True, slots=True)
class RecordClaims:
    """The claims of a record signature; ``dig`` maps "<index>" to a b64url digest."""

    id: str
    ver: int
    iat: int
    kid: str
    dig: Mapping[str, str]

    @property
    def indexes(self) -> tuple[int, ...]:
        return tuple(sorted(int(key) for key in self.dig))


def parse_record_signature(token: str) -> tuple[CompactJWS, RecordClaims]:
    """Parse a record signature and check its claims' shape (not yet its signature)."""
    try:
        parsed = parse_compact(token, RECORD_TYP)
    except JWSFormatError as exc:
        raise RecordSignatureError(f"record signature: {exc}") from exc
    claims = parsed.payload
    handle, ver, iat, kid, dig = (claims.get(k) for k in ("id", "ver", "iat", "kid", "dig"))
    if not isinstance(handle, str) or "/" not in handle:
        raise RecordSignatureError("record signature: id must be an identifier PREFIX/SUFFIX")
    if type(ver) is not int or type(iat) is not int:
        raise RecordSignatureError(f"record signature for {handle}: ver and iat must be integers")
    if not in_calendar(iat):
        raise RecordSignatureError(
            f"record signature for {handle}: iat {iat} is outside the years 1 to 9999"
        )
    if kid != parsed.header["kid"]:
        raise RecordSignatureError(
            f"record signature for {handle}: payload kid {kid!r} differs from the header kid"
        )
    if (
        type(dig) is not dict
        or not all(map(_DIG_KEY.fullmatch, dig))
        or not all(type(d) is str for d in dig.values())
    ):
        raise RecordSignatureError(
            f"record signature for {handle}: dig must map decimal indexes to digests"
        )
    return parsed, RecordClaims(handle, ver, iat, kid, dig)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which signed values an answer holds: ``present`` were checked against their
    digests, ``missing`` are signed but absent (a partial answer)."""

    present: tuple[int, ...]
    missing: tuple[int, ...]


def coverage(
    claims: RecordClaims, values: Iterable[Mapping[str, Any]], token: str | None = None
) -> Coverage:
    """Check every value of an answer against the signed digests.

    A value the signature does not list, or lists with another digest, raises
    DigestMismatchError; signed values the answer lacks are returned as ``missing``, so
    the caller reports the answer as partial instead of complete.
    """
    present = _digests(values, token)
    signed = claims.dig
    if present == signed:  # the usual case, decided in one comparison
        return Coverage(tuple(sorted(map(int, present))), ())
    for key, digest in present.items():
        claimed = signed.get(key)
        if claimed is None:
            raise DigestMismatchError(
                f"{claims.id}: value at index {key} is not covered by the record signature"
                " (added after signing)"
            )
        if claimed != digest:
            raise DigestMismatchError(
                f"{claims.id}: value at index {key} does not match its signed digest"
                " (altered, or moved from another index)"
            )
    missing = sorted(int(key) for key in signed.keys() - present.keys())
    return Coverage(tuple(sorted(map(int, present))), tuple(missing))


def check_digests(claims: RecordClaims, values: Iterable[Mapping[str, Any]]) -> tuple[int, ...]:
    """Check a complete record against the signed digests and return its indexes."""
    checked = coverage(claims, values)
    if checked.missing:
        raise DigestMismatchError(
            f"{claims.id}: signed value(s) at index {', '.join(map(str, checked.missing))}"
            " are missing from the record (removed after signing)"
        )
    return checked.present


def template_id(values: Iterable[Mapping[str, Any]]) -> str | None:
    """The template id (without @version) named by the record's TEMPLATE value at index
    1001, if any; a value of another type at 1001 names no template."""
    for value in values:
        if value.get("index") == TEMPLATE_INDEX:
            data = value.get("data")
            text = data.get("value") if isinstance(data, Mapping) else None
            if value.get("type") == TEMPLATE_TYPE and isinstance(text, str):
                return text.partition("@")[0]
            return None
    return None
