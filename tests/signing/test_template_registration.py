"""The registration token of a template sent to the top node, and its documented example."""

import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signing.b64 import b64url_encode
from signing.jws import check_signature, sign_compact
from signing.keys import SigningKey
from signing.template_registration import (
    REGISTRATION_TYP,
    BodyMismatch,
    RegistrationFormatError,
    body_digest,
    check_body,
    parse_registration,
    sign_registration,
)
from templates_meta.model import parse_template

KEY = SigningKey.from_seed(bytes(range(32)))
DOC = (Path(__file__).parents[2] / "docs" / "formats" / "templates.md").read_text("utf-8")
SECTION = DOC[DOC.index("## 9. The upward registration format") :]
TEXT_BLOCKS = re.findall(r"```text\n(.*?)```", SECTION, re.S)


def test_the_digest_is_unpadded_base64url_sha256() -> None:
    # SHA-256 of no bytes is e3b0c442…b855, hand-converted to base64url.
    assert body_digest(b"") == "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


@given(
    ref=st.text(min_size=1, max_size=60),
    body=st.binary(max_size=300),
    iat=st.integers(min_value=0, max_value=2**40),
)
def test_a_token_parses_to_what_was_signed_and_pins_the_body(
    ref: str, body: bytes, iat: int
) -> None:
    parsed, claims = parse_registration(sign_registration(KEY, ref, body, iat))
    check_signature(parsed, KEY.verify_key)
    assert (claims.ref, claims.iat, claims.kid) == (ref, iat, KEY.kid)
    assert claims.sha256 == b64url_encode(hashlib.sha256(body).digest())
    check_body(claims, ref, body)
    with pytest.raises(BodyMismatch, match="does not match the SHA-256"):
        check_body(claims, ref, body + b"\x00")
    with pytest.raises(BodyMismatch, match="but the body is"):
        check_body(claims, ref + "x", body)


@pytest.mark.parametrize(
    ("payload", "typ", "message"),
    [
        ({"iat": 1, "ref": "88/t@1.0.0", "sha256": "a" * 43}, "glid-cert+jwt", "typ"),
        ({"iat": 1, "ref": "88/t@1.0.0"}, REGISTRATION_TYP, "expected exactly"),
        ({"iat": 1, "ref": "88/t@1.0.0", "sha256": "a" * 43, "x": 1}, REGISTRATION_TYP, "exactly"),
        ({"iat": True, "ref": "88/t@1.0.0", "sha256": "a" * 43}, REGISTRATION_TYP, "iat"),
        ({"iat": 1, "ref": "", "sha256": "a" * 43}, REGISTRATION_TYP, "ref must be"),
        ({"iat": 1, "ref": "88/t@1.0.0", "sha256": "abc"}, REGISTRATION_TYP, "43 base64url"),
    ],
)
def test_malformed_tokens_are_refused(payload: dict[str, object], typ: str, message: str) -> None:
    with pytest.raises(RegistrationFormatError, match=message):
        parse_registration(sign_compact(payload, KEY, typ))


def test_the_worked_example_is_what_the_code_produces() -> None:
    document, hex_dump, token = TEXT_BLOCKS
    template = parse_template(document)
    canonical = template.canonical_bytes()
    assert canonical == bytes.fromhex(hex_dump.replace(" ", "").replace("\n", ""))
    assert f"these {len(canonical)} canonical bytes" in SECTION
    assert f"SHA-256 = `{hashlib.sha256(canonical).hexdigest()}`" in SECTION
    assert f"DIGEST = `{body_digest(canonical)}`" in SECTION
    assert f"(kid\n`{KEY.kid}`)" in SECTION
    assert sign_registration(KEY, template.ref, canonical, 1767225600) == token.strip()
