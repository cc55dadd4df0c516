"""The node keeps a signed statement of every identifier's newest version: written with each
version, bound to that write's checkpoint, signed again before it expires, and taken from
the log, never from the store's current-version pointer."""

import json
from pathlib import Path

import pytest

from registry.evidence import bundle_for, refresh_statements
from registry.latest import stored_statement
from registry.service import keep_current
from registry.store import Store
from resolver.cli import main
from signing.checkpoint import parse_checkpoint
from signing.latest import LATEST_LIFETIME, parse_latest
from signing.timestamps import now
from signing.verify import verify_bundle
from tests.conftest import PASSPHRASE
from tests.registry.records_data import product_values
from tests.registry.trust_nodes import Pair, register, registered_pair
from tests.store_file import raw_connection

HALF = LATEST_LIFETIME // 2


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    return registered_pair(tmp_path)


def statement_of(store: Store, handle: str) -> tuple[int, int, int]:
    """(version named, checkpoint size, issue time) of the statement kept for ``handle``."""
    kept = stored_statement(store, handle)
    assert kept is not None
    parsed = parse_latest(kept.statement)
    checkpoint = parse_checkpoint(kept.checkpoint)
    assert (parsed.size, parsed.root) == (checkpoint.size, checkpoint.root)
    return parsed.ver, parsed.size, parsed.iat


def test_each_write_signs_a_statement_bound_to_its_checkpoint(pair: Pair) -> None:
    assert register(pair.enterprise, "88.7/p1", product_values("again")) == ""
    with Store.open(pair.enterprise) as store:
        # leaf 0 is 88.7/admin, then p0, p1, p2 and p1 again
        assert statement_of(store, "88.7/p0")[:2] == (1, 2)
        assert statement_of(store, "88.7/p1")[:2] == (2, 5)
        assert stored_statement(store, "88.7/nothing") is None


def test_statements_are_signed_again_past_half_their_life(pair: Pair) -> None:
    with Store.open(pair.enterprise) as store:
        start = now()
        # Never fully signed before: the daemon's first pass signs every logged identifier.
        assert refresh_statements(store, PASSPHRASE, at=start) == 4
        assert refresh_statements(store, PASSPHRASE, at=start + HALF - 1) == 0
        later = start + HALF
        assert refresh_statements(store, PASSPHRASE, at=later) == 4
        assert statement_of(store, "88.7/p0") == (1, 4, later)
        bundle = bundle_for(store, store.versions.get("88.7/p0"))
    # Past the lifetime of the statement signed with the write, the re-signed one holds.
    moment = start + LATEST_LIFETIME + 60
    assert verify_bundle(bundle, pair.anchor, at=moment, require_latest=True).valid


def test_a_rolled_back_pointer_does_not_roll_back_the_statement(pair: Pair) -> None:
    assert register(pair.enterprise, "88.7/p0", product_values("second")) == ""
    raw_connection(pair.enterprise).execute(
        "UPDATE identifiers SET current_version = 1 WHERE handle = '88.7/p0'"
    )
    with Store.open(pair.enterprise) as store:
        assert refresh_statements(store, PASSPHRASE) == 4
        assert statement_of(store, "88.7/p0")[0] == 2
        # Even a bundle built from the rolled-back version says it is not the newest.
        stale = bundle_for(store, store.versions.get("88.7/p0", version=1))
    failed = verify_bundle(stale, pair.anchor, require_latest=True).failed
    assert failed is not None and failed.name == "latest"
    assert "but version 2 is the newest" in failed.detail


def test_a_read_only_store_signs_nothing(pair: Pair) -> None:
    with Store.open(pair.enterprise, read_only=True) as store:
        before = statement_of(store, "88.7/p2")
        keep_current(store, PASSPHRASE)
        assert statement_of(store, "88.7/p2") == before


def test_glid_check_names_a_missing_or_stale_statement(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--dir", str(pair.enterprise)]) == 0
    capsys.readouterr()
    with Store.open(pair.enterprise) as store:
        first = stored_statement(store, "88.7/p0")
    assert first is not None
    assert register(pair.enterprise, "88.7/p0", product_values("second")) == ""
    conn = raw_connection(pair.enterprise)
    # p0's statement of version 1 put back (a copied-back row), p1's lost, p2's swapped.
    old = json.dumps({"statement": first.statement, "checkpoint": first.checkpoint})
    for handle in ("88.7/p0", "88.7/p2"):
        conn.execute("UPDATE meta SET value = ? WHERE key = ?", (old, f"latest:{handle}"))
    conn.execute("DELETE FROM meta WHERE key = 'latest:88.7/p1'")
    assert main(["check", "--dir", str(pair.enterprise)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "88.7/p0: the node's statement names version 1 but the log holds version 2" in out
    assert (
        "88.7/p1: no signed statement of its newest version, so buyers refuse its answers;"
        " start `glid serve` with GLID_PASSPHRASE set to sign one"
    ) in out
    assert "88.7/p2: its newest-version statement is about 88.7/p0" in out
