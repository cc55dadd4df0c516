from pathlib import Path

import pytest

from registry import keyring, revocations
from registry.errors import NotFound
from registry.evidence import bundle_for
from registry.store import Store
from signing.keys import VerifyKey
from signing.revocation import parse_revocation_list
from signing.timestamps import now
from signing.verify import Verdict, verify_bundle
from tests.conftest import PASSPHRASE
from tests.registry.records_data import product_values
from tests.registry.trust_nodes import Pair, make_pair, register
from tests.store_file import raw_connection


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    return make_pair(tmp_path)


def verdict_of(pair: Pair, handle: str) -> Verdict:
    with Store.open(pair.enterprise) as store:
        stored = store.versions.get(handle)
        revocations.refresh(store, PASSPHRASE)  # the writer keeps the list current
        return verify_bundle(bundle_for(store, stored), pair.anchor)


def test_each_revocation_reissues_one_list_with_every_entry(pair: Pair) -> None:
    with Store.open(pair.enterprise) as store:
        rotated = keyring.rotate(store, PASSPHRASE)
        first = revocations.revoke(store, PASSPHRASE, kid=rotated.kid, reason="superseded", at=100)
        second = revocations.revoke(store, PASSPHRASE, prefix="88.7.X", reason="compromised")
        published = store.revocations.published()
        authority = keyring.active_key(store, "88.7")
        rows = raw_connection(store).execute("SELECT count(*) FROM revocations").fetchone()[0]
        retired = store.keys.find(rotated.kid).retired_at
    assert published == [second] and rows == 2
    old, new = parse_revocation_list(first), parse_revocation_list(second)
    assert (old.seq, new.seq) == (1, 2)
    assert [e.to_json() for e in new.entries] == [
        {"kid": rotated.kid, "reason": "superseded", "at": 100},
        {"prefix": "88.7.x", "reason": "compromised", "at": new.entries[1].at},
    ]
    # Signed by the authority key, which every chain of this node contains.
    new.verify_signature(VerifyKey.from_jwk(authority.jwk))
    assert new.iss == "88.7" and retired is not None


@pytest.mark.parametrize(
    ("kid", "prefix", "message"),
    [
        ("unknown-kid", None, "neither made nor certified by this node"),
        (None, "88.8", "lies outside 88.7"),
        (None, "88..7", "segment 2 at offset 3 is empty"),
    ],
)
def test_what_a_node_cannot_revoke(
    pair: Pair, kid: str | None, prefix: str | None, message: str
) -> None:
    with Store.open(pair.enterprise) as store, pytest.raises(revocations.RevocationRefused) as e:
        revocations.revoke(store, PASSPHRASE, kid=kid, prefix=prefix, reason="compromised")
    assert message in str(e.value)


def rotate_and_sign(pair: Pair) -> str:
    with Store.open(pair.enterprise) as store:
        kid = keyring.rotate(store, PASSPHRASE).kid
    assert register(pair.enterprise, "88.7/after", product_values()) == ""
    return kid


@pytest.mark.parametrize(
    ("reason", "offset", "valid"),
    [
        ("compromised", 3600, False),  # compromised: every signature is void, even earlier ones
        ("superseded", 3600, True),  # superseded later than the signature: still good
        ("superseded", -3600, False),  # superseded before the signature: void
    ],
)
def test_compromised_voids_all_superseded_only_later_signatures(
    pair: Pair, reason: str, offset: int, valid: bool
) -> None:
    kid = rotate_and_sign(pair)
    with Store.open(pair.enterprise) as store:
        revocations.revoke(store, PASSPHRASE, kid=kid, reason=reason, at=now() + offset)
    verdict = verdict_of(pair, "88.7/after")
    assert verdict.valid is valid
    if not valid:
        assert verdict.failed is not None and verdict.failed.name == "revocation"
        assert f"key {kid} revoked as {reason}" in verdict.failed.detail


def test_own_revoked_signing_key_retires_and_the_node_needs_a_new_one(pair: Pair) -> None:
    kid = rotate_and_sign(pair)
    with Store.open(pair.enterprise) as store:
        revocations.revoke(store, PASSPHRASE, kid=kid, reason="compromised")
    with pytest.raises(NotFound, match=r"no signing key for prefix 88\.7"):
        register(pair.enterprise, "88.7/next", product_values())
    with Store.open(pair.enterprise) as store:
        keyring.rotate(store, PASSPHRASE)
    assert register(pair.enterprise, "88.7/next", product_values()) == ""
    assert verdict_of(pair, "88.7/next").valid
