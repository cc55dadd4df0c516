"""Compressed GS1 Digital Link URIs: the GTIN, batch/lot and serial they carry.

A compressed Digital Link (GS1 Digital Link standard 1.2, §8) packs the element strings
into bits and writes them as one base64url path segment, ``https://HOST/AQyNo0UVqCDKWcn92Q``,
so a small QR code holds a long URI. glid reads the part it maps: AI 01 (GTIN), AI 10
(batch/lot) and AI 21 (serial), each written on its own or through the optimisation codes
``0B`` (01 then 10) and ``0C`` (01 then 21). Any other AI is refused by name, as in an
uncompressed link. The bit layout is in docs/formats/identifiers.md §6.5.
"""

import math
import re

from registry.errors import BadDigitalLink

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# The first eight bits are an AI's two hex digits: "01" (00000001) or an optimisation code
# "0B" (00001011) or "0C" (00001100); in base64url that is "A" then one of Q-f, "C" then one
# of w-z 0-9 - _, or "D" then one of A-P.
SEGMENT_RE = re.compile(r"(?:A[Q-Za-f]|C[w-z0-9_-]|D[A-P])[A-Za-z0-9_-]{6,}")
OPTIMISED = {"0B": ("01", "10"), "0C": ("01", "21")}
GTIN_BITS = math.ceil(14 * math.log2(10))  # 47
LENGTH_BITS = 5  # a length of up to 20 characters (AI 10, AI 21)
HEX = "0123456789abcdef"


class _Bits:
    """A cursor over the decoded bit string that refuses to read past its end."""

    def __init__(self, segment: str, where: str) -> None:
        self.bits = "".join(f"{ALPHABET.index(char):06b}" for char in segment)
        self.at = 0
        self.where = where

    def remaining(self) -> int:
        return len(self.bits) - self.at

    def take(self, count: int) -> int:
        if count > self.remaining():
            raise BadDigitalLink(f"{self.where}: the compressed data ends in the middle of a value")
        value = int(self.bits[self.at : self.at + count] or "0", 2)
        self.at += count
        return value


def is_compressed(segment: str) -> bool:
    """True if a path segment has the shape of a compressed link that starts with a GTIN."""
    return SEGMENT_RE.fullmatch(segment) is not None


def decompress(segment: str, where: str) -> tuple[str, str | None, str | None]:
    """GTIN (as written, not yet check-digit verified), lot and serial from ``segment``."""
    bits = _Bits(segment, where)
    values: dict[str, str] = {}
    while bits.remaining() > 8:
        high, low = bits.take(4), bits.take(4)
        code = f"{high:X}{low:X}"
        ais = (code,) if high <= 9 and low <= 9 else OPTIMISED.get(code)
        if ais is None:
            raise BadDigitalLink(f"{where}: optimisation code {code} is not one glid maps")
        for ai in ais:
            if ai in values:
                raise BadDigitalLink(f"{where}: AI {ai} is repeated")
            values[ai] = _value(bits, ai, where)
    if "01" not in values:
        raise BadDigitalLink(f"{where}: the compressed data holds no GTIN (AI 01)")
    return values["01"], values.get("10"), values.get("21")


def _value(bits: _Bits, ai: str, where: str) -> str:
    if ai == "01":
        return str(bits.take(GTIN_BITS)).zfill(14)
    if ai not in ("10", "21"):
        raise BadDigitalLink(
            f"{where}: AI {ai} is not supported; glid maps GTIN (01) with batch/lot (10) "
            "and serial (21)"
        )
    encoding, count = bits.take(3), bits.take(LENGTH_BITS)
    if encoding == 0:  # all digits, as one binary number
        return str(bits.take(math.ceil(count * math.log2(10)))).zfill(count)
    if encoding in (1, 2):  # hexadecimal, lower or upper case
        text = "".join(HEX[bits.take(4)] for _ in range(count))
        return text if encoding == 1 else text.upper()
    if encoding == 3:  # the base64url alphabet
        return "".join(ALPHABET[bits.take(6)] for _ in range(count))
    if encoding == 4:  # 7-bit ASCII
        return "".join(chr(bits.take(7)) for _ in range(count))
    raise BadDigitalLink(f"{where}: AI {ai} uses string encoding {encoding}, which is not defined")
