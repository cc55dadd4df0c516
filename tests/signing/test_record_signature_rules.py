"""The edges of record signatures: the index range, the signature slot in any position,
claims of the wrong shape refused with the message an operator reads, and the template id."""

import base64
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glid_core.layout import MAX_INDEX
from signing.errors import DigestMismatchError, RecordSignatureError
from signing.jws import sign_compact
from signing.record_signature import (
    RECORD_TYP,
    Coverage,
    coverage,
    digest_text,
    parse_record_signature,
    sign_record,
    template_id,
)
from signing.timestamps import FIRST_SECOND, LAST_SECOND
from tests.signing.builders import HANDLE, T0, footprint_values, key, value

SIGNER = key(4)


def claims_token(**changes: Any) -> str:
    """A record signature whose payload has ``changes`` applied (None removes a claim)."""
    payload: dict[str, Any] = {"id": HANDLE, "ver": 1, "iat": T0, "kid": SIGNER.kid, "dig": {}}
    payload.update(changes)
    return sign_compact({k: v for k, v in payload.items() if v is not None}, SIGNER, RECORD_TYP)


def refused(token: str) -> str:
    with pytest.raises(RecordSignatureError) as caught:
        parse_record_signature(token)
    return str(caught.value)


def test_the_lowest_and_highest_index_are_signed_and_one_past_them_is_refused() -> None:
    values = [value(0, "URL", "low"), value(MAX_INDEX, "URL", "high")]
    _, claims = parse_record_signature(sign_record(HANDLE, 1, values, SIGNER, T0))
    assert claims.indexes == (0, MAX_INDEX)
    assert coverage(claims, values) == Coverage((0, MAX_INDEX), ())
    for index in (-1, MAX_INDEX + 1):
        with pytest.raises(RecordSignatureError, match=f"'index': {index}.* no valid integer"):
            sign_record(HANDLE, 1, [value(index, "URL", "x")], SIGNER, T0)


@pytest.mark.parametrize("not_a_value", [["index", 1], "index", 7, None])
def test_a_value_that_is_not_an_object_is_refused_as_having_no_index(not_a_value: Any) -> None:
    with pytest.raises(RecordSignatureError, match="has no valid integer index"):
        sign_record(HANDLE, 1, [*footprint_values(), not_a_value], SIGNER, T0)


def test_the_signature_value_may_come_first_and_is_still_left_out() -> None:
    values = footprint_values()
    token = sign_record(HANDLE, 1, values, SIGNER, T0)
    _, claims = parse_record_signature(token)
    signature_first = [value(400, "GLID_SIGNATURE", token), *values]
    assert coverage(claims, signature_first, token) == Coverage((1001, 2000, 2001, 2002), ())
    # The same slot taken again after the signature value is a repeated index.
    for second in (value(400, "URL", "u"), value(400, "GLID_SIGNATURE", token)):
        with pytest.raises(RecordSignatureError, match=r"^index 400 appears twice in the record$"):
            coverage(claims, [*signature_first, second], token)


def test_a_signature_slot_without_the_token_is_named_by_its_type() -> None:
    values = footprint_values()
    token = sign_record(HANDLE, 1, values, SIGNER, T0)
    _, claims = parse_record_signature(token)
    bare = {**value(400, "HS_SIGNATURE", ""), "data": token}  # data not an object
    message = (
        "the HS_SIGNATURE value at index 400 is not the signature this answer is verified"
        " with (a record has exactly one signature value)"
    )
    with pytest.raises(DigestMismatchError, match=f"^{re.escape(message)}$"):
        coverage(claims, [*values, bare], token)


@settings(max_examples=50)
@given(st.binary(min_size=32, max_size=32))
def test_digest_text_is_unpadded_base64url_of_the_digest(digest: bytes) -> None:
    assert digest_text(digest) == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_a_token_of_another_kind_is_not_read_as_a_record_signature() -> None:
    payload = {"id": HANDLE, "ver": 1, "iat": T0, "kid": SIGNER.kid, "dig": {}}
    certificate_typed = sign_compact(payload, SIGNER, "glid-cert+jwt")
    assert refused(certificate_typed) == (
        "record signature: JWS typ is 'glid-cert+jwt', expected 'glid-record+jwt'"
    )


@pytest.mark.parametrize("handle", ["88.118.8", 8, None])
def test_the_id_must_be_an_identifier(handle: Any) -> None:
    assert refused(claims_token(id=handle)) == (
        "record signature: id must be an identifier PREFIX/SUFFIX"
    )


@pytest.mark.parametrize(("ver", "iat"), [(1, "2026"), ("1", T0), (1.0, T0), (True, T0)])
def test_ver_and_iat_must_both_be_integers(ver: Any, iat: Any) -> None:
    assert refused(claims_token(ver=ver, iat=iat)) == (
        f"record signature for {HANDLE}: ver and iat must be integers"
    )


def test_the_payload_kid_must_be_the_header_kid() -> None:
    assert refused(claims_token(kid="other")) == (
        f"record signature for {HANDLE}: payload kid 'other' differs from the header kid"
    )


@pytest.mark.parametrize(
    "dig", [[], {"01": "x"}, {"-1": "x"}, {"1.0": "x"}, {"1": 5}, {"1": None}, {"1": "x", "2": 3}]
)
def test_dig_must_map_decimal_indexes_to_digest_texts(dig: Any) -> None:
    assert refused(claims_token(dig=dig)) == (
        f"record signature for {HANDLE}: dig must map decimal indexes to digests"
    )


def test_a_well_formed_dig_with_index_zero_is_read() -> None:
    _, claims = parse_record_signature(claims_token(dig={"0": "a", "10": "b"}))
    assert claims.indexes == (0, 10)


def test_the_template_id_is_the_text_before_the_first_at_sign() -> None:
    def named(text: Any, data: Any = None) -> str | None:
        template = value(1001, "TEMPLATE", text)
        if data is not None:
            template["data"] = data
        return template_id([value(2000, "x", "y"), template])

    assert named("88/tpl.product-footprint") == "88/tpl.product-footprint"  # no version
    assert named("88/tpl.a@1.0.0@2") == "88/tpl.a"
    assert named("", data="88/tpl.a@1.0.0") is None  # data not an object names nothing
    assert named(7) is None


@pytest.mark.parametrize("iat", [FIRST_SECOND - 1, LAST_SECOND + 1, 2**62])
def test_a_signing_time_outside_the_years_1_to_9999_is_refused(iat: int) -> None:
    assert refused(claims_token(iat=iat)) == (
        f"record signature for {HANDLE}: iat {iat} is outside the years 1 to 9999"
    )


@pytest.mark.parametrize("iat", [FIRST_SECOND, LAST_SECOND])
def test_the_first_and_last_second_of_the_calendar_are_signing_times(iat: int) -> None:
    assert parse_record_signature(claims_token(iat=iat))[1].iat == iat
