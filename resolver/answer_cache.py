"""Encoded answers kept in memory: a version is immutable, so its bytes are too.

The hot path of a resolving node is "same identifier, same answer": the JSON and
MessagePack bytes of each current answer are encoded once and served until the store
changes. This process drops what it writes itself at once; the store's change mark tells
when another connection (another worker, a CLI command) has committed. Asking the store costs
more than the rest of a cached answer, so it is asked at most every ``recheck`` seconds:
another process's writes show within that time (10 ms by default), as a DNS server's
zone reload shows after a moment, never a stale version after it.

Handle REST answers are kept beside them, keyed by the request path as sent (the answer
echoes the client's spelling of the handle). Writes are rare next to reads, so any write
this process makes drops every Handle REST answer rather than matching spellings.
"""

import time
from collections import OrderedDict
from collections.abc import Callable

RECHECK_SECONDS = 0.01


class EncodedAnswers:
    def __init__(
        self,
        change_mark: Callable[[], int],
        limit: int = 100_000,
        recheck: float = RECHECK_SECONDS,
    ) -> None:
        self.change_mark = change_mark
        self.limit = limit
        self.recheck = recheck
        self._entries: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()
        self._handle_rest: OrderedDict[str, bytes] = OrderedDict()
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
        self._entries[handle] = (json_body, msgpack_body)
        if len(self._entries) > self.limit:
            self._entries.popitem(last=False)

    def get_handle_rest(self, path: str) -> bytes | None:
        self._check_fresh()
        return self._handle_rest.get(path)

    def put_handle_rest(self, path: str, body: bytes) -> None:
        self._handle_rest[path] = body
        if len(self._handle_rest) > self.limit:
            self._handle_rest.popitem(last=False)

    def drop(self, handles: list[str]) -> None:
        for handle in handles:
            self._entries.pop(handle, None)
        if handles:
            self._handle_rest.clear()

    def clear(self) -> None:
        self._entries.clear()
        self._handle_rest.clear()
