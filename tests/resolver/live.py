"""The demo network and a buyer's recursive node, live on loopback for a whole test session.

Browser and CLI tests are synchronous (selenium, subprocesses), so the nodes run on an event
loop in a background thread; tests reach them over real sockets like any client would.
"""

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from registry.node import init_node
from resolver.demo import Demo, build
from resolver.serve import RunningNode, start
from resolver.settings import Settings
from tests.conftest import PASSPHRASE

T = TypeVar("T")


@dataclass
class Live:
    demo: Demo
    buyer: RunningNode
    loop: asyncio.AbstractEventLoop

    @property
    def page(self) -> str:
        return self.buyer.url

    @property
    def root(self) -> str:
        return self.demo.node("88").url

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the nodes' loop and wait for it."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout=60)


async def _start(directory: Path) -> tuple[Demo, RunningNode]:
    demo = await build(directory / "demo", PASSPHRASE)
    buyer_dir = directory / "buyer"
    init_node(buyer_dir, role="secondary", prefix="88.200", passphrase=PASSPHRASE).store.close()
    settings = Settings(
        buyer_dir,
        recursive=True,
        root_url=demo.node("88").url,
        trust_anchor=demo.anchor,
        rate_limit=0,
    )
    return demo, await start(settings)


@contextmanager
def live_network(directory: Path) -> Iterator[Live]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="live-network", daemon=True)
    thread.start()
    demo, buyer = asyncio.run_coroutine_threadsafe(_start(directory), loop).result(timeout=120)
    live = Live(demo, buyer, loop)
    try:
        yield live
    finally:
        live.run(buyer.stop())
        live.run(demo.stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
