"""Compact JWS with ``alg: EdDSA`` (RFC 7515 + RFC 8037), the envelope of every glid signature.

Tokens are produced in one spelling: header ``{"alg","kid","typ"}`` and payload both as
UTF-8 JSON with sorted keys and no whitespace. Parsing is strict (three unpadded base64url
parts, an EdDSA header with exactly those members, JSON objects, a size limit) so a
verifier never has to guess what a token means. Any JOSE library can check the tokens.
"""

import json
from binascii import b2a_base64
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple

import orjson

from glid_core.errors import GlidError
from signing.b64 import b64url_decode, b64url_encode
from signing.errors import Base64Error, JWSFormatError, SignatureError
from signing.keys import SIGNATURE_BYTES, SigningKey, VerifyKey

ALG = "EdDSA"
MAX_TOKEN_LENGTH = 65536
HEADER_MEMBERS = frozenset({"alg", "kid", "typ"})


class CompactJWS(NamedTuple):
    """A parsed token: nothing in it is trusted until the signature is checked."""

    header: Mapping[str, str]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def json_bytes(value: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON with sorted keys and no whitespace: the one spelling glid signs.

    orjson writes exactly what ``json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` writes for the JSON values glid signs (a test holds it to that),
    several times faster. Claims never hold floats (times are integer NumericDates,
    quantities are decimal strings), so orjson's spelling of NaN as null never arises.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError as exc:  # orjson.JSONEncodeError
        raise JWSFormatError(f"the claims cannot be written as JSON: {exc}") from exc


def sign_compact(payload: Mapping[str, Any], key: SigningKey, typ: str) -> str:
    """Sign ``payload`` as a compact JWS whose header names ``key`` by its kid."""
    signing_input = _header_segment(key.kid, typ) + _segment(json_bytes(payload))
    return (signing_input + _segment(key.sign(signing_input))).decode("ascii")


@lru_cache(maxsize=64)
def _header_segment(kid: str, typ: str) -> bytes:
    # Every token one key signs with one typ has the same header: encode it once.
    return b64url_encode(json_bytes({"alg": ALG, "kid": kid, "typ": typ})).encode("ascii")


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _segment(data: bytes) -> bytes:
    """``"." + b64url_encode(data)`` as ASCII bytes: a token is joined without str round trips."""
    return b"." + b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise JWSFormatError("JWS header repeats a member name")
    return members


@lru_cache(maxsize=1024)
def _parse_header(segment: str) -> Mapping[str, str]:
    # Headers repeat across every token a key signs, so their parse is cached; the
    # read-only view keeps one caller from altering what another sees.
    raw = _decode(segment, "JWS header")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JWSFormatError(f"JWS header is not UTF-8 JSON: {exc}") from exc
    if not isinstance(header, dict):
        raise JWSFormatError("JWS header is not a JSON object")
    if header.get("alg") != ALG:
        raise JWSFormatError(f"JWS alg is {header.get('alg')!r}; glid accepts only {ALG!r}")
    extra = set(header) - HEADER_MEMBERS
    if extra:
        raise JWSFormatError(f"JWS header has members {sorted(extra)}; only alg, kid, typ allowed")
    for member in ("kid", "typ"):
        if not isinstance(header.get(member), str) or not header[member]:
            raise JWSFormatError(f"JWS header member {member!r} must be a non-empty string")
    return MappingProxyType(header)


def _decode(segment: str, what: str) -> bytes:
    try:
        return b64url_decode(segment, what)
    except Base64Error as exc:
        raise JWSFormatError(str(exc)) from exc


def parse_compact(token: str, typ: str | None = None) -> CompactJWS:
    """Split and decode a compact JWS without checking its signature.

    With ``typ``, a token of another kind is refused, so a certificate is never read as a
    record signature.
    """
    if not isinstance(token, str):
        raise JWSFormatError("a compact JWS must be a string")
    if len(token) > MAX_TOKEN_LENGTH:
        raise JWSFormatError(f"JWS is {len(token)} characters; the limit is {MAX_TOKEN_LENGTH}")
    parts = token.split(".")
    if len(parts) != 3:
        raise JWSFormatError(f"a compact JWS has 3 dot-separated parts, this one has {len(parts)}")
    header_segment, payload_segment, signature_segment = parts
    header = _parse_header(header_segment)
    try:
        payload = orjson.loads(_decode(payload_segment, "JWS payload"))
    except orjson.JSONDecodeError as exc:
        raise JWSFormatError(f"JWS payload is not UTF-8 JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise JWSFormatError("JWS payload is not a JSON object")
    signature = _decode(signature_segment, "JWS signature")
    if len(signature) != SIGNATURE_BYTES:
        raise JWSFormatError(f"JWS signature is {len(signature)} bytes, not {SIGNATURE_BYTES}")
    signing_input = token[: len(header_segment) + 1 + len(payload_segment)].encode("ascii")
    parsed = CompactJWS(header, payload, signing_input, signature)
    if typ is not None:
        _require_typ(parsed, typ)
    return parsed


def parse_kind(token: Any, typ: str, error: type[GlidError], what: str) -> CompactJWS:
    """:func:`parse_compact` for one kind of token, its format errors raised as ``error``
    prefixed with ``what``, so each kind fails with its own error type."""
    try:
        return parse_compact(token, typ)
    except JWSFormatError as exc:
        raise error(f"{what}: {exc}") from exc


def check_signature(parsed: CompactJWS, verify_key: VerifyKey) -> None:
    """Raise SignatureError unless ``parsed`` was signed by ``verify_key``."""
    kid = parsed.header["kid"]
    if kid != verify_key.kid:
        raise SignatureError(f"JWS is signed by key {kid}, expected key {verify_key.kid}")
    verify_key.verify(parsed.signing_input, parsed.signature)


def _require_typ(parsed: CompactJWS, typ: str) -> None:
    if parsed.header["typ"] != typ:
        raise JWSFormatError(f"JWS typ is {parsed.header['typ']!r}, expected {typ!r}")


def verify_compact(token: str, verify_key: VerifyKey, typ: str | None = None) -> dict[str, Any]:
    """Return the payload of ``token`` once its signature by ``verify_key`` checks out."""
    parsed = parse_compact(token, typ)
    check_signature(parsed, verify_key)
    return parsed.payload
