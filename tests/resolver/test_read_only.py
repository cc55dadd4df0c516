"""A node whose store is opened read-only serves every read, bundles included.

Reads never sign or write: checkpoints are signed when the log grows, built-in templates
are installed at start, and a read handler only reads. A read-only node (for example one
serving a copy of the store) answers every read endpoint, refuses writes, and leaves
the store file byte for byte as it was.
"""

import hashlib
from pathlib import Path
from typing import Any

import aiohttp
import msgpack
import pytest

from registry.node import ADMIN_SECRET_FILE
from registry.store import DB_NAME
from resolver.serve import start
from resolver.settings import Settings
from signing.verify import verify_bundle
from tests.registry.trust_nodes import Pair, registered_pair
from tests.resolver.test_handle_rest import basic


def fingerprint(directory: Path) -> dict[str, str]:
    """The bytes of the store file and of its write-ahead log. A reader may create the
    log empty and the shared-memory index it coordinates in; neither holds data."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.glob(f"{DB_NAME}*"))
        if path.name != f"{DB_NAME}-shm" and path.stat().st_size > 0
    }


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    return registered_pair(tmp_path)


async def fetch(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> Any:
    async with http.get(url, **kwargs) as response:
        assert response.status == 200, (url, response.status, await response.text())
        if response.content_type == "application/msgpack":
            return msgpack.unpackb(await response.read())
        if response.content_type == "application/json":
            return await response.json()
        return await response.text()


async def test_a_read_only_node_serves_every_read(pair: Pair) -> None:
    before = fingerprint(pair.enterprise)
    running = await start(Settings(pair.enterprise, read_only=True))
    base = running.url
    try:
        async with aiohttp.ClientSession() as http:
            plain = await fetch(http, f"{base}/glid/v1/resolve/88.7/p1")
            assert (plain["status"], plain["version"]) == ("ok", 1)
            bundle = await fetch(http, f"{base}/glid/v1/resolve/88.7/p1?bundle=1")
            assert verify_bundle(bundle, pair.anchor).valid
            packed = await fetch(
                http,
                f"{base}/glid/v1/resolve/88.7/p2?bundle=1",
                headers={"Accept": "application/msgpack"},
            )
            assert verify_bundle(packed, pair.anchor).valid
            async with http.post(
                f"{base}/glid/v1/resolve", json={"ids": ["88.7/p0", "88.7/nope"], "bundle": True}
            ) as response:
                assert response.status == 200
                answers = (await response.json())["answers"]
            assert [a["status"] for a in answers] == ["ok", "not_found"]
            assert verify_bundle(answers[0], pair.anchor).valid
            checkpoint = await fetch(http, f"{base}/glid/v1/log/checkpoint")
            # p2 was written last: the checkpoint its statement is bound to is the current one
            assert checkpoint == packed["log"]["checkpoint"]
            proof = await fetch(http, f"{base}/glid/v1/log/proof/88.7/p0")
            # the log: the admin identity's handle (written at init), then p0, p1 and p2
            assert (proof["leaf_index"], proof["tree_size"]) == (1, 4)
            consistency = await fetch(http, f"{base}/glid/v1/log/consistency?old=1")
            assert consistency["new_size"] == 4
            assert (await fetch(http, f"{base}/glid/v1/prefixes/88.7"))["relation"] == "own"
            assert (await fetch(http, f"{base}/glid/v1/node"))["prefix"] == "88.7"
            assert (await fetch(http, f"{base}/glid/v1/revocations"))["lists"] == []
            templates = await fetch(http, f"{base}/glid/v1/templates")
            assert "88/tpl.product@1.0.0" in {t["ref"] for t in templates["templates"]}
            one = await fetch(http, f"{base}/glid/v1/templates/88/tpl.product@1.0.0")
            assert one["template"]["id"] == "88/tpl.product"
            handle = await fetch(http, f"{base}/api/handles/88.7/p0")
            assert handle["responseCode"] == 1
            admin = basic(
                "300:88.7/admin", (pair.enterprise / ADMIN_SECRET_FILE).read_text().strip()
            )
            listing = await fetch(http, f"{base}/api/handles?prefix=88.7", headers=admin)
            assert listing["handles"] == ["88.7/admin", "88.7/p0", "88.7/p1", "88.7/p2"]
            assert (await fetch(http, f"{base}/healthz"))["status"] == "ok"
            assert "glid_requests_total" in await fetch(http, f"{base}/metrics")
            value = [{"index": 1, "type": "URL", "data": "https://x"}]
            async with http.put(f"{base}/api/handles/88.7/new", json=value, headers=admin) as r:
                assert r.status == 503  # no write path on a read-only node
    finally:
        await running.stop()
    assert fingerprint(pair.enterprise) == before
