import pytest

from signing.b64 import b64url_decode, b64url_encode
from signing.errors import KeyFormatError, SignatureError
from signing.keys import SigningKey, VerifyKey

# RFC 8037 Appendix A.1-A.4: an Ed25519 key, its thumbprint and a known signature.
RFC_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC_INPUT = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
RFC_SIGNATURE = (
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


def test_rfc8037_key_thumbprint_and_signature() -> None:
    key = SigningKey.from_seed(b64url_decode(RFC_D, "d"))
    assert key.verify_key.x == RFC_X
    assert key.kid == RFC_THUMBPRINT
    assert b64url_encode(key.sign(RFC_INPUT)) == RFC_SIGNATURE
    assert key.verify_key.verify(RFC_INPUT, b64url_decode(RFC_SIGNATURE, "sig")) == RFC_INPUT


def test_jwk_round_trip_and_kid_check() -> None:
    public = SigningKey.generate().verify_key
    jwk = public.to_jwk()
    assert jwk == {"kty": "OKP", "crv": "Ed25519", "x": public.x, "kid": public.kid}
    assert VerifyKey.from_jwk(jwk) == public
    with pytest.raises(KeyFormatError, match="thumbprint"):
        VerifyKey.from_jwk({**jwk, "kid": RFC_THUMBPRINT})


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-256", "x": RFC_X},
        {"kty": "OKP", "crv": "X25519", "x": RFC_X},
        {"kty": "OKP", "crv": "Ed25519", "x": RFC_X + "A"},
        {"kty": "OKP", "crv": "Ed25519", "x": RFC_X[:-1]},
        {"kty": "OKP", "crv": "Ed25519", "x": RFC_X, "d": RFC_D},
        {"kty": "OKP", "crv": "Ed25519"},
    ],
)
def test_bad_jwk_is_refused(jwk: dict[str, str]) -> None:
    with pytest.raises(KeyFormatError):
        VerifyKey.from_jwk(jwk)


def test_verify_raises_and_never_returns_false() -> None:
    key = SigningKey.from_seed(b"\x07" * 32)
    signature = key.sign(b"message")
    with pytest.raises(SignatureError, match=key.kid):
        key.verify_key.verify(b"messagE", signature)
    with pytest.raises(SignatureError):
        SigningKey.from_seed(b"\x08" * 32).verify_key.verify(b"message", signature)
    with pytest.raises(SignatureError):
        key.verify_key.verify(b"message", signature[:63])


def test_lengths_and_equality() -> None:
    with pytest.raises(KeyFormatError):
        SigningKey.from_seed(b"\x01" * 31)
    with pytest.raises(KeyFormatError):
        VerifyKey.from_bytes(b"\x01" * 33)
    a, b = SigningKey.from_seed(b"\x01" * 32), SigningKey.from_seed(b"\x01" * 32)
    assert a == b and a.verify_key == b.verify_key
    assert a != SigningKey.from_seed(b"\x02" * 32)
    assert "seed" not in repr(a) and a.seed.hex() not in repr(a)
