"""Certificates, delegation requests and trust anchors: the shapes they take, each claim rule
one by one, and the exact words an operator reads when a document breaks one of them."""

import time
from collections.abc import Callable
from typing import Any

import pytest

from signing.certificates import (
    DEVICE_TEMPLATES,
    check_delegation_request,
    issue_certificate,
    make_delegation_request,
    make_trust_anchor,
    parse_certificate,
    parse_trust_anchor,
    require_issuable,
)
from signing.errors import (
    CertificateError,
    DelegationError,
    DelegationRequestError,
    SignatureError,
    TrustAnchorError,
)
from signing.jws import sign_compact
from signing.timestamps import LAST_SECOND
from tests.signing.builders import T0, YEAR, World, key

CERT_TYP = "glid-cert+jwt"
REQUEST_TYP = "glid-dreq+jwt"
WHERE = "certificate 'cert-1'"
PERMS_RULE = f"{WHERE}: perms must be a non-empty list drawn from ['delegate', 'sign']"
TPL_RULE = f"{WHERE}: tpl must be a non-empty list of template ids"


def claims(**changes: Any) -> dict[str, Any]:
    """A valid certificate's claims, 88 certifying a signing key of 88.118, with ``changes``
    (a change to ``None`` leaves the claim out)."""
    base = {
        "iss": "88",
        "sub": "88.118",
        "jwk": key(2).verify_key.to_jwk(),
        "pfx": "88.118",
        "perms": ["sign"],
        "iat": T0,
        "nbf": T0,
        "exp": T0 + 10,
        "jti": "cert-1",
    }
    merged = {**base, **changes}
    return {name: value for name, value in merged.items() if value is not None}


def refusal(error: type[Exception], parse: Callable[[Any], object], document: Any) -> str:
    """The message of the ``error`` that ``parse`` refuses ``document`` with."""
    with pytest.raises(error) as caught:
        parse(document)
    return str(caught.value)


def certificate_refusal(payload: dict[str, Any]) -> str:
    """Why a certificate with ``payload``, signed by 88's key, is refused."""
    return refusal(CertificateError, parse_certificate, sign_compact(payload, key(1), CERT_TYP))


def test_delegation_certificate_claims() -> None:
    world = World()
    certificate = parse_certificate(world.secondary_cert())
    assert (certificate.iss, certificate.sub, certificate.pfx) == ("88", "88.118", "88.118")
    assert certificate.perms == {"delegate", "sign"}
    assert certificate.key == world.secondary.verify_key
    assert certificate.issuer_kid == world.top.kid
    assert (certificate.nbf, certificate.exp) == (T0 - YEAR, T0 + YEAR)
    certificate.verify_signature(world.top.verify_key)
    assert certificate.valid_at(T0) and not certificate.valid_at(T0 + YEAR)


def test_device_certificate_is_restricted_to_activity_templates() -> None:
    world = World()
    certificate = parse_certificate(world.device_cert())
    assert certificate.iss == certificate.sub == "88.118.8"
    assert certificate.perms == {"sign"}
    assert certificate.tpl == ("88/tpl.activity-data", "88/tpl.device-reading")
    assert certificate.tpl == DEVICE_TEMPLATES
    assert certificate.allows_template("88/tpl.device-reading")
    assert not certificate.allows_template("88/tpl.product-footprint")


@pytest.mark.parametrize(
    ("issuer", "subject", "perms", "allowed"),
    [
        ("88", "88.118", ["delegate", "sign"], True),
        ("88", "88.118.8", ["delegate", "sign"], False),  # not directly under
        ("88", "89.1", ["sign"], False),
        ("88", "881", ["sign"], False),  # a string prefix, not a child
        ("88.118.8", "88.118.8", ["sign"], True),  # own signing key
        ("88.118.8", "88.118.8", ["delegate"], False),
        ("88.118", "88", ["sign"], False),
    ],
)
def test_direct_child_rule(issuer: str, subject: str, perms: list[str], allowed: bool) -> None:
    if allowed:
        require_issuable(issuer, subject, perms)
    else:
        with pytest.raises(DelegationError):
            require_issuable(issuer, subject, perms)


def test_issue_refuses_what_parse_would_refuse() -> None:
    top = key(1)
    with pytest.raises(DelegationError, match="one level"):
        issue_certificate(
            top, issuer="88", subject="88.118.8", subject_key=key(3).verify_key, perms=["sign"]
        )
    with pytest.raises(CertificateError, match="outside subject"):
        issue_certificate(
            top,
            issuer="88",
            subject="88.118",
            subject_key=key(2).verify_key,
            perms=["sign"],
            permitted="88.119",
        )
    with pytest.raises(CertificateError, match="perms"):
        issue_certificate(
            top, issuer="88", subject="88.118", subject_key=key(2).verify_key, perms=["admin"]
        )
    with pytest.raises(CertificateError, match="nbf must be before exp"):
        issue_certificate(
            top,
            issuer="88",
            subject="88.118",
            subject_key=key(2).verify_key,
            perms=["sign"],
            valid_from=T0,
            valid_until=T0,
        )
    with pytest.raises(CertificateError, match="'sign' only"):
        issue_certificate(
            top,
            issuer="88",
            subject="88.118",
            subject_key=key(2).verify_key,
            perms=["delegate"],
            templates=["88/tpl.device-reading"],
        )


def test_hand_made_certificate_with_bad_claims_is_refused() -> None:
    grandchild = claims(sub="88.118.8", pfx="88.118.8")
    with pytest.raises(DelegationError):
        parse_certificate(sign_compact(grandchild, key(1), CERT_TYP))
    with pytest.raises(CertificateError, match="canonical"):
        parse_certificate(sign_compact(claims(sub="88.ABC"), key(1), CERT_TYP))
    with pytest.raises(CertificateError, match="typ"):
        parse_certificate(sign_compact(claims(), key(1), "glid-record+jwt"))


def test_delegation_request_round_trip_and_forgery() -> None:
    child = key(2)
    request = make_delegation_request("88.118", child, T0)
    assert set(request) == {"prefix", "jwk", "proof"}
    checked = check_delegation_request(request)
    assert (checked.prefix, checked.key, checked.iat) == ("88.118", child.verify_key, T0)
    # Someone else's key in the request, proof still by the child: refused.
    with pytest.raises(DelegationRequestError):
        check_delegation_request({**request, "jwk": key(9).verify_key.to_jwk()})
    # Proof over another prefix: refused.
    other = make_delegation_request("88.119", child, T0)
    with pytest.raises(DelegationRequestError, match="another prefix"):
        check_delegation_request({**request, "proof": other["proof"]})


def test_trust_anchor() -> None:
    top = key(1)
    document = make_trust_anchor("88", top.verify_key)
    assert document == {"prefix": "88", "jwk": top.verify_key.to_jwk()}
    anchor = parse_trust_anchor(document)
    assert anchor.prefix == "88" and anchor.key == top.verify_key
    assert anchor.to_json() == document
    with pytest.raises(TrustAnchorError):
        parse_trust_anchor({"prefix": "88"})
    with pytest.raises(TrustAnchorError):
        parse_trust_anchor({"prefix": "8 8", "jwk": document["jwk"]})


def test_a_parsed_certificate_keeps_its_token_and_every_claim() -> None:
    token = sign_compact(claims(), key(1), CERT_TYP)
    certificate = parse_certificate(token)
    assert certificate.token == token
    assert certificate.jti == "cert-1"
    assert (certificate.iat, certificate.nbf, certificate.exp) == (T0, T0, T0 + 10)
    assert certificate.tpl is None


def test_a_certificate_is_valid_from_nbf_up_to_but_not_at_exp() -> None:
    certificate = parse_certificate(sign_compact(claims(), key(1), CERT_TYP))
    assert certificate.valid_at(T0) and certificate.valid_at(T0 + 9)
    assert not certificate.valid_at(T0 - 1) and not certificate.valid_at(T0 + 10)


def test_a_certificate_checked_against_another_issuer_key_names_both_kids() -> None:
    certificate = parse_certificate(sign_compact(claims(), key(1), CERT_TYP))
    with pytest.raises(SignatureError) as caught:
        certificate.verify_signature(key(9).verify_key)
    assert str(caught.value) == (
        f"certificate cert-1 for 88.118 names issuer key {key(1).kid}, not {key(9).kid}"
    )


def test_delegate_on_the_issuers_own_prefix_is_refused_with_the_reason() -> None:
    with pytest.raises(DelegationError) as caught:
        require_issuable("88.118.8", "88.118.8", ["delegate", "sign"])
    assert str(caught.value) == (
        "88.118.8 may certify its own keys only with 'sign'; 'delegate' on the issuer's own"
        " prefix would let a key re-issue the node's authority"
    )


def test_a_grandchild_is_refused_and_sent_to_its_own_parent() -> None:
    with pytest.raises(DelegationError) as caught:
        require_issuable("88", "88.118.8", ["sign"])
    assert str(caught.value) == (
        "88 cannot certify 88.118.8: a node delegates only prefixes one level directly under"
        " its own (e.g. 88.x); 88.118.8 must be certified by its own parent"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"iss": 88}, f"{WHERE}: iss must be a prefix string"),
        ({"sub": "88.ABC"}, f"{WHERE}: sub '88.ABC' is not in canonical lower-case form"),
        ({"pfx": None}, f"{WHERE}: pfx must be a prefix string"),
        ({"jti": None}, "certificate: jti must be a non-empty string"),
        ({"jti": 7}, "certificate: jti must be a non-empty string"),
        ({"jti": ""}, "certificate '': jti must be a non-empty string"),
        ({"jti": None, "iss": None}, "certificate: iss must be a prefix string"),
    ],
)
def test_a_bad_prefix_or_jti_is_named_with_the_certificate(
    changes: dict[str, Any], message: str
) -> None:
    assert certificate_refusal(claims(**changes)) == message


@pytest.mark.parametrize("name", ["iat", "nbf", "exp"])
@pytest.mark.parametrize("bad", [-1, True, 1.5, "1767225600"])
def test_times_must_be_whole_non_negative_seconds(name: str, bad: object) -> None:
    assert certificate_refusal(claims(**{name: bad})) == (
        f"{WHERE}: {name} must be a NumericDate (whole seconds)"
    )


def test_a_time_past_the_year_9999_is_refused_where_the_certificate_is_read() -> None:
    assert certificate_refusal(claims(exp=LAST_SECOND + 1)) == (
        f"{WHERE}: exp {LAST_SECOND + 1} is outside the years 1 to 9999"
    )
    assert parse_certificate(sign_compact(claims(exp=LAST_SECOND), key(1), CERT_TYP))


def test_time_zero_is_a_numeric_date() -> None:
    certificate = parse_certificate(sign_compact(claims(iat=0, nbf=0), key(1), CERT_TYP))
    assert (certificate.iat, certificate.nbf) == (0, 0)


@pytest.mark.parametrize(
    "perms", [[], ["sign", "sign"], {"sign": True}, "sign", [1], ["sign", "admin"]]
)
def test_perms_must_be_a_list_of_distinct_known_permissions(perms: object) -> None:
    assert certificate_refusal(claims(perms=perms)) == PERMS_RULE


@pytest.mark.parametrize(
    "tpl", [[], [""], [5], {"88/tpl.device-reading": True}, "88/tpl.device-reading"]
)
def test_tpl_must_be_a_list_of_template_ids(tpl: object) -> None:
    assert certificate_refusal(claims(tpl=tpl)) == TPL_RULE


def test_a_request_made_without_a_time_carries_the_current_one() -> None:
    before = int(time.time())
    checked = check_delegation_request(make_delegation_request("88.118", key(2)))
    assert before <= checked.iat <= int(time.time())


def request_refusal(document: Any) -> str:
    return refusal(DelegationRequestError, check_delegation_request, document)


def test_a_request_that_is_not_an_object_is_refused() -> None:
    assert request_refusal(["88.118"]) == "a delegation request must be a JSON object"


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        (None, "delegation request for None: delegation request prefix must be a prefix string"),
        (
            "88.ABC",
            "delegation request for '88.ABC': delegation request prefix '88.ABC' is not in"
            " canonical lower-case form",
        ),
    ],
)
def test_a_request_for_a_bad_prefix_names_it(prefix: str | None, message: str) -> None:
    request = make_delegation_request("88.118", key(2), T0)
    assert request_refusal({**request, "prefix": prefix}) == message


def proof(payload: dict[str, Any], typ: str = REQUEST_TYP) -> dict[str, Any]:
    """A request for 88.118 whose proof, by the requested key, signs ``payload`` as ``typ``."""
    child = key(2)
    jwk = child.verify_key.to_jwk()
    return {"prefix": "88.118", "jwk": jwk, "proof": sign_compact(payload, child, typ)}


def test_a_proof_of_another_kind_is_refused() -> None:
    jwk = key(2).verify_key.to_jwk()
    document = proof({"prefix": "88.118", "jwk": jwk, "iat": T0}, CERT_TYP)
    assert request_refusal(document) == (
        "delegation request for '88.118': JWS typ is 'glid-cert+jwt', expected 'glid-dreq+jwt'"
    )


@pytest.mark.parametrize("iat", [None, True, "1767225600"])
def test_a_proof_without_a_whole_iat_is_refused(iat: object) -> None:
    payload = {"prefix": "88.118", "jwk": key(2).verify_key.to_jwk(), "iat": iat}
    document = proof({name: value for name, value in payload.items() if value is not None})
    assert request_refusal(document) == "delegation request for 88.118: proof iat is missing"


def anchor_refusal(document: Any) -> str:
    return refusal(TrustAnchorError, parse_trust_anchor, document)


def test_a_trust_anchor_that_is_not_an_object_is_refused() -> None:
    assert anchor_refusal("88") == "a trust anchor must be a JSON object with prefix and jwk"


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        (None, "trust anchor: trust anchor prefix must be a prefix string"),
        (
            "88.ABC",
            "trust anchor: trust anchor prefix '88.ABC' is not in canonical lower-case form",
        ),
    ],
)
def test_a_trust_anchor_with_a_bad_prefix_names_it(prefix: str | None, message: str) -> None:
    document = make_trust_anchor("88", key(1).verify_key)
    assert anchor_refusal({**document, "prefix": prefix}) == message
