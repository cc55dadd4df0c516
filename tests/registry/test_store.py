import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.errors import NodeExists, NotANode, StoreError
from registry.node import init_node
from registry.store import DB_NAME, Store
from registry.store import sqlite_schema as migrations
from tests.conftest import PASSPHRASE
from tests.store_file import raw_connection


def test_init_creates_a_wal_store_key_and_delegation_request(tmp_path: Path) -> None:
    created = init_node(tmp_path / "n", role="enterprise", prefix="88.101.7", passphrase=PASSPHRASE)
    store = created.store
    assert store.node.role == "enterprise" and store.node.prefix == "88.101.7"
    assert raw_connection(store).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert created.handoff == tmp_path / "n" / "delegation-request.json"
    (key_file,) = (tmp_path / "n" / "keys").iterdir()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert created.kid in key_file.name


def test_top_node_writes_a_trust_anchor(tmp_path: Path) -> None:
    created = init_node(tmp_path / "top", role="top", prefix="88", passphrase=PASSPHRASE)
    assert created.handoff.name == "trust-anchor.json"
    assert not (tmp_path / "top" / "delegation-request.json").exists()


def test_prefix_is_stored_lower_case(tmp_path: Path) -> None:
    created = init_node(tmp_path / "n", role="secondary", prefix="88.AB", passphrase=PASSPHRASE)
    assert created.store.node.prefix == "88.ab"


@pytest.mark.parametrize(
    ("role", "prefix", "message"),
    [
        ("mayor", "88.1", "unknown role 'mayor'"),
        ("top", "88.1", "one-segment prefix"),
        ("enterprise", "88", "has no parent"),
    ],
)
def test_bad_init_creates_nothing(tmp_path: Path, role: str, prefix: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        init_node(tmp_path / "n", role=role, prefix=prefix, passphrase=PASSPHRASE)
    assert not (tmp_path / "n").exists()


def test_init_refuses_an_existing_node_and_leaves_it(make_node: Callable[..., Path]) -> None:
    directory = make_node()
    before = (directory / DB_NAME).read_bytes()
    with pytest.raises(NodeExists):
        init_node(directory, role="enterprise", prefix="88.101.9", passphrase=PASSPHRASE)
    assert (directory / DB_NAME).read_bytes() == before
    assert Store.open(directory).node.prefix == "88.101.7"


def test_open_refuses_a_directory_that_is_not_a_node(tmp_path: Path) -> None:
    with pytest.raises(NotANode, match="run `glid init` first"):
        Store.open(tmp_path)
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(NotANode, match="not a readable glid store"):
        Store.open(tmp_path)


FIRST_COLUMN = {
    "record_versions": "handle",
    "log_leaves": "leaf",
    "log_nodes": "hash",
    "audit": "actor",
}
ROWS = {
    "record_versions": (
        "INSERT INTO record_versions VALUES ('88.101.7/a', 1, x'90', NULL, 0, 't', 'a')"
    ),
    # index 0 holds the admin identity's handle, logged by `glid init`
    "log_leaves": "INSERT INTO log_leaves VALUES (1, '88.101.7/a', 1, x'00')",
    "log_nodes": "INSERT INTO log_nodes VALUES (0, 1, x'00')",
    "audit": "INSERT INTO audit (at, actor, action, target) VALUES ('t', 'a', 'x', 'y')",
}


@pytest.mark.parametrize("table", sorted(ROWS))
def test_history_tables_are_append_only(make_node: Callable[..., Path], table: str) -> None:
    store = Store.open(make_node())
    before = raw_connection(store).execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    raw_connection(store).execute(ROWS[table])
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw_connection(store).execute(f"DELETE FROM {table}")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw_connection(store).execute(f"UPDATE {table} SET {FIRST_COLUMN[table]} = NULL")
    assert (
        raw_connection(store).execute(f"SELECT count(*) FROM {table}").fetchone()[0] == before + 1
    )


def test_a_newer_schema_is_refused(make_node: Callable[..., Path]) -> None:
    directory = make_node()
    conn = sqlite3.connect(directory / DB_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="schema version 99 is newer than this glid knows"):
        Store.open(directory)


def test_an_older_store_is_migrated_on_open(make_node: Callable[..., Path]) -> None:
    directory = make_node()
    conn = sqlite3.connect(directory / DB_NAME)
    conn.executescript(
        "DROP TABLE pact_tokens; DROP TABLE pact_clients;"
        " DROP TABLE delegation_requests; DROP TABLE request_nonces; DROP INDEX keys_by_prefix;"
        " ALTER TABLE keys DROP COLUMN seq; PRAGMA user_version = 1;"
    )
    conn.close()
    with Store.open(directory) as store:
        # Keys made before the seq column keep their order: seq is numbered from rowid.
        assert [k.purpose for k in store.keys.all()] == ["node"]
        assert store.keys.newest_signing("88.101.7") is not None
        assert store.schema_version() == len(migrations.MIGRATIONS) == 5
        tables = {row[0] for row in raw_connection(store).execute("SELECT name FROM sqlite_master")}
        assert {"delegation_requests", "request_nonces", "pact_clients", "pact_tokens"} <= tables
        assert store.node.prefix == "88.101.7"  # the data from before the upgrade is intact
