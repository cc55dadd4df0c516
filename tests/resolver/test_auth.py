"""Write authentication: Basic credentials, Ed25519 signed requests, replay refusal, enrolment."""

import base64
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import replay
from registry.access import REFUSED, BadCredentials, BadPrincipal, enrol, signing_input
from registry.errors import OutsidePrefix
from registry.store import Store
from resolver.auth import parse_signed_header, sign_request
from resolver.cli import main
from signing.keys import SigningKey
from tests.registry.records_data import line
from tests.resolver.network import Network
from tests.resolver.test_handle_rest import basic

IDENTITY = "300:88.101.7/signer"
SEED = bytes(range(32))
BODY = json.dumps({"values": [{"index": 1, "type": "URL", "data": "https://s.example"}]}).encode()


@pytest.fixture
def key(network: Network) -> SigningKey:
    signing_key = SigningKey.from_seed(SEED)
    with network.secondary.store() as store:
        enrol(store, IDENTITY, public_jwk=signing_key.verify_key.to_jwk())
    return signing_key


def counts(network: Network) -> tuple[int, int]:
    with network.secondary.store() as store:
        return store.versions.count()


async def put(
    http: aiohttp.ClientSession, url: str, header: str, body: bytes = BODY
) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": header, "Content-Type": "application/json"}
    async with http.put(url, data=body, headers=headers) as response:
        return response.status, await response.json()


# --- the scheme, byte for byte -------------------------------------------------------------


def test_signing_input_is_the_documented_bytes() -> None:
    body = b'{"values":[]}'
    expected = (
        b"GLID-ED25519-V1\n"
        b"PUT\n"
        b"/api/handles/88.101.7/caf%C3%A9?overwrite=false\n"
        b"300:88.101.7/signer\n"
        b"KID\n"
        b"1767225600\n"
        b"AAAAAAAAAAAAAAAAAAAAAA\n" + hashlib.sha256(body).hexdigest().encode()
    )
    assert (
        signing_input(
            "put",
            "/api/handles/88.101.7/caf%C3%A9?overwrite=false",
            IDENTITY,
            "KID",
            1767225600,
            "AAAAAAAAAAAAAAAAAAAAAA",
            body,
        )
        == expected
    )
    # SHA-256 of the empty body, as a DELETE signs it.
    assert signing_input("DELETE", "/p", "i", "k", 1, "n", b"").endswith(
        b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


@given(
    suffix=st.text(
        st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), min_size=1, max_size=30
    ),
    ts=st.integers(min_value=0, max_value=2**40),
)
def test_header_round_trips_any_identity(suffix: str, ts: int) -> None:
    identity = f"300:88.101.7/{suffix}"
    header = sign_request(SigningKey.from_seed(SEED), identity, "PUT", "/x", b"", ts=ts)
    scheme, _, params = header.partition(" ")
    parsed = parse_signed_header(params)
    assert scheme == "Glid-Ed25519"
    assert (parsed.identity, parsed.ts, parsed.kid) == (
        identity,
        ts,
        SigningKey.from_seed(SEED).kid,
    )
    assert len(parsed.sig) == 64


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ("identity=a, kid=b, ts=1, nonce=AAAAAAAAAAAAAAAA", "lacks sig"),
        ("identity=a, kid=b, ts=x, nonce=AAAAAAAAAAAAAAAA, sig=AA", "Unix seconds"),
        ("identity=a, kid=b, ts=1, nonce=short, sig=AA", "nonce"),
        ("identity=a, kid=b, ts=1, nonce=AAAAAAAAAAAAAAAA, sig=A", "base64url"),
        ("identity=a, identity=a, kid=b, ts=1, nonce=AAAAAAAAAAAAAAAA, sig=AA", "twice"),
        ("identity=a, realm=b, kid=b, ts=1, nonce=AAAAAAAAAAAAAAAA, sig=AA", "realm"),
    ],
)
def test_malformed_headers_are_named(params: str, fragment: str) -> None:
    with pytest.raises(BadCredentials, match=fragment):
        parse_signed_header(params)


def test_remembered_nonces_expire(make_node: Callable[..., Path]) -> None:
    directory = make_node()
    with Store.open(directory) as store:
        with store.write() as tx:
            replay.remember(tx, "300:88.101.7/a", "n1", expires_at=100, now=50)
            replay.remember(tx, "300:88.101.7/b", "n1", expires_at=100, now=50)
        with pytest.raises(replay.ReplayedNonce, match="n1"), store.write() as tx:
            replay.remember(tx, "300:88.101.7/a", "n1", expires_at=100, now=60)
        with store.write() as tx:
            # At time 101 both have expired and are dropped; the nonce may then be used again.
            replay.remember(tx, "300:88.101.7/a", "n1", expires_at=400, now=101)
        assert store.nonces.count() == 1


# --- signed requests against a node --------------------------------------------------------


async def test_signed_put_is_accepted_once(network: Network, key: SigningKey) -> None:
    path = "/api/handles/88.101.7/signed"
    header = sign_request(key, IDENTITY, "PUT", path, BODY)
    async with aiohttp.ClientSession() as http:
        status, body = await put(http, network.secondary.url + path, header)
        assert (status, body["responseCode"]) == (201, 1)
        before = counts(network)
        status, replayed = await put(http, network.secondary.url + path, header)
        assert (status, replayed["responseCode"]) == (401, 402)
        assert "already used" in str(replayed["message"])
        assert counts(network) == before
        fresh = sign_request(key, IDENTITY, "PUT", path, BODY)
        status, _ = await put(http, network.secondary.url + path, fresh)
        assert status == 200
    with network.secondary.store() as store:
        assert store.versions.get("88.101.7/signed").actor == IDENTITY


async def test_signed_requests_that_do_not_verify(
    network: Network, key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    """Every refusal about a named identity reads the same, so an answer never tells which
    identities exist; the node's log keeps the precise reason for the operator."""
    path = "/api/handles/88.101.7/signed"
    url = network.secondary.url + path
    now = int(time.time())
    other = SigningKey.from_seed(bytes(32))
    cases = {
        "altered body": (sign_request(key, IDENTITY, "PUT", path, b"{}"), "does not verify"),
        "other path": (
            sign_request(key, IDENTITY, "PUT", "/api/handles/88.101.7/other", BODY),
            "does not verify",
        ),
        "other method": (sign_request(key, IDENTITY, "DELETE", path, BODY), "does not verify"),
        "too old": (sign_request(key, IDENTITY, "PUT", path, BODY, ts=now - 400), "±300 s"),
        "from the future": (
            sign_request(key, IDENTITY, "PUT", path, BODY, ts=now + 400),
            "check the clock",
        ),
        "other key": (sign_request(other, IDENTITY, "PUT", path, BODY), "is not its enrolled key"),
        "unknown identity": (
            sign_request(key, "300:88.101.7/ghost", "PUT", path, BODY),
            "unknown admin identity",
        ),
        "no key enrolled": (
            sign_request(key, network.hosted_admin[0], "PUT", path, BODY),
            "has no public key",
        ),
    }
    before = counts(network)
    async with aiohttp.ClientSession() as http:
        for name, (header, fragment) in cases.items():
            caplog.clear()
            status, body = await put(http, url, header)
            assert (status, body["responseCode"]) == (401, 402), name
            if "clock" in fragment or "±" in fragment:
                assert fragment in str(body["message"]), name
            else:
                assert body["message"] == REFUSED, name
                assert fragment in caplog.text, name
        async with http.get(f"{network.secondary.url}/healthz") as response:
            assert response.status == 200
    assert counts(network) == before


async def test_a_signed_identity_writes_only_under_its_prefix(
    network: Network, key: SigningKey
) -> None:
    path = "/api/handles/88.101/x"
    async with aiohttp.ClientSession() as http:
        status, body = await put(
            http, network.secondary.url + path, sign_request(key, IDENTITY, "PUT", path, BODY)
        )
    assert (status, body["responseCode"]) == (403, 400)


async def test_batch_endpoint_accepts_both_schemes(network: Network, key: SigningKey) -> None:
    path = "/glid/v1/records"
    lines = "\n".join(json.dumps(line(f"88.101.7/batch-{n}")) for n in range(3))
    outside = json.dumps(line("88.101/not-mine"))
    body = f"{lines}\n{outside}\n".encode()
    url = network.secondary.url + path
    async with aiohttp.ClientSession() as http:
        signed = {"Authorization": sign_request(key, IDENTITY, "POST", path, body)}
        async with http.post(url, data=body, headers=signed) as response:
            assert response.status == 200
            result = await response.json()
        async with http.post(url, data=body, headers=signed) as response:
            assert response.status == 401 and "already used" in (await response.json())["error"]
        async with http.post(url, data=body, headers=basic(*network.hosted_admin)) as response:
            assert response.status == 200
            by_password = await response.json()
        async with http.post(url, data=body) as response:
            assert response.status == 401
    assert (result["accepted"], result["rejected"]) == (3, 1)
    assert "may write only under prefix 88.101.7" in result["results"][3]["error"]
    assert [r.get("version") for r in by_password["results"][:3]] == [2, 2, 2]


async def test_a_changed_secret_takes_effect_at_once(network: Network) -> None:
    identity, secret = network.hosted_admin
    path = f"{network.secondary.url}/api/handles/88.101.7/s"
    async with aiohttp.ClientSession() as http:
        async with http.put(path, data=BODY, headers=basic(identity, secret)) as response:
            assert response.status == 201
        with network.secondary.store() as store:
            enrol(store, identity, secret="a new secret")
        async with http.put(path, data=BODY, headers=basic(identity, secret)) as response:
            assert response.status == 401
        async with http.put(path, data=BODY, headers=basic(identity, "a new secret")) as response:
            assert response.status == 200
        # Handle clients may also send the identity unencoded: "300:PREFIX/SUFFIX:secret".
        token = base64.b64encode(f"{identity}:a new secret".encode()).decode()
        raw = {"Authorization": f"Basic {token}"}
        async with http.put(path, data=BODY, headers=raw) as response:
            assert response.status == 200


# --- enrolment -----------------------------------------------------------------------------


def test_enrol_refuses_unusable_credentials(make_node: Callable[..., Path]) -> None:
    directory = make_node()
    private = {**SigningKey.from_seed(SEED).verify_key.to_jwk(), "d": "secret-half"}
    with Store.open(directory) as store:
        with pytest.raises(BadPrincipal, match="private key"):
            enrol(store, "300:88.101.7/k", public_jwk=private)
        with pytest.raises(BadPrincipal, match="secret or a public JWK"):
            enrol(store, "300:88.101.7/k", secret="")
        with pytest.raises(OutsidePrefix, match=r"88\.102"):
            enrol(store, "300:88.102/k", secret="s")


def test_admin_add_command(
    make_node: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_node()
    jwk_file, secret_file = tmp_path / "key.jwk", tmp_path / "secret"
    jwk_file.write_text(json.dumps(SigningKey.from_seed(SEED).verify_key.to_jwk()))
    secret_file.write_text("s3cret\n")
    code = main(
        [
            "admin",
            "--dir",
            str(directory),
            "add",
            "--identity",
            "300:88.101.7/Ops",
            "--secret-file",
            str(secret_file),
            "--jwk",
            str(jwk_file),
            "--json",
        ]
    )
    shown = json.loads(capsys.readouterr().out)
    assert code == 0
    assert shown == {
        "identity": "300:88.101.7/Ops",
        "prefix": "88.101.7",
        "secret": True,
        "kid": SigningKey.from_seed(SEED).kid,
    }
    # The identity's handle resolves, as Handle clients require, without the secret.
    with Store.open(directory) as store:
        first = store.versions.get("88.101.7/Ops")
        values = {value["index"]: value for value in first.values()}
    assert values[100]["type"] == "HS_ADMIN"
    assert values[100]["data"]["value"] == {
        "handle": "88.101.7/Ops",
        "index": 300,
        "permissions": "011111110011",
    }
    assert values[300]["type"] == "HS_PUBKEY"
    assert values[300]["data"]["value"] == SigningKey.from_seed(SEED).verify_key.to_jwk()
    assert "s3cret" not in json.dumps(first.values())
    again = ["admin", "--dir", str(directory), "add", "--identity", "300:88.101.7/Ops"]
    assert main([*again, "--secret-file", str(secret_file)]) == 0
    with Store.open(directory) as store:
        assert store.versions.get("88.101.7/Ops").version == first.version
    assert main(["admin", "--dir", str(directory), "add", "--identity", "300:88.101.7/x"]) == 1
    assert "--secret-file, --jwk or both" in capsys.readouterr().err
    missing = str(tmp_path / "absent")
    assert (
        main(
            [
                "admin",
                "--dir",
                str(directory),
                "add",
                "--identity",
                "300:88.101.7/x",
                "--jwk",
                missing,
            ]
        )
        == 1
    )
    assert "cannot read the JWK file" in capsys.readouterr().err


def test_identity_in_header_is_percent_encoded() -> None:
    header = sign_request(SigningKey.from_seed(SEED), "300:88.101.7/a b,c", "GET", "/", ts=1)
    assert f"identity={quote('300:88.101.7/a b,c', safe='')}," in header


def test_the_documented_example_header() -> None:
    """docs/protocol/auth.md's worked example, byte for byte (Ed25519 is deterministic)."""
    body = b'{"values":[{"index":1,"type":"URL","data":"https://a.example"}]}'
    header = sign_request(
        SigningKey.from_seed(SEED),
        IDENTITY,
        "PUT",
        "/api/handles/88.101.7/coil-9?overwrite=false",
        body,
        ts=1767225600,
        nonce="q9Zk3J5b1T0cN2xW8rVd4A",
    )
    assert header == (
        "Glid-Ed25519 identity=300%3A88.101.7%2Fsigner,"
        " kid=1IG2tMH7J2wbJZnOf8LJzQitKf7LMvoAElsuDMVM54Y, ts=1767225600,"
        " nonce=q9Zk3J5b1T0cN2xW8rVd4A,"
        " sig=6OhVxviGW24ceLjMkyyv4T8-IZMDDFUChnXBWmVialRXUKHq4nhb"
        "XwW5YQtINtkNi5DcO3LneW6Ce5XDYKl4AQ"
    )
