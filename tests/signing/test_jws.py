import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jws as jose_jws
from joserfc.jwk import OKPKey

from signing.b64 import b64url_encode
from signing.errors import JWSFormatError, SignatureError
from signing.jws import CompactJWS, check_signature, parse_compact, sign_compact, verify_compact
from signing.keys import SigningKey

KEY = SigningKey.from_seed(b"\x01" * 32)
OTHER = SigningKey.from_seed(b"\x02" * 32)


def segment(obj: object) -> str:
    return b64url_encode(json.dumps(obj).encode())


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_independent_jose_library_verifies_our_token() -> None:
    token = sign_compact({"b": 2, "a": "ü"}, KEY, "glid-test+jwt")
    jwk = OKPKey.import_key(KEY.verify_key.to_jwk())
    result = jose_jws.deserialize_compact(token, jwk, algorithms=["EdDSA"])
    assert result.protected == {"alg": "EdDSA", "kid": KEY.kid, "typ": "glid-test+jwt"}
    assert json.loads(result.payload) == {"a": "ü", "b": 2}
    # The one spelling: sorted keys, no spaces, UTF-8 (not \\u escapes).
    assert result.payload == '{"a":"ü","b":2}'.encode()


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_jose_library_token_with_our_header_verifies_here() -> None:
    jwk = OKPKey.import_key({**KEY.verify_key.to_jwk(), "d": b64url_encode(KEY.seed)})
    header = {"alg": "EdDSA", "kid": KEY.kid, "typ": "glid-test+jwt"}
    token = jose_jws.serialize_compact(header, b'{"x":1}', jwk, algorithms=["EdDSA"])
    assert verify_compact(token, KEY.verify_key, "glid-test+jwt") == {"x": 1}


def test_round_trip_and_wrong_key() -> None:
    token = sign_compact({"n": 1}, KEY, "t")
    header, payload, signing_input, signature = parse_compact(token)
    assert dict(header) == {"alg": "EdDSA", "kid": KEY.kid, "typ": "t"}
    assert payload == {"n": 1}
    assert signing_input == token.rsplit(".", 1)[0].encode()
    assert len(signature) == 64
    with pytest.raises(SignatureError, match="expected key"):
        verify_compact(token, OTHER.verify_key)
    with pytest.raises(JWSFormatError, match="typ"):
        verify_compact(token, KEY.verify_key, "other")


def test_tampered_payload_fails_signature() -> None:
    token = sign_compact({"n": 1}, KEY, "t")
    h, _, s = token.split(".")
    forged = f"{h}.{segment({'n': 2})}.{s}"
    with pytest.raises(SignatureError):
        verify_compact(forged, KEY.verify_key)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t.rsplit(".", 1)[0], "3 dot-separated parts"),
        (lambda t: t + ".x", "3 dot-separated parts"),
        (lambda t: t[:-10], "signature is"),
        (lambda t: t.replace(".", ".*", 1), "base64url"),
        (lambda t: t + "=", "base64url"),
        (lambda t: "x" * 70000, "limit"),
    ],
)
def test_malformed_tokens(mangle: object, message: str) -> None:
    token = sign_compact({"n": 1}, KEY, "t")
    with pytest.raises(JWSFormatError, match=message):
        parse_compact(mangle(token))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"alg": "none", "kid": "k", "typ": "t"}, "alg"),
        ({"alg": "HS256", "kid": "k", "typ": "t"}, "alg"),
        ({"alg": "EdDSA", "kid": "k", "typ": "t", "crit": ["b64"]}, "only alg, kid, typ"),
        ({"alg": "EdDSA", "typ": "t"}, "kid"),
        (["EdDSA"], "object"),
    ],
)
def test_bad_headers(header: object, message: str) -> None:
    token = f"{segment(header)}.{segment({'n': 1})}.{b64url_encode(bytes(64))}"
    with pytest.raises(JWSFormatError, match=message):
        parse_compact(token)


def test_duplicate_header_member_and_non_object_payload() -> None:
    raw = b'{"alg":"EdDSA","kid":"k","kid":"j","typ":"t"}'
    token = f"{b64url_encode(raw)}.{segment({'n': 1})}.{b64url_encode(bytes(64))}"
    with pytest.raises(JWSFormatError, match="repeats"):
        parse_compact(token)
    header = segment({"alg": "EdDSA", "kid": "k", "typ": "t"})
    with pytest.raises(JWSFormatError, match="not a JSON object"):
        parse_compact(f"{header}.{segment([1])}.{b64url_encode(bytes(64))}")
    with pytest.raises(JWSFormatError, match="not UTF-8 JSON"):
        parse_compact(f"{header}.{b64url_encode(b'{')}.{b64url_encode(bytes(64))}")


def test_non_canonical_base64_trailing_bits_are_refused() -> None:
    token = sign_compact({"n": 1}, KEY, "t")
    h, p, s = token.split(".")
    # The last character of a 64-byte signature carries 4 unused bits; setting one
    # gives a second spelling of the same bytes, which must not be accepted.
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(s[-1])
    twin = s[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last | 1]
    assert base64.urlsafe_b64decode(twin + "==") == base64.urlsafe_b64decode(s + "==")
    with pytest.raises(JWSFormatError, match="canonical"):
        parse_compact(f"{h}.{p}.{twin}")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_any_json_payload_round_trips(payload: dict[str, object]) -> None:
    assert verify_compact(sign_compact(payload, KEY, "t"), KEY.verify_key) == payload


def agrees_with_joserfc(token: str, parsed: CompactJWS) -> None:
    """What our parser accepted, an independent JOSE library reads the same way."""
    other = jose_jws.extract_compact(token.encode("ascii"))
    assert other.protected == dict(parsed.header)
    assert json.loads(other.payload) == parsed.payload
    head, body, signature = token.split(".")
    assert parsed.signing_input == f"{head}.{body}".encode()
    assert b64url_encode(parsed.signature) == signature


def corrupted(token: str, data: st.DataObject) -> str:
    """``token`` with one character replaced, inserted or deleted."""
    at = data.draw(st.integers(0, len(token) - 1))
    spare = data.draw(st.sampled_from("A_-.=+/a0é"))
    how = data.draw(st.sampled_from(["replace", "insert", "delete"]))
    cut = at + (how != "insert")
    return token[:at] + ("" if how == "delete" else spare) + token[cut:]


@settings(max_examples=150)
@given(st.dictionaries(st.text(), json_values, max_size=4), st.data())
def test_a_corrupted_token_never_verifies(payload: dict[str, object], data: st.DataObject) -> None:
    """One changed character either breaks the format or the signature, and a token our
    parser still reads is read alike by joserfc."""
    token = sign_compact(payload, KEY, "t")
    agrees_with_joserfc(token, parse_compact(token))
    changed = corrupted(token, data)
    try:
        parsed = parse_compact(changed)
    except JWSFormatError:
        return
    agrees_with_joserfc(changed, parsed)
    if changed != token:
        with pytest.raises(SignatureError):
            check_signature(parsed, KEY.verify_key)


headers = st.dictionaries(
    st.sampled_from(["alg", "kid", "typ", "crit", "x5u"]),
    st.sampled_from(["EdDSA", "ES256", "", "k", 1, None]),
)


@settings(max_examples=150)
@given(headers, st.one_of(json_values, st.dictionaries(st.text(), json_values, max_size=3)))
def test_the_parser_reads_headers_and_payloads_as_a_jose_library_does(
    header: dict[str, object], payload: object
) -> None:
    """Tokens shaped right but with any header and payload: accepted exactly when the
    header is EdDSA with a non-empty kid and typ and nothing else, and the payload is an
    object; whatever is accepted reads alike in joserfc."""
    token = ".".join([segment(header), segment(payload), b64url_encode(bytes(64))])
    wanted = (
        header.get("alg") == "EdDSA"
        and set(header) <= {"alg", "kid", "typ"}
        and all(isinstance(header.get(m), str) and header[m] for m in ("kid", "typ"))
        and isinstance(payload, dict)
    )
    try:
        parsed = parse_compact(token)
    except JWSFormatError:
        assert not wanted
        return
    assert wanted
    agrees_with_joserfc(token, parsed)
