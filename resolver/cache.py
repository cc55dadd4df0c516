"""The resolver's cache: TTL-bound, byte-bound, negative entries, stale on failure.

Like a DNS recursive server's cache: an entry is fresh until its TTL runs out, then
*stale*; a stale entry is never served while the upstream answers, but is served (and
marked) when the upstream cannot be reached, for up to ``stale_for`` seconds. Identical
lookups in flight at the same time share one upstream request (single flight).

The cache holds at most ``budget`` bytes, each entry charged what ``weigh`` says it costs,
least recently used first out: answers from other nodes range from a few hundred bytes to
a megabyte, so a bound on the number of entries would let a flood of distinct ids grow the
process without limit.
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
    cost: int


class TtlCache(Generic[K, T]):
    def __init__(
        self,
        budget: int,
        weigh: Callable[[K, T], int],
        *,
        stale_for: float = 86_400,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self.weigh = weigh
        self.stale_for = stale_for
        self.clock = clock
        self.size = 0  # bytes charged to the entries held
        self._entries: OrderedDict[K, _Entry[T]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> Cached[T] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self.clock()
        if now >= entry.expires + self.stale_for:
            self._forget(key)
            return None
        self._entries.move_to_end(key)
        return Cached(entry.value, now < entry.expires)

    def put(self, key: K, value: T, ttl: float) -> None:
        """Keep ``value`` for ``ttl`` seconds (and stale after); one larger than the whole
        budget is not kept, and the entry it would replace is forgotten."""
        self._forget(key)
        cost = self.weigh(key, value)
        if cost > self.budget:
            return
        self._entries[key] = _Entry(value, self.clock() + max(ttl, 0.0), cost)
        self.size += cost
        while self.size > self.budget:
            _, evicted = self._entries.popitem(last=False)
            self.size -= evicted.cost

    def _forget(self, key: K) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.size -= entry.cost


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
