"""Strict base64 codecs.

JOSE uses base64url without padding; C2SP notes use standard base64 with padding. Both
decoders refuse anything but the one canonical spelling of the bytes, so two different
strings never stand for the same key, digest or signature.
"""

import base64
import binascii
import re

from signing.errors import Base64Error

_STD = re.compile(r"[A-Za-z0-9+/]*={0,2}")


_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    # binascii directly: base64.urlsafe_b64encode adds two Python calls to each of the
    # several encodings every record signature makes.
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode()


_URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Bits of the last character that carry no data, by text length mod 4: they must be zero
# (RFC 4648 §3.5), else two spellings would decode to the same bytes.
_SPARE_BITS = {0: 0, 2: 0b1111, 3: 0b11}
_PADDING = {0: b"", 2: b"==", 3: b"="}
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def b64url_decode(text: str, what: str) -> bytes:
    """Decode unpadded base64url; ``what`` names the field in the error."""
    # Every JWS a resolver checks passes here twice, so the alphabet is left to binascii's
    # strict mode; only the characters it would take from the other alphabets or as
    # padding are refused first.
    if (
        type(text) is not str
        or not text.isascii()
        or len(text) % 4 == 1
        or "=" in text
        or "+" in text
        or "/" in text
    ):
        raise Base64Error(f"{what} is not unpadded base64url")
    remainder = len(text) % 4
    spare = _SPARE_BITS[remainder]
    last = _URL_ALPHABET.find(text[-1]) if spare else 0  # -1 off the alphabet: strict mode says so
    if last > 0 and last & spare:
        raise Base64Error(f"{what} is not canonical base64url (stray trailing bits)")
    raw = text.encode("ascii").translate(_FROM_URLSAFE) + _PADDING[remainder]
    try:
        return binascii.a2b_base64(raw, strict_mode=True)
    except binascii.Error as exc:
        raise Base64Error(f"{what} is not unpadded base64url") from exc


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
