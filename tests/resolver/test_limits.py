"""Rate limits: token buckets by hand-computed arithmetic, then a flood against a real node."""

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from resolver.limits import TokenBuckets
from resolver.serve import RunningNode, start
from resolver.settings import Settings
from tests.conftest import PASSPHRASE
from tests.resolver.network import Network
from tests.resolver.test_handle_rest import basic


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_grants_its_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == 0.5  # empty: one token comes back after 1/2 s
    clock.now += 0.25  # half a token
    assert buckets.take("a") == 0.25
    clock.now += 0.25
    assert buckets.take("a") == 0.0
    assert buckets.take("b") == 0.0  # another key has its own bucket
    clock.now += 100  # refills, but never beyond the burst
    assert [buckets.take("a") for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


def test_rate_zero_turns_the_limit_off() -> None:
    buckets = TokenBuckets(rate=0, burst=1)
    assert not buckets.enabled
    assert all(buckets.take("a") == 0.0 for _ in range(1000))


def test_idle_full_buckets_are_forgotten_past_the_key_limit() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=1.0, burst=2, clock=clock, max_keys=3)
    for key in "abc":
        buckets.take(key)
    clock.now += 1.0  # not yet refilled (2 tokens take 2 s)
    buckets.take("d")
    assert len(buckets) == 4
    clock.now += 1.0  # a, b, c are full again; d is not
    buckets.take("e")
    assert len(buckets) == 3  # a and b went; c stays as the limit is met
    clock.now += 5
    assert buckets.take("a") == 0.0  # a forgotten bucket comes back full


async def limited_node(network: Network, rate: float) -> AsyncIterator[RunningNode]:
    """A second worker on the secondary's store, with a small limit: burst 3 at ``rate``/s."""
    running = await start(
        Settings(network.secondary.directory, passphrase=PASSPHRASE, rate_limit=rate, rate_burst=3)
    )
    yield running
    await running.stop()


@pytest.fixture
async def limited(network: Network) -> AsyncIterator[RunningNode]:
    """Refills at 2/s, so one token comes back within a test."""
    async for running in limited_node(network, 2):
        yield running


@pytest.fixture
async def slowly_limited(network: Network) -> AsyncIterator[RunningNode]:
    """Refills at one token a minute: slow writes on a loaded machine cannot earn a token back."""
    async for running in limited_node(network, 1 / 60):
        yield running


async def test_a_flood_is_answered_429_with_retry_after(limited: RunningNode) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            async with http.get(f"{limited.url}/healthz") as response:
                assert response.status == 200
        async with http.get(f"{limited.url}/glid/v1/node") as response:
            assert response.status == 429 and response.headers["Retry-After"] == "1"
            assert "127.0.0.1" in (await response.json())["error"]
        async with http.get(f"{limited.url}/api/handles/88.101.7/x") as response:
            body = await response.json()
            assert response.status == 429 and response.headers["Retry-After"] == "1"
        assert body["responseCode"] == 3 and body["handle"] == "88.101.7/x"
        await asyncio.sleep(0.6)  # one token back at 2/s
        async with http.get(f"{limited.url}/healthz") as response:
            assert response.status == 200


async def test_an_identity_is_limited_across_addresses(
    network: Network, slowly_limited: RunningNode
) -> None:
    """Writes of one identity from three addresses share the identity's bucket of 3."""
    url = f"{slowly_limited.url}/api/handles/88.101.7/w"
    auth = basic(*network.hosted_admin)
    statuses = []
    for n in range(4):
        connector = aiohttp.TCPConnector(local_addr=(f"127.0.0.{n + 2}", 0))
        async with aiohttp.ClientSession(connector=connector) as http:
            value = [{"index": 1, "type": "URL", "data": f"https://{n}.example"}]
            async with http.put(url, json=value, headers=auth) as response:
                statuses.append(response.status)
                body = await response.json()
    assert statuses == [201, 200, 200, 429]
    assert network.hosted_admin[0] in body["message"] and body["responseCode"] == 3
    with network.secondary.store() as store:
        assert store.versions.get("88.101.7/w").version == 3
