import stat
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from registry.errors import NodeExists, NotANode, StoreError, StoreUnavailable
from registry.node import init_node
from registry.store import DB_NAME, STORE_URL_FILE, Store
from registry.store import sqlite_schema as migrations
from tests.conftest import PASSPHRASE
from tests.store_file import raw_connection, rows


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


def test_init_refuses_an_existing_node_and_leaves_it(
    make_node: Callable[..., Path], store_url: str | None
) -> None:
    directory = make_node(url=store_url)
    with Store.open(directory) as store:
        before = rows(store)
    with pytest.raises(NodeExists):
        init_node(directory, role="enterprise", prefix="88.101.9", passphrase=PASSPHRASE)
    with Store.open(directory) as store:
        assert store.node.prefix == "88.101.7"
        assert rows(store) == before


def test_a_database_holds_one_node(make_node: Callable[..., Path], pg_url: str) -> None:
    directory = make_node(url=pg_url)
    with pytest.raises(NodeExists, match="already holds a glid node"):
        make_node("88.101.9", url=pg_url)
    assert not (directory.parent / "88.101.9" / STORE_URL_FILE).exists()
    assert stat.S_IMODE((directory / STORE_URL_FILE).stat().st_mode) == 0o600


def test_open_refuses_a_directory_that_is_not_a_node(tmp_path: Path) -> None:
    with pytest.raises(NotANode, match="run `glid init` first"):
        Store.open(tmp_path)
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(NotANode, match="not a readable glid store"):
        Store.open(tmp_path)


def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    url = f"postgresql://glid:s3cret@/glid?host={tmp_path}&connect_timeout=2"
    with pytest.raises(StoreError, match="cannot reach the node's PostgreSQL database") as caught:
        Store.create(tmp_path / "n", role="enterprise", prefix="88.101.7", url=url)
    assert "s3cret" not in str(caught.value) and "dbname=glid" in str(caught.value)
    assert not (tmp_path / "n" / STORE_URL_FILE).exists()


FIRST_COLUMN = {
    "record_versions": "handle",
    "log_leaves": "leaf",
    "log_nodes": "hash",
    "audit": "actor",
}
ROWS = {
    "record_versions": "INSERT INTO record_versions VALUES ('88.101.7/a', 1, ?, NULL, 0, 't', 'a')",
    # index 0 holds the admin identity's handle, logged by `glid init`
    "log_leaves": "INSERT INTO log_leaves VALUES (1, '88.101.7/a', 1, ?)",
    "log_nodes": "INSERT INTO log_nodes VALUES (0, 1, ?)",
    "audit": "INSERT INTO audit (at, actor, action, target) VALUES ('t', 'a', 'x', ?)",
}


@pytest.mark.parametrize("table", sorted(ROWS))
def test_history_tables_are_append_only(
    make_node: Callable[..., Path], store_url: str | None, table: str
) -> None:
    with Store.open(make_node(url=store_url)) as store:
        session = store.backend.reads
        before = session.one(f"SELECT count(*) FROM {table}")
        assert before is not None
        session.run(ROWS[table], ("y" if table == "audit" else b"\x00",))
        with pytest.raises(StoreUnavailable, match="append-only"):
            session.run(f"DELETE FROM {table}")
        with pytest.raises(StoreUnavailable, match="append-only"):
            session.run(f"UPDATE {table} SET {FIRST_COLUMN[table]} = NULL")
        assert session.one(f"SELECT count(*) FROM {table}") == (before[0] + 1,)


# How each backend records its schema version, and how to take a store back to version 1.
SET_VERSION = {
    "sqlite": "PRAGMA user_version = {n}",
    "postgresql": "UPDATE schema_version SET version = {n}",
}
DOWNGRADE = (
    "DROP TABLE pact_tokens; DROP TABLE pact_clients; DROP TABLE delegation_requests;"
    " DROP TABLE request_nonces; DROP INDEX keys_by_prefix; ALTER TABLE keys DROP COLUMN seq"
)


def _backend(store_url: str | None) -> str:
    return "sqlite" if store_url is None else "postgresql"


def _run_raw(directory: Path, store_url: str | None, script: str) -> None:
    """Change a store behind glid's back, as an older glid or an operator would."""
    if store_url is None:
        raw_connection(directory).executescript(script)
    else:
        with psycopg.connect(store_url, autocommit=True) as conn:
            conn.execute(script.encode())


def test_a_newer_schema_is_refused(make_node: Callable[..., Path], store_url: str | None) -> None:
    directory = make_node(url=store_url)
    _run_raw(directory, store_url, SET_VERSION[_backend(store_url)].format(n=99))
    with pytest.raises(StoreError, match="schema version 99 is newer than this glid knows"):
        Store.open(directory)


def test_an_older_store_is_migrated_on_open(
    make_node: Callable[..., Path], store_url: str | None
) -> None:
    directory = make_node(url=store_url)
    set_one = SET_VERSION[_backend(store_url)].format(n=1)
    _run_raw(directory, store_url, f"{DOWNGRADE}; {set_one};")
    with Store.open(directory) as store:
        # Keys made before the seq column keep their order.
        assert [k.purpose for k in store.keys.all()] == ["node"]
        assert store.keys.newest_signing("88.101.7") is not None
        assert store.schema_version() == len(migrations.MIGRATIONS) == 5
        tables = set(store.backend.table_names())
        assert {"delegation_requests", "request_nonces", "pact_clients", "pact_tokens"} <= tables
        assert store.node.prefix == "88.101.7"  # the data from before the upgrade is intact
