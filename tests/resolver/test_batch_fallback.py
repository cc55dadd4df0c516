"""A batch a real node refuses costs requests, never answers: both resolvers then walk each
identifier alone. The enterprise node runs with a batch limit of one id, so the batch of the
identifiers after the first (which is walked to learn where the prefix lives) is refused
413 on loopback."""

import asyncio
import json

import pytest

from registry import delegation
from resolver.client import Resolver
from resolver.resolution import Resolution, ResolverStats
from resolver.serve import start
from resolver.settings import Settings
from resolver.sync_client import SyncResolver
from signing.certificates import TrustAnchor, parse_trust_anchor
from tests.conftest import PASSPHRASE
from tests.registry.records_data import product_values
from tests.resolver.network import Network, register

HANDLES = ["88.101.9/ingot-1", "88.101.9/ingot-2", "88.101.9/ingot-3"]


@pytest.fixture
async def refusing(network: Network) -> Network:
    """The network, its enterprise node serving again with a batch limit of one id."""
    for handle in HANDLES:
        register(network.own, handle, product_values(handle))
    assert network.own.running is not None
    await network.own.running.stop()
    settings = Settings(network.own.directory, passphrase=PASSPHRASE, max_batch_ids=1)
    network.own.running = await start(settings)
    with network.secondary.store() as store:
        delegation.set_site(store, "88.101.9", network.own.url)
    return network


def anchor_of(network: Network) -> TrustAnchor:
    return parse_trust_anchor(json.loads(network.anchor.read_text()))


def assert_each_answered_alone(results: list[Resolution], stats: ResolverStats) -> None:
    assert [(r.handle, r.status, r.verified) for r in results] == [
        (handle, "ok", True) for handle in HANDLES
    ]
    # the first walked down (top, secondary, enterprise), the refused batch, two walks
    assert (stats.requests, stats.upstream_errors) == (6, 1)
    assert [len(r.path) for r in results] == [3, 1, 1]


async def test_the_async_resolver_walks_each_member_of_a_refused_batch(refusing: Network) -> None:
    async with Resolver(refusing.top.url, anchor_of(refusing)) as resolver:
        results = await resolver.resolve_many(HANDLES, bundle=True)
        assert_each_answered_alone(results, resolver.stats)


async def test_the_blocking_resolver_walks_each_member_of_a_refused_batch(
    refusing: Network,
) -> None:
    resolver = SyncResolver(refusing.top.url, anchor_of(refusing))
    # in a thread: the nodes answer from this test's event loop
    results = await asyncio.to_thread(resolver.resolve_many, HANDLES, bundle=True)
    assert_each_answered_alone(results, resolver.stats)
