"""Reads from a real streaming replica: stale by at most the bound, else from the primary."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from registry.errors import StoreError
from registry.store import Store
from registry.store.postgres import PostgresBackend
from registry.store.postgres_cluster import LocalCluster
from registry.store.postgres_replica import NotAReplica, ReplicaSettings

BOUND = 2.0  # seconds; wide enough that a busy two-core machine still reads within it


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[LocalCluster, LocalCluster]]:
    """A primary and a hot standby streaming from it (pg_basebackup -R)."""
    primary = LocalCluster.start(settings={"fsync": "off"})
    try:
        standby = primary.standby(settings={"fsync": "off"})
        try:
            yield primary, standby
        finally:
            standby.stop()
    finally:
        primary.stop()


def until(condition: Callable[[], bool], seconds: float = 10.0) -> float:
    """Wait for ``condition``; return how long it took."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, "timed out"
        time.sleep(0.02)
    return time.monotonic() - start


def on_standby(store: Store) -> bool:
    row = store.backend.reads.one("SELECT pg_is_in_recovery()")
    return row is not None and bool(row[0])


@pytest.fixture
def node(
    clusters: tuple[LocalCluster, LocalCluster], make_node: Callable[..., Path]
) -> Iterator[tuple[Store, str]]:
    primary, standby = clusters
    with psycopg.connect(primary.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE replicated")
    directory = make_node(url=primary.url("replicated"))
    standby_url = make_conninfo(standby.url(), dbname="replicated")
    settings = ReplicaSettings(standby_url, max_staleness=BOUND)
    store = Store.open(directory, replica=settings)
    try:
        yield store, standby_url
    finally:
        store.close()
        with psycopg.connect(standby_url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        with psycopg.connect(primary.url(), autocommit=True) as admin:
            admin.execute("DROP DATABASE replicated WITH (FORCE)")


def test_reads_go_to_the_standby_and_leave_it_once_it_falls_past_the_bound(
    node: tuple[Store, str],
) -> None:
    store, standby_url = node
    assert isinstance(store.backend, PostgresBackend)
    replica = store.backend.replica
    assert replica is not None
    until(replica.fresh)
    assert on_standby(store)
    with psycopg.connect(standby_url, autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        with store.write() as tx:
            tx.meta.set("colour", "green")
        mark = store.change_mark()
        # Within the bound the standby still answers, without the write it has not replayed.
        assert store.meta.get("colour") is None
        assert on_standby(store)
        # Past the bound (plus one measuring interval) reads go to the primary.
        waited = until(lambda: store.meta.get("colour") == "green")
        assert waited <= BOUND + ReplicaSettings("", BOUND).interval + 0.5
        assert not replica.fresh()
        assert not on_standby(store)
        standby.execute("SELECT pg_wal_replay_resume()")
    until(replica.fresh)
    assert on_standby(store)
    assert store.meta.get("colour") == "green"
    assert store.change_mark() != mark  # the standby's replay moved the mark


def test_a_database_that_is_not_a_standby_is_refused_as_one(
    clusters: tuple[LocalCluster, LocalCluster], make_node: Callable[..., Path], pg_url: str
) -> None:
    primary, _ = clusters
    directory = make_node(url=pg_url)
    with pytest.raises(NotAReplica, match=r"not in recovery.*pg_basebackup -R"):
        Store.open(directory, replica=ReplicaSettings(primary.url()))


def test_a_sqlite_node_has_no_replica_to_read_from(make_node: Callable[..., Path]) -> None:
    with pytest.raises(StoreError, match=r"SQLite, which has no streaming replicas"):
        Store.open(make_node(), replica=ReplicaSettings("postgresql:///x"))
