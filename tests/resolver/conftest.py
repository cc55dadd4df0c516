"""The loopback network most resolver tests run against (tests/resolver/network.py)."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.resolver.live import Live, live_network
from tests.resolver.network import Network, build_network


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Network]:
    net = await build_network(tmp_path)
    yield net
    await net.stop()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The demo network and a buyer's recursive node serving the page, once per session."""
    with live_network(tmp_path_factory.mktemp("live")) as running:
        yield running
