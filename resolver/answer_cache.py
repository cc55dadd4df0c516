"""Encoded answers kept in memory: a version is immutable, so its bytes are too.

The hot path of a resolving node is "same identifier, same answer": the JSON and
MessagePack bytes of each current answer are encoded once and served until the store
changes. This process drops what it writes itself at once; the store's change mark tells
when another connection (another worker, a CLI command) has committed. Asking the store costs
more than the rest of a cached answer, so it is asked at most every ``recheck`` seconds:
another process's writes show within that time (10 ms by default), as a DNS server's
zone reload shows after a moment, never a stale version after it.

The cache is bounded by bytes, not entries: answers range from a few hundred bytes to a
megabyte (a record at its size limit, a referral with its chain and revocation lists), so
a count bound lets a flood of distinct ids grow the process without limit. Each entry is
charged its two encodings plus its key and a fixed overhead for the Python objects.

Handle REST answers are kept beside them, keyed by the request path as sent (the answer
echoes the client's spelling of the handle). Writes are rare next to reads, so any write
this process makes drops every Handle REST answer rather than matching spellings.
"""

import time
from collections import OrderedDict
from collections.abc import Callable

RECHECK_SECONDS = 0.01
ENTRY_OVERHEAD = 300  # bytes of dict slot, tuple, str and bytes headers per entry


def _cost(handle: str, json_body: bytes, msgpack_body: bytes) -> int:
    return len(handle) + len(json_body) + len(msgpack_body) + ENTRY_OVERHEAD


class EncodedAnswers:
    def __init__(
        self,
        change_mark: Callable[[], int],
        budget: int = 64 << 20,
        recheck: float = RECHECK_SECONDS,
    ) -> None:
        self.change_mark = change_mark
        self.budget = budget
        self.recheck = recheck
        self.size = 0  # bytes charged to the entries held
        self._entries: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()
        self._handle_rest: OrderedDict[str, bytes] = OrderedDict()
        self.handle_rest_size = 0  # bytes charged to them, under a budget of their own
        self._mark = change_mark()
        self._checked_at = time.monotonic()

    def _check_fresh(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.recheck:
            return
        self._checked_at = now
        mark = self.change_mark()
        if mark != self._mark:
            self.clear()
            self._mark = mark

    def get(self, handle: str) -> tuple[bytes, bytes] | None:
        self._check_fresh()
        return self._entries.get(handle)

    def put(self, handle: str, json_body: bytes, msgpack_body: bytes) -> None:
        cost = _cost(handle, json_body, msgpack_body)
        if cost > self.budget:
            return
        self._forget(handle)
        self._entries[handle] = (json_body, msgpack_body)
        self.size += cost
        while self.size > self.budget:
            old, (old_json, old_msgpack) = self._entries.popitem(last=False)
            self.size -= _cost(old, old_json, old_msgpack)

    def get_handle_rest(self, path: str) -> bytes | None:
        self._check_fresh()
        return self._handle_rest.get(path)

    def put_handle_rest(self, path: str, body: bytes) -> None:
        cost = _cost(path, body, b"")
        if cost > self.budget:
            return
        old = self._handle_rest.pop(path, None)
        if old is not None:
            self.handle_rest_size -= _cost(path, old, b"")
        self._handle_rest[path] = body
        self.handle_rest_size += cost
        while self.handle_rest_size > self.budget:
            evicted, evicted_body = self._handle_rest.popitem(last=False)
            self.handle_rest_size -= _cost(evicted, evicted_body, b"")

    def _forget(self, handle: str) -> None:
        entry = self._entries.pop(handle, None)
        if entry is not None:
            self.size -= _cost(handle, *entry)

    def drop(self, handles: list[str]) -> None:
        """What a write of ``handles`` makes stale: their native answers, and every Handle
        REST answer (keyed by spelling, not by canonical handle)."""
        for handle in handles:
            self._forget(handle)
        if handles:
            self._handle_rest.clear()
            self.handle_rest_size = 0

    def clear(self) -> None:
        self._entries.clear()
        self._handle_rest.clear()
        self.size = self.handle_rest_size = 0

    def __len__(self) -> int:
        return len(self._entries)
