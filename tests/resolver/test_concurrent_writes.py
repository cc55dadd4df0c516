"""Two worker processes of one node change different indexes of one record at once.

Each Handle PUT with ``index=`` is a read-modify-write of the current version. The
registrar reads the current values inside the write transaction, which the store
serialises across processes, so every change survives: none is overwritten by a PUT
that read the record before it.
"""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from bench.http_load import free_port, wait_until_up
from registry.node import init_node
from registry.service import registrar
from registry.store import Store
from tests.conftest import PASSPHRASE
from tests.resolver.test_handle_rest import basic

HANDLE = "88.101.7/shared"
CHANGES = 24


async def put_index(http: aiohttp.ClientSession, url: str, index: int, auth: dict[str, str]) -> int:
    value = {"index": index, "type": "NOTE", "data": {"format": "string", "value": f"n{index}"}}
    async with http.put(f"{url}?index={index}", json=[value], headers=auth) as response:
        return response.status


async def change_concurrently(base: str, auth: dict[str, str]) -> list[int]:
    # A fresh connection per request lets the kernel spread them over both workers.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:
        url = f"{base}/api/handles/{HANDLE}"
        return await asyncio.gather(*(put_index(http, url, 10 + n, auth) for n in range(CHANGES)))


def test_concurrent_puts_to_different_indexes_keep_every_change(tmp_path: Path) -> None:
    created = init_node(
        tmp_path / "node", role="enterprise", prefix="88.101.7", passphrase=PASSPHRASE
    )
    service = registrar(created.store, PASSPHRASE)
    first = service.register_one(HANDLE, [{"index": 1, "type": "URL", "data": "https://a"}], "t")
    assert first.accepted, first.error
    created.store.close()
    auth = basic(created.admin_identity, created.admin_secret_file.read_text().strip())
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "resolver.cli", "serve", "--dir", str(tmp_path / "node")),
            *("--listen", f"127.0.0.1:{port}", "--workers", "2"),
        ],
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        statuses = asyncio.run(change_concurrently(f"http://127.0.0.1:{port}", auth))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert statuses == [201] * CHANGES
    with Store.open(tmp_path / "node") as store:
        current = store.versions.get(HANDLE)
    assert sorted(value["index"] for value in current.values()) == [
        1,
        *range(10, 10 + CHANGES),
    ]
    assert current.version == 1 + CHANGES
