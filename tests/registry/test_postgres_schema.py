"""The PostgreSQL store holds the same tables, columns and values as the SQLite one."""

import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.postgres.connection import PgConnection
from registry.store import Store

SAME_TYPE = {"TEXT": "text", "INTEGER": "bigint", "BLOB": "bytea"}


def test_every_table_has_the_same_columns_and_types(
    make_node: Callable[..., Path], pg_url: str
) -> None:
    with Store.open(make_node(name="lite")) as lite, Store.open(make_node(url=pg_url)) as pg:
        assert lite.table_names() == pg.table_names()
        for table in lite.table_names():
            sqlite_columns = [
                (name, SAME_TYPE[kind])
                for _, name, kind, *_ in lite.conn.execute(f"PRAGMA table_info({table})")
            ]
            pg_columns = pg.conn.execute(
                "SELECT column_name, data_type, collation_name FROM information_schema.columns"
                " WHERE table_name = ? ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            if table == "keys":  # SQLite's implicit rowid, made explicit
                assert pg_columns[0][:2] == ("rowid", "bigint")
                pg_columns = pg_columns[1:]
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
    conn = PgConnection(postgres)
    try:
        assert conn.execute(sql, params).fetchone() == expected
    finally:
        conn.close()


def test_a_dropped_connection_is_opened_again_for_the_next_statement(
    make_node: Callable[..., Path], pg_url: str
) -> None:
    with Store.open(make_node(url=pg_url)) as store:
        (pid,) = store.conn.execute("SELECT pg_backend_pid()").fetchone()
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError):
            store.conn.execute("SELECT 1")
        assert store.meta("role") == "enterprise"
        assert store.conn.execute("SELECT pg_backend_pid()").fetchone() != (pid,)
