"""The loopback network most resolver tests run against (tests/resolver/network.py)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.resolver.network import Network, build_network


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Network]:
    net = await build_network(tmp_path)
    yield net
    await net.stop()
