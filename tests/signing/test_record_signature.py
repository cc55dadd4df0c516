import hashlib

import pytest

from signing.b64 import b64url_encode
from signing.errors import DigestMismatchError, RecordSignatureError
from signing.jws import verify_compact
from signing.record_signature import (
    Coverage,
    check_digests,
    coverage,
    parse_record_signature,
    sign_record,
    template_id,
    value_digest,
)
from tests.signing.builders import HANDLE, T0, footprint_values, key, value


def test_value_digest_by_hand() -> None:
    url = {
        "index": 1,
        "type": "URL",
        "data": {"format": "string", "value": "x"},
        "ttl": 0,
        "timestamp": "t",
        "annotation": "not covered",
    }
    packed = (
        b"\x85"
        + b"\xa4data\x82\xa6format\xa6string\xa5value\xa1x"
        + b"\xa5index\x01"
        + b"\xa9timestamp\xa1t"
        + b"\xa3ttl\x00"
        + b"\xa4type\xa3URL"
    )
    assert value_digest(url) == hashlib.sha256(packed).digest()


def test_payload_shape() -> None:
    signer = key(4)
    values = [*footprint_values(), value(400, "HS_SIGNATURE", "a.b.c")]
    token = sign_record(HANDLE, 3, values, signer, T0)
    payload = verify_compact(token, signer.verify_key, "glid-record+jwt")
    assert payload["id"] == HANDLE and payload["ver"] == 3 and payload["iat"] == T0
    assert payload["kid"] == signer.kid
    assert set(payload["dig"]) == {"1001", "2000", "2001", "2002"}  # the signature value left out
    assert payload["dig"]["2001"] == b64url_encode(value_digest(values[2]))


def test_complete_and_filtered_checks() -> None:
    values = footprint_values()
    _, claims = parse_record_signature(sign_record(HANDLE, 1, values, key(4), T0))
    assert check_digests(claims, values) == (1001, 2000, 2001, 2002)
    subset = [values[0], values[2]]
    with pytest.raises(DigestMismatchError, match="index 2000, 2002 are missing"):
        check_digests(claims, subset)
    assert coverage(claims, subset) == Coverage((1001, 2001), (2000, 2002))


def test_only_the_signature_value_at_400_is_left_out() -> None:
    values = footprint_values()
    token = sign_record(HANDLE, 1, values, key(4), T0)
    _, claims = parse_record_signature(token)
    for type_ in ("GLID_SIGNATURE", "HS_SIGNATURE"):  # the current name and the old one
        carried = [*values, value(400, type_, token)]
        assert coverage(claims, carried, token) == Coverage((1001, 2000, 2001, 2002), ())
    with pytest.raises(DigestMismatchError, match="not the signature"):
        coverage(claims, [*values, value(400, "GLID_SIGNATURE", "x.y.z")], token)
    with pytest.raises(DigestMismatchError, match="index 401 is not covered"):
        coverage(claims, [*values, value(401, "HS_SIGNATURE", token)], token)
    with pytest.raises(RecordSignatureError, match="400 appears twice"):
        coverage(claims, [*values, value(400, "URL", "u"), value(400, "GLID_SIGNATURE", token)])


def test_moved_and_unsigned_values() -> None:
    values = footprint_values()
    _, claims = parse_record_signature(sign_record(HANDLE, 1, values, key(4), T0))
    moved = [dict(v) for v in values]
    moved[1]["index"], moved[3]["index"] = 2002, 2000
    with pytest.raises(DigestMismatchError, match="moved from another index"):
        check_digests(claims, moved)
    with pytest.raises(DigestMismatchError, match="not covered"):
        check_digests(claims, [*values, value(1, "URL", "https://example.com")])
    with pytest.raises(RecordSignatureError, match="twice"):
        check_digests(claims, [*values, values[0]])


def test_template_id() -> None:
    assert template_id(footprint_values()) == "88/tpl.product-footprint"
    assert template_id(footprint_values()[1:]) is None
    decoy = [value(1001, "HS_SIGNATURE", "88/tpl.device-reading@1.0.0")]
    assert template_id(decoy) is None  # only a TEMPLATE-typed value names the template


def test_bad_values_are_refused() -> None:
    with pytest.raises(RecordSignatureError, match="integer index"):
        sign_record(HANDLE, 1, [{"index": "1"}], key(4), T0)
    with pytest.raises(RecordSignatureError, match="no 'timestamp'"):
        sign_record(HANDLE, 1, [{"index": 1, "type": "URL", "data": {}}], key(4), T0)
    with pytest.raises(RecordSignatureError, match="floats"):
        sign_record(HANDLE, 1, [value(2000, "x", 1.5)], key(4), T0)
