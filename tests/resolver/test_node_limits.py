"""Rate limits per node on PostgreSQL: every process leases from one bucket per key."""

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from registry.store import Store
from registry.store.backend import SharedBuckets
from resolver.limits import LeasedBuckets


@pytest.fixture
def two_hosts(make_node: Callable[..., Path], pg_url: str) -> Iterator[tuple[Store, Store]]:
    """One PostgreSQL node opened twice, as two hosts would open it."""
    directory = make_node(url=pg_url)
    with Store.open(directory) as first, Store.open(directory) as second:
        yield first, second


def shared(store: Store) -> SharedBuckets:
    buckets = store.backend.shared_buckets()
    assert buckets is not None
    return buckets


def test_hosts_lease_from_one_bucket(two_hosts: tuple[Store, Store]) -> None:
    one, other = (shared(store) for store in two_hosts)
    assert one.lease("k", 1, 4, rate=1.0, burst=10).granted == 4  # a new bucket starts full
    assert other.lease("k", 1, 10, rate=1.0, burst=10).granted == pytest.approx(6, abs=0.1)
    refused = one.lease("k", 1, 4, rate=1.0, burst=10)
    assert refused.granted == 0
    assert 0.8 < refused.wait <= 1.0  # one token back after about a second
    assert other.lease("j", 1, 3, rate=1.0, burst=10).granted == 3  # keys are apart


def test_a_client_gets_the_burst_per_node_not_per_host(two_hosts: tuple[Store, Store]) -> None:
    burst = 40
    hosts = [LeasedBuckets(shared(store), rate=0.01, burst=burst) for store in two_hosts]

    async def flood() -> int:
        admitted = 0
        for attempt in range(3 * burst):
            admitted += await hosts[attempt % 2].charge("10.0.0.1") == 0.0
        return admitted

    admitted = asyncio.run(flood())
    # Per host it would be 2 x 40; leases left unspent on one host only ever cost tokens.
    assert burst - 2 * hosts[0].lease_size <= admitted <= burst
