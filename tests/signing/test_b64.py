import base64
import binascii

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signing.b64 import b64url_decode, b64url_encode
from signing.errors import Base64Error

# Every character that could confuse a decoder: both alphabets, padding, whitespace, dots.
_MIXED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n.é"


def _reference(text: str) -> bytes | None:
    """What a careful decoder must return: the bytes, or None when ``text`` is not the one
    unpadded base64url spelling of some bytes."""
    if any(
        c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text
    ):
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        return None
    return data if b64url_encode(data) == text else None


@given(st.binary(max_size=80))
def test_round_trip(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data), "x") == data


@given(st.text(alphabet=_MIXED, max_size=24))
def test_accepts_exactly_the_canonical_spellings(text: str) -> None:
    expected = _reference(text)
    if expected is None:
        with pytest.raises(Base64Error, match=r"^field "):
            b64url_decode(text, "field")
    else:
        assert b64url_decode(text, "field") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("YQ==", "not unpadded"),  # padded
        ("YR", "stray trailing bits"),  # 'R' sets bits the single byte does not use
        ("Y+E", "not unpadded"),  # standard alphabet
        ("YW\nE", "not unpadded"),
        ("Y", "not unpadded"),  # one character cannot hold a byte
    ],
)
def test_refusals_name_the_reason(text: str, reason: str) -> None:
    with pytest.raises(Base64Error, match=reason):
        b64url_decode(text, "field")
