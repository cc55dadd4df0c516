"""One real node served from a thread of its own, for synchronous tests (hypothesis, raw
sockets): the node's event loop runs beside the test, as it would beside any client."""

import asyncio
import base64
import http.client
import multiprocessing
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgpack
import orjson

from registry.node import init_node
from resolver.serve import RunningNode, start
from resolver.settings import Settings
from tests.conftest import PASSPHRASE


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return orjson.loads(self.body)

    def msgpack(self) -> Any:
        return msgpack.unpackb(self.body, raw=False)


class LiveNode:
    def __init__(self, directory: Path, **settings: Any) -> None:
        self.directory = directory
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        config = Settings(directory, passphrase=PASSPHRASE, **settings)
        self._running: RunningNode = self._call(start(config))
        self.url = self._running.url
        self.port = urlsplit(self.url).port or 0

    def _call(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=60)

    def stop(self) -> None:
        self._call(self._running.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            conn.close()


def admin_node(root: Path, prefix: str = "88", **settings: Any) -> tuple[LiveNode, dict[str, str]]:
    """A top node holding ``prefix``, and the Basic auth header of its admin identity."""
    created = init_node(root, role="top", prefix=prefix, passphrase=PASSPHRASE)
    created.store.close()
    secret = created.admin_secret_file.read_text().strip()
    token = base64.b64encode(f"{created.admin_identity}:{secret}".encode()).decode()
    return LiveNode(root, **settings), {"Authorization": f"Basic {token}"}


def _serve_in_child(directory: Path, settings: dict[str, Any], urls: Any) -> None:
    async def run() -> None:
        running = await start(Settings(directory, passphrase=PASSPHRASE, **settings))
        urls.put(running.url)
        await asyncio.Event().wait()  # until the parent terminates this process

    asyncio.run(run())


class ProcessNode:
    """A node in a process of its own, for timing what its clients see: neither the test's
    clients nor the interpreter lock of the test process share its event loop."""

    def __init__(self, directory: Path, **settings: Any) -> None:
        context = multiprocessing.get_context("fork")
        urls = context.Queue()
        self._process = context.Process(target=_serve_in_child, args=(directory, settings, urls))
        self._process.start()
        self.url: str = urls.get(timeout=60)
        self.pid = self._process.pid or 0

    def stop(self) -> None:
        self._process.terminate()
        self._process.join(timeout=10)
