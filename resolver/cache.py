"""The resolver's cache: TTL-bound, size-bound, negative entries, stale on failure.

Like a DNS recursive server's cache: an entry is fresh until its TTL runs out, then
*stale*; a stale entry is never served while the upstream answers, but is served (and
marked) when the upstream cannot be reached, for up to ``stale_for`` seconds. Identical
lookups in flight at the same time share one upstream request (single flight).
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Cached(Generic[T]):
    value: T
    fresh: bool


@dataclass(slots=True)
class _Entry(Generic[T]):
    value: T
    expires: float


class TtlCache(Generic[K, T]):
    def __init__(
        self,
        maxsize: int = 10_000,
        *,
        stale_for: float = 86_400,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.maxsize = maxsize
        self.stale_for = stale_for
        self.clock = clock
        self._entries: OrderedDict[K, _Entry[T]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> Cached[T] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self.clock()
        if now >= entry.expires + self.stale_for:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return Cached(entry.value, now < entry.expires)

    def put(self, key: K, value: T, ttl: float) -> None:
        self._entries[key] = _Entry(value, self.clock() + max(ttl, 0.0))
        self._entries.move_to_end(key)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)


class SingleFlight(Generic[K, T]):
    """Coalesce concurrent calls with the same key into one."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[T]] = {}
        self.coalesced = 0

    async def run(self, key: K, call: Callable[[], Awaitable[T]]) -> T:
        running = self._running.get(key)
        if running is not None:
            self.coalesced += 1
            return await asyncio.shield(running)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await call()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters, if any, get it through shield
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]
