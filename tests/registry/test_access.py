"""Write authentication and authorisation decided in registry.access, against a real store.

These call the rules directly (no HTTP): the edges of the clock window, what is logged for
each refusal, the remembered-secret cache and its eviction order, the nonce's lifetime,
and which prefixes an identity may be enrolled for and write under.
"""

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glid_core.identifiers import Identifier, Prefix
from registry import access, principals, replay
from registry.access import (
    CLOCK_SKEW,
    REFUSED,
    BadCredentials,
    BadPrincipal,
    SecretClaim,
    SignedRequest,
    StaleRequest,
    authorise,
    claim_secret,
    enrol,
    known_principal,
    signing_input,
    verify_signed,
)
from registry.errors import NotFound, OutsidePrefix, Unauthorised
from registry.node import init_node
from registry.store import Store
from registry.store.principals import Principal
from signing.keys import SigningKey
from tests.conftest import PASSPHRASE

IDENTITY = "300:88.101.7/signer"
KEY = SigningKey.from_seed(bytes(range(32)))
OTHER = SigningKey.from_seed(bytes(32))
NOW = 1_900_000_000
NONCE = "n" * 20
BODY = b'{"values":[]}'
PATH = "/api/handles/88.101.7/x?overwrite=true"


@pytest.fixture(scope="module")
def made_node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One node for the module, copied for each test: making a node costs seconds."""
    directory = tmp_path_factory.mktemp("access") / "node"
    init_node(directory, role="enterprise", prefix="88.101.7", passphrase=PASSPHRASE).store.close()
    return directory


@pytest.fixture
def store(made_node: Path, tmp_path: Path) -> Iterator[Store]:
    shutil.copytree(made_node, tmp_path / "node")
    with Store.open(tmp_path / "node") as opened:
        yield opened


@pytest.fixture(autouse=True)
def empty_secret_cache() -> Iterator[None]:
    access._verified.clear()
    yield
    access._verified.clear()


def signed(
    ts: int = NOW, nonce: str = NONCE, *, key: SigningKey = KEY, path: str = PATH
) -> SignedRequest:
    message = signing_input("PUT", path, IDENTITY, key.kid, ts, nonce, BODY)
    return SignedRequest(IDENTITY, key.kid, ts, nonce, key.sign(message))


def refusal_logged(caplog: pytest.LogCaptureFixture) -> str:
    """The one glid.auth warning a refusal wrote."""
    records = [r for r in caplog.records if r.name == "glid.auth"]
    assert len(records) == 1 and records[0].levelno == logging.WARNING
    return records[0].getMessage()


# --- signed requests -----------------------------------------------------------------------


def test_signing_input_upper_cases_the_method_and_hashes_the_body() -> None:
    message = signing_input("put", "/p", "300:88.101.7/a", "k", 7, "nonce", b"")
    empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    lines = ["GLID-ED25519-V1", "PUT", "/p", "300:88.101.7/a", "k", "7", "nonce", empty_sha256]
    assert message == "\n".join(lines).encode()


@pytest.mark.parametrize("offset", [-CLOCK_SKEW, 0, CLOCK_SKEW])
def test_a_signed_request_within_the_window_is_accepted_and_its_nonce_kept(
    store: Store, offset: int
) -> None:
    enrol(store, IDENTITY, public_jwk=KEY.verify_key.to_jwk())
    with store.write() as tx:  # an earlier request's nonce, whose window has closed
        replay.remember(tx, IDENTITY, "old" * 8, expires_at=NOW - 1, now=NOW - 10)
    request = signed(NOW + offset)
    principal = verify_signed(store, request, "PUT", PATH, BODY, now=NOW)
    assert principal.identity == IDENTITY and store.nonces.count() == 1  # the old one: reads only
    access.remember_nonce(store, principal, request, NOW)
    assert store.nonces.count() == 1  # the closed one was dropped when this one was kept
    # The nonce is kept until the request's own window closes, and not a second longer.
    expires = NOW + offset + CLOCK_SKEW
    with pytest.raises(replay.ReplayedNonce), store.write() as tx:
        replay.remember(tx, IDENTITY, NONCE, expires_at=expires + 600, now=expires)
    with store.write() as tx:
        replay.remember(tx, IDENTITY, NONCE, expires_at=expires + 600, now=expires + 1)


@pytest.mark.parametrize("offset", [-CLOCK_SKEW - 1, CLOCK_SKEW + 1])
def test_a_signed_request_outside_the_window_is_stale(store: Store, offset: int) -> None:
    enrol(store, IDENTITY, public_jwk=KEY.verify_key.to_jwk())
    with pytest.raises(StaleRequest) as raised:
        verify_signed(store, signed(NOW + offset), "PUT", PATH, BODY, now=NOW)
    assert str(raised.value) == (
        f"signed request timestamp {NOW + offset} is {-offset:+d} s from the node's clock"
        f" ({NOW}); requests are accepted within ±{CLOCK_SKEW} s, check the clock"
    )
    assert store.nonces.count() == 0


def test_the_same_signed_request_is_accepted_once(store: Store) -> None:
    enrol(store, IDENTITY, public_jwk=KEY.verify_key.to_jwk())
    principal = verify_signed(store, signed(), "PUT", PATH, BODY, now=NOW)
    access.remember_nonce(store, principal, signed(), NOW)
    again = verify_signed(store, signed(), "PUT", PATH, BODY, now=NOW + 1)
    with pytest.raises(replay.ReplayedNonce, match=NONCE):
        access.remember_nonce(store, again, signed(), NOW + 1)


@pytest.mark.parametrize(
    ("what", "detail"),
    [
        (
            "another path",
            "the signed request does not verify: it was altered or signed over a different"
            " method, path, time, nonce or body (",
        ),
        ("another key", f"kid {KEY.kid!r} is not its enrolled key {OTHER.kid}"),
        ("no key", "it has no public key; enrol one with `glid admin add --jwk`"),
        ("unusable key", "its stored key is unusable"),
        ("unknown", f"unknown admin identity (admin identity {IDENTITY} is not known"),
    ],
)
def test_each_failed_signed_request_gets_one_answer_and_a_logged_reason(
    store: Store, caplog: pytest.LogCaptureFixture, what: str, detail: str
) -> None:
    request = signed()
    if what == "another path":
        enrol(store, IDENTITY, public_jwk=KEY.verify_key.to_jwk())
        request = signed(path="/api/handles/88.101.7/y")
    elif what == "another key":
        enrol(store, IDENTITY, public_jwk=OTHER.verify_key.to_jwk())
    elif what == "no key":
        enrol(store, IDENTITY, secret="s")
    elif what == "unusable key":
        with store.write() as tx:
            tx.principals.put(Principal(IDENTITY, "88.101.7", None, {"kty": "OKP"}))
    with caplog.at_level(logging.WARNING, "glid.auth"), pytest.raises(BadCredentials) as raised:
        verify_signed(store, request, "PUT", PATH, BODY, now=NOW)
    assert type(raised.value) is BadCredentials and str(raised.value) == REFUSED
    message = refusal_logged(caplog)
    assert message.startswith(f"authentication of {IDENTITY} failed: {detail}")
    assert store.nonces.count() == 0


def test_a_refusal_logs_at_most_80_characters_of_a_wrong_kid(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    enrol(store, IDENTITY, public_jwk=KEY.verify_key.to_jwk())
    long_kid = "k" * 100
    request = SignedRequest(IDENTITY, long_kid, NOW, NONCE, b"")
    with caplog.at_level(logging.WARNING, "glid.auth"), pytest.raises(BadCredentials):
        verify_signed(store, request, "PUT", PATH, BODY, now=NOW)
    assert refusal_logged(caplog) == (
        f"authentication of {IDENTITY} failed: kid {long_kid[:80]!r} is not its enrolled key"
        f" {KEY.kid}"
    )


def test_a_refusal_logs_at_most_200_characters_of_the_identity(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    identity = "300:88.101.7/" + "x" * 400
    with caplog.at_level(logging.WARNING, "glid.auth"), pytest.raises(BadCredentials):
        known_principal(store, identity)
    shown, _, _ = refusal_logged(caplog).partition(" failed: ")
    assert shown == f"authentication of {identity[:200]}"


def test_a_malformed_identity_is_refused_like_an_unknown_one(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "glid.auth"), pytest.raises(BadCredentials) as raised:
        known_principal(store, "not an identity")
    assert str(raised.value) == REFUSED
    assert "unknown admin identity (" in refusal_logged(caplog)


# --- secrets -------------------------------------------------------------------------------


def test_a_keyless_identity_without_a_secret_cannot_claim_one(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    enrol(store, IDENTITY, public_jwk=KEY.verify_key.to_jwk())
    with caplog.at_level(logging.WARNING, "glid.auth"), pytest.raises(BadCredentials) as raised:
        claim_secret(store, IDENTITY, "anything")
    assert str(raised.value) == REFUSED
    assert refusal_logged(caplog) == (
        f"authentication of {IDENTITY} failed: it has no secret; it must sign its requests"
    )


def test_a_secret_claim_checks_the_secret_and_remembers_only_a_match(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    enrol(store, IDENTITY, secret="right")
    wrong = claim_secret(store, IDENTITY, "wrong")
    with caplog.at_level(logging.WARNING, "glid.auth"), pytest.raises(BadCredentials) as raised:
        wrong.check()
    assert str(raised.value) == REFUSED
    assert refusal_logged(caplog) == f"authentication of {IDENTITY} failed: wrong secret"
    assert not wrong.already_checked()
    right = claim_secret(store, IDENTITY, "right")
    assert right.secret_hash == right.principal.secret_hash and right.secret == "right"
    assert not right.already_checked()
    assert right.check() == known_principal(store, IDENTITY)
    assert right.already_checked()
    # Another secret, or the same secret against another stored hash, is not remembered.
    assert not claim_secret(store, IDENTITY, "wrong").already_checked()
    enrol(store, IDENTITY, secret="right")  # a fresh salt: a new stored hash
    assert not claim_secret(store, IDENTITY, "right").already_checked()


def test_remembered_secrets_are_evicted_least_recently_used_first(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access, "_VERIFIED_LIMIT", 2)
    stored = principals.hash_secret("s")
    claims = {
        name: SecretClaim(Principal(f"300:88.101.7/{name}", "88.101.7", stored, None), stored, "s")
        for name in "abc"
    }
    claims["a"].check()
    claims["b"].check()
    assert claims["b"].already_checked() and claims["a"].already_checked()  # a used last
    claims["c"].check()
    assert [name for name, claim in claims.items() if claim.already_checked()] == ["a", "c"]


# --- authorisation and enrolment -----------------------------------------------------------


def test_an_identity_is_authorised_only_under_its_own_prefix() -> None:
    principal = Principal(IDENTITY, "88.101.7", None, None)
    authorise(principal, Identifier.from_text("88.101.7/a"))
    authorise(principal, Identifier.from_text("88.101.7.2/a"))
    authorise(principal, Prefix.from_text("88.101.7"))
    with pytest.raises(Unauthorised) as raised:
        authorise(principal, Identifier.from_text("88.101.8/a"))
    assert str(raised.value) == f"{IDENTITY} may write only under prefix 88.101.7, not 88.101.8/a"
    with pytest.raises(Unauthorised, match=r"not 88\.101$"):
        authorise(principal, Prefix.from_text("88.101"))


def test_enrol_keeps_a_secret_a_key_or_both(store: Store) -> None:
    jwk = {**KEY.verify_key.to_jwk(), "use": "sig"}
    only_key = enrol(store, "300:88.101.7/k", public_jwk=jwk, secret="")
    assert only_key.secret_hash is None and only_key.public_jwk == KEY.verify_key.to_jwk()
    only_secret = enrol(store, "300:88.101.7/s", secret="s")
    assert only_secret.public_jwk is None
    assert only_secret.secret_hash is not None
    both = enrol(store, "300:88.101.7/b", secret="t", public_jwk=jwk)
    assert known_principal(store, "300:88.101.7/b") == both
    assert both.public_jwk == KEY.verify_key.to_jwk() and both.secret_hash is not None


def test_enrol_accepts_a_delegated_child_prefix_but_nothing_below_it(store: Store) -> None:
    with store.write() as tx:
        tx.prefixes.put("88.101.7.5", "delegated", site="http://child.test")
    jwk = KEY.verify_key.to_jwk()
    child = enrol(store, "300:88.101.7.5/reviewer", public_jwk=jwk)
    assert child.prefix == "88.101.7.5"
    with pytest.raises(OutsidePrefix, match=r"admin identity 300:88\.101\.7\.5\.1/x"):
        enrol(store, "300:88.101.7.5.1/x", public_jwk=jwk)
    assert enrol(store, "300:88.101.7.6/x", public_jwk=jwk).prefix == "88.101.7.6"  # own zone


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        ({}, f"{IDENTITY} needs a non-empty secret or a public JWK"),
        ({"secret": ""}, f"{IDENTITY} needs a non-empty secret or a public JWK"),
        (
            {"secret": "s", "public_jwk": {"kty": "OKP"}},
            f"the JWK for {IDENTITY} is not usable: JWK has kty='OKP' crv=None; glid keys are"
            " kty=OKP crv=Ed25519",
        ),
    ],
)
def test_enrol_without_usable_credentials_says_what_is_wrong_and_keeps_nothing(
    store: Store, credentials: dict[str, Any], message: str
) -> None:
    with pytest.raises(BadPrincipal) as raised:
        enrol(store, IDENTITY, **credentials)
    assert str(raised.value) == message
    with pytest.raises(NotFound):
        principals.get(store, IDENTITY)


def test_enrol_refuses_a_prefix_this_node_knows_nothing_of(store: Store) -> None:
    with pytest.raises(OutsidePrefix) as raised:
        enrol(store, "300:99.1/x", secret="s")
    assert str(raised.value) == (
        "admin identity 300:99.1/x is outside the prefixes this node is authoritative for"
        " (88.101.7); register it on the node that holds prefix 99.1"
    )
    with pytest.raises(NotFound):
        principals.get(store, "300:99.1/x")
