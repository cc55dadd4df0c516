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
    TrustAnchorError,
)
from signing.jws import sign_compact
from tests.signing.builders import T0, YEAR, World, key


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
    top = key(1)
    claims = {
        "iss": "88",
        "sub": "88.118.8",
        "jwk": key(3).verify_key.to_jwk(),
        "pfx": "88.118.8",
        "perms": ["sign"],
        "iat": T0,
        "nbf": T0,
        "exp": T0 + 1,
        "jti": "x",
    }
    with pytest.raises(DelegationError):
        parse_certificate(sign_compact(claims, top, "glid-cert+jwt"))
    with pytest.raises(CertificateError, match="canonical"):
        parse_certificate(sign_compact({**claims, "sub": "88.ABC"}, top, "glid-cert+jwt"))
    with pytest.raises(CertificateError, match="typ"):
        parse_certificate(sign_compact({**claims, "sub": "88.118"}, top, "glid-record+jwt"))


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
