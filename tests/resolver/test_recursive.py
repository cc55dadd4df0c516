"""A recursive node resolves other nodes' identifiers for plain HTTP clients."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from resolver.serve import RunningNode, start
from resolver.settings import Settings
from tests.conftest import PASSPHRASE
from tests.registry.records_data import product_values
from tests.resolver.network import Network, register


@pytest.fixture
async def recursive(network: Network, make_node: Callable[..., Path]) -> AsyncIterator[RunningNode]:
    directory = make_node("88.200", role="secondary", name="public-resolver")
    settings = Settings(
        directory,
        passphrase=PASSPHRASE,
        recursive=True,
        root_url=network.top.url,
        trust_anchor=network.anchor,
    )
    node = await start(settings)
    yield node
    await node.stop()


async def get(url: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


async def test_plain_client_gets_a_verified_answer(
    network: Network, recursive: RunningNode
) -> None:
    register(network.own, "88.101.9/ingot", product_values("ingot"))
    status, body = await get(f"{recursive.url}/glid/v1/resolve/88.101.9/ingot")
    assert status == 200 and body["status"] == "ok" and body["version"] == 1
    info = body["recursive"]
    assert isinstance(info, dict) and info["verified"] is True and info["stale"] is False
    assert info["path"] == [network.top.url, network.secondary.url, network.own.url]
    status, body = await get(f"{recursive.url}/glid/v1/resolve/88.101.9/ingot")
    assert body["recursive"]["cached"] is True  # type: ignore[index]
    status, body = await get(f"{recursive.url}/glid/v1/resolve/88.101.9/missing")
    assert status == 404 and body["status"] == "not_found"


async def test_unreachable_upstream_is_counted_and_stale_marked(
    network: Network, recursive: RunningNode
) -> None:
    status, body = await get(f"{recursive.url}/glid/v1/resolve/88.101.9/x")
    assert status == 404
    assert network.own.running is not None
    await network.own.running.stop()
    network.own.running = None
    status, body = await get(f"{recursive.url}/glid/v1/resolve/88.101.9/other")
    assert status == 502 and "unreachable" in str(body["error"])
    async with aiohttp.ClientSession() as http, http.get(f"{recursive.url}/metrics") as r:
        metrics = await r.text()
        assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert 'glid_upstream_errors_total{kind="unreachable"} 1.0' in metrics
    openmetrics = "application/openmetrics-text; version=1.0.0,text/plain;q=0.5"
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{recursive.url}/metrics", headers={"Accept": openmetrics}) as r,
    ):
        body = await r.text()
        assert r.headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert 'glid_upstream_errors_total{kind="unreachable"} 1.0' in body
    assert body.endswith("# EOF\n")
