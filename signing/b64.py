"""Strict base64 codecs.

JOSE uses base64url without padding; C2SP notes use standard base64 with padding. Both
decoders refuse anything but the one canonical spelling of the bytes, so two different
strings never stand for the same key, digest or signature.
"""

import base64
import binascii
import re

from signing.errors import Base64Error

_URL = re.compile(r"[A-Za-z0-9_-]*")
_STD = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Bits of the last character that carry no data, by text length mod 4: they must be zero
# (RFC 4648 §3.5), else two spellings would decode to the same bytes.
_SPARE_BITS = {0: 0, 2: 0b1111, 3: 0b11}
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def b64url_decode(text: str, what: str) -> bytes:
    """Decode unpadded base64url; ``what`` names the field in the error."""
    if not isinstance(text, str) or _URL.fullmatch(text) is None or len(text) % 4 == 1:
        raise Base64Error(f"{what} is not unpadded base64url")
    spare = _SPARE_BITS[len(text) % 4]
    if spare and _URL_ALPHABET.index(text[-1]) & spare:
        raise Base64Error(f"{what} is not canonical base64url (stray trailing bits)")
    raw = text.encode("ascii").translate(_FROM_URLSAFE) + b"=" * (-len(text) % 4)
    return binascii.a2b_base64(raw)


def b64_encode(data: bytes) -> str:
    """Standard padded base64 (RFC 4648 §4)."""
    return base64.b64encode(data).decode("ascii")


def b64_decode(text: str, what: str) -> bytes:
    """Decode standard padded base64; ``what`` names the field in the error."""
    if not isinstance(text, str) or _STD.fullmatch(text) is None or len(text) % 4 != 0:
        raise Base64Error(f"{what} is not padded standard base64")
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise Base64Error(f"{what} is not padded standard base64: {exc}") from exc
    if b64_encode(data) != text:
        raise Base64Error(f"{what} is not canonical base64 (stray trailing bits)")
    return data
