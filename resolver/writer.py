"""Record writes off the event loop.

A write takes SQLite's write lock, and waits for it while another process (a second worker,
`glid register`, a backup) holds it. Waiting in the event loop would freeze every other
request on the node for as long, so writes run here: in one thread, on a store connection
of their own whose lock wait is bounded (``lock_wait``); past it the write fails with
StoreUnavailable, which the API answers 503 with Retry-After. Reads stay on the loop's
connection, and in WAL mode they never wait for a writer.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from registry.registration import Registrar
from registry.service import registrar
from registry.store import Store

T = TypeVar("T")


class Writer:
    """The node's registrar on a writer connection, driven from one thread."""

    def __init__(self, directory: Path, passphrase: bytes, lock_wait: float) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="glid-writer")
        self.store = Store.open(directory, lock_wait=lock_wait)
        self.registrar = registrar(self.store, passphrase)

    async def run(self, work: Callable[[Registrar], T]) -> T:
        """Run ``work(registrar)`` in the writer thread; the loop serves others meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, work, self.registrar)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.store.close()
