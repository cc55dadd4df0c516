"""The buyer's page on a recursive node, against the demo network (five nodes in another
process).

- cached page: time to first byte of ``/id/{bracket}`` once the node has resolved it, over a
  keep-alive connection; baseline in the same run: the same HTML bytes from a bare aiohttp
  handler on the same server (the floor for sending this page at all);
- cold page: a fresh buyer node (empty caches) asked for the bracket by its GTIN, two
  referrals below the top node, plus its inputs (two more enterprises) and its grade;
  baseline in the same run: a fresh resolver resolving and verifying the bracket's record
  alone, the one lookup no page for it can skip;
- the page's size without the report.

Run from the checkout: .venv/bin/python -m bench.page
"""

import asyncio
import http.client
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bench.network import start_demo
from registry.node import init_node
from resolver.app import create_app
from resolver.client import Resolver, load_trust_anchor
from resolver.demo import BRACKET, BRACKET_CODES
from resolver.settings import Settings

CACHED_REQUESTS = 300
COLD_REPEATS = 15


class Buyer:
    """A buyer's recursive node on an event loop in a background thread."""

    def __init__(self, directory: Path, root: str, anchor: Path) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.settings = Settings(
            directory, recursive=True, root_url=root, trust_anchor=anchor, rate_limit=0
        )
        self.floor_body = b""

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    async def start(self) -> tuple[web.AppRunner, str]:
        app = create_app(self.settings)
        app.router.add_get("/floor", self.floor)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"

    async def floor(self, request: web.Request) -> web.Response:
        return web.Response(body=self.floor_body, content_type="text/html", charset="utf-8")


def first_byte(connection: http.client.HTTPConnection, path: str) -> tuple[float, bytes]:
    """Seconds until the status line and headers arrived, and the body."""
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    waited = time.perf_counter() - started
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}")
    return waited, body


def cached(buyer: Buyer, url: str) -> None:
    connection = http.client.HTTPConnection(urlsplit(url).netloc)
    page = f"/id/{BRACKET}"
    _, body = first_byte(connection, page)  # resolve once; later requests hit the caches
    buyer.floor_body = body
    work, floor = [], []
    for _ in range(CACHED_REQUESTS):
        floor.append(first_byte(connection, "/floor")[0])
        work.append(first_byte(connection, page)[0])
    ratios = [w / f for w, f in zip(work, floor, strict=True)]
    print(f"page size without the report      {len(body) / 1024:8.1f} KB (target < 100 KB)")
    print(
        f"cached page, first byte           p50 {statistics.median(work) * 1000:6.2f} ms  "
        f"p99 {sorted(work)[int(len(work) * 0.99)] * 1000:6.2f} ms (target < 20 ms)"
    )
    print(
        f"  floor: same bytes, bare handler p50 {statistics.median(floor) * 1000:6.2f} ms; "
        f"ratio {statistics.median(ratios):.1f}x"
    )


def cold(buyer: Buyer, root: str, anchor_file: Path, base: Path) -> None:
    anchor = load_trust_anchor(anchor_file)
    work, floor = [], []
    for repeat in range(COLD_REPEATS):

        async def resolve_alone() -> None:
            async with Resolver(root, anchor) as resolver:
                resolution = await resolver.resolve(BRACKET, bundle=True)
                if not resolution.verified:
                    raise RuntimeError(f"{BRACKET} did not verify: {resolution.error}")

        started = time.perf_counter()
        buyer.call(resolve_alone())
        floor.append(time.perf_counter() - started)
        buyer.settings = Settings(
            _node(base / f"cold-{repeat}"),
            recursive=True,
            root_url=root,
            trust_anchor=anchor_file,
            rate_limit=0,
        )
        runner, url = buyer.call(buyer.start())
        connection = http.client.HTTPConnection(urlsplit(url).netloc)
        started = time.perf_counter()
        first_byte(connection, f"/id/{BRACKET_CODES['gtin']}")
        work.append(time.perf_counter() - started)
        connection.close()
        buyer.call(runner.cleanup())
    ratios = [w / f for w, f in zip(work, floor, strict=True)]
    print(
        f"cold page by GTIN, whole page     p50 {statistics.median(work) * 1000:6.1f} ms  "
        f"max {max(work) * 1000:6.1f} ms (target < 300 ms)"
    )
    print(
        f"  floor: cold resolve+verify of the record alone p50 "
        f"{statistics.median(floor) * 1000:6.1f} ms; ratio {statistics.median(ratios):.1f}x"
    )


def _node(directory: Path) -> Path:
    init_node(directory, role="secondary", prefix="88.200", passphrase=b"bench").store.close()
    return directory


def main() -> None:
    os.environ.setdefault("GLID_PASSPHRASE", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        process = start_demo(directory / "demo")
        try:
            demo = json.loads((directory / "demo" / "demo.json").read_text())
            anchor = Path(demo["trust_anchor"])
            buyer = Buyer(_node(directory / "buyer"), demo["root"], anchor)
            runner, url = buyer.call(buyer.start())
            cached(buyer, url)
            buyer.call(runner.cleanup())
            cold(buyer, demo["root"], anchor, directory)
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
