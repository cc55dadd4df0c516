"""The PostgreSQL store holds the same tables, columns and values as the SQLite one."""

import sqlite3
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.errors import StoreUnavailable
from registry.store import Store
from registry.store.backend import Row
from registry.store.postgres import PgSession
from registry.store.postgres_cluster import LocalCluster, NoPostgres

SAME_TYPE = {"TEXT": "text", "INTEGER": "bigint", "BLOB": "bytea"}


def test_every_table_has_the_same_columns_and_types(
    make_node: Callable[..., Path], pg_url: str
) -> None:
    with Store.open(make_node(name="lite")) as lite, Store.open(make_node(url=pg_url)) as pg:
        assert lite.backend.table_names() == pg.backend.table_names()
        for table in lite.backend.table_names():
            sqlite_columns = [
                (name, SAME_TYPE[kind])
                for _, name, kind, *_ in lite.backend.reads.rows(f"PRAGMA table_info({table})")
            ]
            pg_columns = pg.backend.reads.rows(
                "SELECT column_name, data_type, collation_name FROM information_schema.columns"
                " WHERE table_name = ? ORDER BY ordinal_position",
                (table,),
            )
            assert [(name, kind) for name, kind, _ in pg_columns] == sqlite_columns, table
            assert {c for _, kind, c in pg_columns if kind == "text"} <= {"C"}, table


# A SELECT list of placeholders and quoted literals that may hold ? and % themselves.
literal = st.text(alphabet="ab?%' ", max_size=6).map(lambda t: "'" + t.replace("'", "''") + "'")
item = st.one_of(st.just("?"), literal)


@settings(max_examples=40, deadline=None)
@given(items=st.lists(item, min_size=1, max_size=6), value=st.text(alphabet="x?%'", max_size=4))
def test_statements_mean_the_same_on_both_engines(
    postgres: str, items: list[str], value: str
) -> None:
    sql = "SELECT " + ", ".join(items)
    params = [value] * items.count("?")
    expected = sqlite3.connect(":memory:").execute(sql, params).fetchone()
    with psycopg.connect(postgres, autocommit=True) as conn:
        assert PgSession(lambda: nullcontext(conn), "test").one(sql, params) == expected


def test_a_read_that_meets_a_dropped_connection_runs_again_on_a_new_one(
    make_node: Callable[..., Path], pg_url: str
) -> None:
    with Store.open(make_node(url=pg_url)) as store:
        session = store.backend.reads
        (pid,) = session.one("SELECT pg_backend_pid()") or (None,)
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert store.meta.get("role") == "enterprise"
        assert session.one("SELECT pg_backend_pid()") != (pid,)


def test_a_write_that_meets_a_dropped_connection_fails_whole(
    make_node: Callable[..., Path], pg_url: str
) -> None:
    with Store.open(make_node(url=pg_url)) as store:
        failed = pytest.raises(StoreUnavailable, match=r"the node store .* failed")
        with failed, store.write() as tx:
            tx.meta.set("note", "lost")
            (pid,) = tx.meta.session.one("SELECT pg_backend_pid()") or (None,)
            with psycopg.connect(pg_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            tx.meta.set("other", "lost too")
        assert store.meta.get("note") is None
        with store.write() as tx:  # the pool replaced the connection
            tx.meta.set("note", "kept")
        assert store.meta.get("note") == "kept"


def test_no_server_programs_is_an_error_that_says_how_to_get_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLID_PG_BIN", str(tmp_path))
    with pytest.raises(NoPostgres, match=r"apt-get install postgresql.*GLID_PG_BIN"):
        LocalCluster.start()
    assert list(tmp_path.iterdir()) == []


UPSERT_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
batches = st.lists(
    st.lists(st.tuples(st.sampled_from("abcd"), st.text(alphabet="xyz%?'", max_size=3))),
    max_size=3,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=batches)
def test_a_batch_upsert_leaves_what_sqlite_leaves(
    make_node: Callable[..., Path], pg_databases: Callable[[], str], batches: list[list[Row]]
) -> None:
    """Batches without a repeated key take the COPY path, the others run row by row."""
    results = []
    for url in (None, pg_databases()):
        with Store.open(make_node(name=f"n{uuid.uuid4().hex}", url=url)) as store:
            for batch in batches:
                with store.write() as tx:
                    tx.meta.session.run_many(UPSERT_META, batch)
            results.append({k: v for k, v in store.meta.all().items() if k in "abcd"})
    assert results[0] == results[1]
