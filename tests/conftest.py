"""Fixtures shared by every test package."""

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg.conninfo import make_conninfo

from registry.store.postgres_cluster import HOW_TO_GET_ONE, LocalCluster, NoPostgres

# Keys are encrypted at rest; every node a test makes uses this passphrase.
os.environ.setdefault("GLID_PASSPHRASE", "test passphrase")
PASSPHRASE = os.environ["GLID_PASSPHRASE"].encode()
os.environ.setdefault("GLID_DEVICE_PASSPHRASE", "terminal passphrase")
DEVICE_PASSPHRASE = os.environ["GLID_DEVICE_PASSPHRASE"].encode()


# Mutation runs (tests/mutation/run) trace every call and run niced beside other work, so a
# hypothesis example's time says nothing there; the same examples every run, no deadline,
# and no health check of how fast examples are drawn.
settings.register_profile(
    "mutation", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

# Set to "postgresql" to run every test that makes its node with make_node on PostgreSQL.
BACKEND_ENV = "GLID_TEST_BACKEND"


@pytest.fixture
def make_node(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """Create a node directory with `glid init`'s library call; returns its path."""
    from registry.node import init_node

    on_postgresql = os.environ.get(BACKEND_ENV) == "postgresql"

    def make(
        prefix: str = "88.101.7",
        role: str = "enterprise",
        name: str | None = None,
        url: str | None = None,
    ) -> Path:
        directory = tmp_path / (name or prefix)
        if url is None and on_postgresql:
            url = request.getfixturevalue("pg_databases")()
        init_node(directory, role=role, prefix=prefix, passphrase=PASSPHRASE, url=url).store.close()
        return directory

    return make


# A PostgreSQL server the developer already runs (any database the URL's user may create
# databases from); without it, a private throwaway cluster is started for the session.
EXTERNAL_POSTGRES = "GLID_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database, for the whole test session."""
    external = os.environ.get(EXTERNAL_POSTGRES)
    if external:
        yield external
        return
    try:
        cluster = LocalCluster.start(settings={"fsync": "off", "max_connections": "200"})
    except NoPostgres as exc:
        pytest.fail(
            f"the PostgreSQL tests need a server and found none: {exc}. Either {HOW_TO_GET_ONE},"
            f" or start one yourself and set {EXTERNAL_POSTGRES}=postgresql://USER@HOST/postgres",
            pytrace=False,
        )
    yield cluster.url()
    cluster.stop()


@pytest.fixture
def pg_databases(postgres: str) -> Iterator[Callable[[], str]]:
    """Makes new empty databases on the session's server; they are dropped after the test."""
    names: list[str] = []

    def create() -> str:
        names.append(f"glid_{uuid.uuid4().hex[:16]}")
        with psycopg.connect(postgres, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {names[-1]}")
        return make_conninfo(postgres, dbname=names[-1])

    yield create
    with psycopg.connect(postgres, autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_databases: Callable[[], str]) -> str:
    """A new empty database on the session's server, dropped after the test."""
    return pg_databases()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """Where a store suite's node keeps its data: its directory's SQLite file, or PostgreSQL."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_url")
    return url
