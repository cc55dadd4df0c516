"""Two `glid serve` processes, as two hosts would run them, sharing one PostgreSQL node."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bench.http_load import free_port, wait_until_up
from registry import keyring
from registry.evidence import current_checkpoint
from registry.log import NodeLog
from registry.log_check import check_log
from registry.store import Store
from registry.store_copy import copy_node
from signing.b64 import b64_decode
from signing.checkpoint import audit
from signing.keys import VerifyKey
from signing.verify import verify_bundle
from tests.registry.records_data import product_values
from tests.registry.trust_nodes import Pair, make_pair, register
from tests.resolver.test_handle_rest import basic

# What docs/OPERATORS.md §9 promises, with room for a loaded two-core machine.
VISIBLE_WITHIN = 1.0


class Host:
    """One serving process; ``kill`` is a host dying without a word."""

    def __init__(self, directory: Path, limits: tuple[str, ...] = ("--rate-limit", "0")) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "resolver.cli", "serve", "--dir", str(directory),
             "--listen", f"127.0.0.1:{self.port}", *limits],
            stderr=subprocess.DEVNULL,
            env=os.environ.copy(),
        )  # fmt: skip

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def node(tmp_path: Path, pg_url: str) -> Pair:
    """A delegated enterprise node moved onto PostgreSQL."""
    pair = make_pair(tmp_path)
    copy_node(pair.enterprise, tmp_path / "ent-pg", pg_url)
    return Pair(pair.top, tmp_path / "ent-pg", pair.prefix)


@pytest.fixture
def hosts(node: Pair) -> Iterator[tuple[Host, Host]]:
    pair = (Host(node.enterprise), Host(node.enterprise))
    try:
        for host in pair:
            wait_until_up(f"{host.url}/healthz")
        yield pair
    finally:
        for host in pair:
            host.stop()


def admin(node: Pair) -> dict[str, str]:
    """Basic credentials of the node's admin identity, as `glid init` wrote them."""
    return basic("300:88.7/admin", (node.enterprise / "admin.secret").read_text().strip())


def values(name: str) -> dict[str, Any]:
    return {"values": product_values(name)}


async def put(http: aiohttp.ClientSession, host: Host, handle: str, name: str, auth: Any) -> int:
    url = f"{host.url}/api/handles/{handle}"
    async with http.put(url, json=values(name), headers=auth) as response:
        return response.status


async def name_at(http: aiohttp.ClientSession, host: Host, handle: str) -> str | None:
    async with http.get(f"{host.url}/glid/v1/resolve/{handle}") as response:
        if response.status != 200:
            return None
        body = await response.json()
    return next(v["data"]["value"] for v in body["values"] if v["index"] == 2000)


async def test_a_write_through_one_host_is_served_verified_by_the_other(
    node: Pair, hosts: tuple[Host, Host]
) -> None:
    a, b = hosts
    auth = admin(node)
    async with aiohttp.ClientSession() as http:
        assert await put(http, a, "88.7/coil", "hot coil", auth) == 201
        assert await name_at(http, b, "88.7/coil") == "hot coil"  # now in b's answer cache
        assert await put(http, a, "88.7/coil", "cold coil", auth) == 200
        written = time.monotonic()
        while (seen := await name_at(http, b, "88.7/coil")) != "cold coil":
            assert seen == "hot coil"
            assert time.monotonic() - written < VISIBLE_WITHIN, "b kept serving the old version"
            await asyncio.sleep(0.005)
        async with http.get(f"{b.url}/glid/v1/resolve/88.7/coil?bundle=1") as response:
            bundle = await response.json()
    verdict = verify_bundle(bundle, node.anchor)
    assert verdict.valid, verdict.to_json()
    assert bundle["log"]["tree_size"] == 3  # the admin identity's handle, then two versions


async def test_concurrent_writes_and_a_killed_host_leave_one_whole_log(
    node: Pair, hosts: tuple[Host, Host]
) -> None:
    # A third writer, in this process, as a CLI command on one of the hosts would be.
    assert register(node.enterprise, "88.7/first", product_values("first")) == ""
    with Store.open(node.enterprise) as store:
        before = current_checkpoint(store)
    a, b = hosts
    auth = admin(node)
    acknowledged: list[str] = ["88.7/first"]
    killed = asyncio.Event()

    async def writer(http: aiohttp.ClientSession, host: Host, name: str, count: int) -> None:
        for n in range(count):
            handle = f"88.7/{name}-{n}"
            try:
                status = await put(http, host, handle, f"item {n}", auth)
            except aiohttp.ClientError:
                assert host is a and killed.is_set(), f"{name} failed while its host was up"
                return
            assert status == 201, (handle, status)
            acknowledged.append(handle)

    async def killer() -> None:
        while sum(h.startswith("88.7/a-") for h in acknowledged) < 15:
            await asyncio.sleep(0.005)
        killed.set()
        a.kill()

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(writer(http, a, "a", 200), writer(http, b, "b", 40), killer())
        assert a.process.returncode == -signal.SIGKILL
        assert 15 <= sum(h.startswith("88.7/a-") for h in acknowledged) < 200
        # The other host goes on serving, reads and writes.
        assert await put(http, b, "88.7/after", "after", auth) == 201
        assert await name_at(http, b, "88.7/a-0") == "item 0"
        async with http.get(f"{b.url}/glid/v1/resolve/88.7/a-3?bundle=1") as response:
            bundle = await response.json()
    assert verify_bundle(bundle, node.anchor).valid

    with Store.open(node.enterprise) as store:
        stored = {handle for handle, _, _ in store.versions.all_records()}
        assert set(acknowledged) <= stored, "an acknowledged write was lost"
        log = check_log(store)
        assert log.ok, log.problems
        assert (
            log.size
            == len(stored)
            == store.backend.reads.rows("SELECT count(*) FROM audit WHERE action = 'register'")[0][
                0
            ]
        )
        after = current_checkpoint(store)
        proof = NodeLog(store).consistency(int(before.split("\n")[1]))["consistency"]
        key = keyring.active_key(store, "88.7").jwk
    size, _ = audit(
        before, after, [b64_decode(h, "hash") for h in proof], VerifyKey.from_jwk(key),
        "glid.88.7/log",
    )  # fmt: skip
    assert size == log.size


async def test_a_client_gets_its_rate_from_the_node_not_from_each_host(node: Pair) -> None:
    burst = 20
    limits = ("--rate-limit", "1", "--rate-burst", str(burst))
    pair = (Host(node.enterprise, limits), Host(node.enterprise, limits))
    try:
        for host in pair:
            wait_until_up(f"{host.url}/healthz")  # counts: one token from each host's bucket
        started = time.monotonic()
        statuses = []
        async with aiohttp.ClientSession() as http:
            for n in range(3 * burst):
                async with http.get(f"{pair[n % 2].url}/glid/v1/resolve/88.7/admin") as response:
                    statuses.append(response.status)
        refilled = time.monotonic() - started  # at 1 token/s
    finally:
        for host in pair:
            host.stop()
    assert set(statuses) <= {200, 404, 429} and 429 in statuses
    admitted = len(statuses) - statuses.count(429)
    # Per host each would admit its own burst (2 x 20); the node admits one burst in all.
    assert admitted <= burst + refilled + 1
