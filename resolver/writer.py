"""Store writes off the event loop.

A write takes SQLite's write lock, and waits for it while another process (a second worker,
`glid register`, a backup) holds it. Waiting in the event loop would freeze every other
request on the node for as long, so every write a handler makes runs here: in one thread,
on a store connection of its own whose lock wait is bounded (``lock_wait``); past it the
write fails with StoreUnavailable, which the API answers 503 with Retry-After. Reads stay
on the loop's connection, and in WAL mode they never wait for a writer.

Two kinds of work share the thread: record writes, which need the registrar and so the
key passphrase (:meth:`Writer.run`), and the small writes that sign nothing (a signed
request's nonce, a delegation request, a PACT token, a template proposal:
:meth:`Writer.write`), which a node serving without its passphrase still makes.
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
    """The node's writer connection, and its registrar when the key can be used."""

    def __init__(self, directory: Path, passphrase: bytes | None, lock_wait: float) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="glid-writer")
        self.store = Store.open(directory, lock_wait=lock_wait)
        self.registrar = None if passphrase is None else registrar(self.store, passphrase)

    @property
    def signs(self) -> bool:
        """Whether record writes can be signed (the node was started with its passphrase)."""
        return self.registrar is not None

    async def run(self, work: Callable[[Registrar], T]) -> T:
        """Run ``work(registrar)`` in the writer thread; the loop serves others meanwhile.
        Callers check :attr:`signs` first and answer in their API's own words."""
        if self.registrar is None:
            raise RuntimeError("record writes need the registrar; check Writer.signs first")
        return await asyncio.get_running_loop().run_in_executor(self._pool, work, self.registrar)

    async def write(self, work: Callable[[Store], T]) -> T:
        """Run ``work(store)``, a write that signs nothing, in the writer thread."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, work, self.store)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.store.close()
