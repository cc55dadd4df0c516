"""Per-client rate limits: token buckets per client address and per admin identity.

Every request takes a token from its client address's bucket; an authenticated write also
takes one from its identity's bucket, so one enterprise cannot starve the others by
spreading its writes over many addresses. A bucket holds at most ``burst`` tokens and
refills at ``rate`` tokens per second; an empty bucket answers 429 with ``Retry-After``
(whole seconds until a token is back). ``rate <= 0`` turns the limits off, for a node
behind a proxy that already limits, or for a benchmark.

Where the buckets live depends on the store. On PostgreSQL they are the node's: every
worker of every host leases tokens from one bucket per key in the database
(registry.store.postgres_buckets) and spends them locally (:class:`LeasedBuckets`), so a
client spreading its requests over hosts still gets ``rate`` per node, not per host. On
SQLite they live in the worker process: with N workers a client may get up to N times the
rate when its connections land on different workers. The client address is the TCP peer
(``request.remote``); forwarded-for headers are not trusted.
"""

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

import orjson
from aiohttp import web

from glid_core.errors import GlidError
from registry.errors import StoreUnavailable
from registry.store.backend import Lease, SharedBuckets
from resolver.errors import TooLarge
from resolver.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_TRACKED = 100_000
LEASES_PER_BURST = 20  # a lease takes a twentieth of the burst: 20 tokens at the default 400

log = logging.getLogger("glid.limits")


class RateLimited(GlidError):
    """Too many requests from one client or identity; retry after the time given."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after)))


class TokenBuckets:
    """One token bucket per key, created full on first use.

    Keys are kept in least-recently-used order; when more than ``max_keys`` are tracked,
    the oldest are forgotten if their bucket has refilled (forgetting a full bucket
    changes nothing), so a scan from many addresses cannot grow the table without bound.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_TRACKED,
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str, cost: float = 1.0) -> float:
        """Take ``cost`` tokens for ``key``: 0.0 if granted, else the seconds until they are.

        A cost above the burst could never be granted; callers refuse such work first."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        tokens, at = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens >= cost:
            self._buckets[key] = (tokens - cost, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (cost - tokens) / self.rate
        if len(self._buckets) > self.max_keys:
            self._forget_refilled(now)
        return wait

    def _forget_refilled(self, now: float) -> None:
        refill_time = self.burst / self.rate
        while len(self._buckets) > self.max_keys:
            key, (_, at) = next(iter(self._buckets.items()))
            if now - at < refill_time:
                return
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)

    async def charge(self, key: str, cost: float = 1.0) -> float:
        """:meth:`take`, as :class:`Buckets` spells it."""
        return self.take(key, cost)


class Buckets(Protocol):
    """A set of token buckets, one per key."""

    rate: float
    burst: int

    @property
    def enabled(self) -> bool: ...

    async def charge(self, key: str, cost: float = 1.0) -> float:
        """Take ``cost`` tokens for ``key``: 0.0 if granted, else the seconds until they are."""
        ...


class LeasedBuckets:
    """Buckets shared by every process and host of a node: tokens are leased from the
    store's node-wide buckets a twentieth of the burst at a time and spent here, so most
    requests cost no round trip; the lease itself runs in a worker thread.

    If the store cannot lease (the database is unreachable), the worker falls back to its
    own buckets, with a warning, rather than refusing every request.
    """

    def __init__(self, shared: SharedBuckets, rate: float, burst: int) -> None:
        self.shared = shared
        self.rate = rate
        self.burst = max(1, burst)
        self.lease_size = max(1.0, self.burst / LEASES_PER_BURST)
        self._held: OrderedDict[str, float] = OrderedDict()
        self._fallback = TokenBuckets(rate, burst)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    async def charge(self, key: str, cost: float = 1.0) -> float:
        if not self.enabled:
            return 0.0
        held = self._held.pop(key, 0.0)
        if held < cost:
            need = cost - held
            try:
                lease = await asyncio.to_thread(
                    self.shared.lease, key, need, max(need, self.lease_size), self.rate, self.burst
                )
            except StoreUnavailable as exc:
                log.warning("rate limit for %s kept by this worker alone: %s", key, exc)
                return self._fallback.take(key, cost)
            if not lease.granted:
                self._keep(key, held)
                return lease.wait
            held += lease.granted
        self._keep(key, held - cost)
        return 0.0

    def _keep(self, key: str, held: float) -> None:
        """Hold what is left; past MAX_TRACKED keys the oldest leases are dropped (their
        tokens are lost to everyone: the limit only ever bites early)."""
        if held > 0:
            self._held[key] = held
            while len(self._held) > MAX_TRACKED:
                self._held.popitem(last=False)


Refusal = Callable[[web.Request, "RateLimited"], web.Response]


class Limits:
    """The two bucket sets of one worker (node-wide when ``shared`` is given), and how a
    refusal is written per API.

    ``refusals`` maps a path prefix to the function that writes a 429 in that API's own
    shape (the Handle REST API answers with a responseCode and the handle); other paths
    get ``{"error": ...}``.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        refusals: Mapping[str, Refusal] | None = None,
        shared: SharedBuckets | None = None,
    ) -> None:
        self.clients: Buckets
        self.identities: Buckets
        if shared is None:
            self.clients = TokenBuckets(rate, burst, clock=clock)
            self.identities = TokenBuckets(rate, burst, clock=clock)
        else:
            self.clients = LeasedBuckets(_Prefixed(shared, "client "), rate, burst)
            self.identities = LeasedBuckets(_Prefixed(shared, "identity "), rate, burst)
        self.refusals = dict(refusals or {})

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        refusals: Mapping[str, Refusal] | None = None,
        shared: SharedBuckets | None = None,
    ) -> "Limits":
        return cls(settings.rate_limit, settings.rate_burst, refusals=refusals, shared=shared)

    def refusal(self, request: web.Request, exc: RateLimited) -> web.Response:
        for prefix, write in self.refusals.items():
            if request.path.startswith(prefix):
                return write(request, exc)
        return too_many(exc)

    async def check_client(self, address: str) -> None:
        wait = await self.clients.charge(address)
        if wait:
            raise RateLimited(
                f"client {address} sent more than {self.clients.rate:g} requests/s"
                f" (burst {self.clients.burst}); retry after {math.ceil(wait)} s",
                wait,
            )

    async def charge_client(self, address: str, cost: float, what: str) -> None:
        """Take what a costly request (a batch) is worth beyond the one token every request
        pays, so a client's work, not its request count, meets the limit."""
        if self.clients.enabled and cost > self.clients.burst:
            raise TooLarge(
                f"{what} costs {cost:g} requests' worth; this node's burst is"
                f" {self.clients.burst}: split it into smaller batches"
            )
        wait = await self.clients.charge(address, cost - 1) if cost > 1 else 0.0
        if wait:
            raise RateLimited(
                f"client {address}: {what} costs {cost:g} requests' worth, more than its"
                f" tokens left; retry after {math.ceil(wait)} s",
                wait,
            )

    async def check_identity(self, identity: str) -> None:
        wait = await self.identities.charge(identity)
        if wait:
            raise RateLimited(
                f"{identity} made more than {self.identities.rate:g} writes/s"
                f" (burst {self.identities.burst}); retry after {math.ceil(wait)} s",
                wait,
            )


class _Prefixed:
    """One namespace of the node-wide buckets: client addresses and identities apart."""

    def __init__(self, shared: SharedBuckets, prefix: str) -> None:
        self.shared = shared
        self.prefix = prefix

    def lease(self, key: str, need: float, want: float, rate: float, burst: float) -> Lease:
        return self.shared.lease(self.prefix + key, need, want, rate, burst)


LIMITS = web.AppKey("limits", Limits)


def too_many(exc: RateLimited, body: dict[str, object] | None = None) -> web.Response:
    """The 429 answer: a JSON body naming the limit and a Retry-After header."""
    return web.Response(
        status=429,
        body=orjson.dumps(
            body if body is not None else {"error": str(exc), "code": "rate_limited"}
        ),
        content_type="application/json",
        headers={"Retry-After": exc.retry_after_header},
    )


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a client over its rate before any work; turn RateLimited from handlers into 429.

    It sits inside the error middleware so that a handler's RateLimited (an identity over
    its rate) becomes a 429 here rather than a generic 400 there.
    """
    limits = request.app[LIMITS]
    try:
        await limits.check_client(request.remote or "unknown")
        return await handler(request)
    except RateLimited as exc:
        return limits.refusal(request, exc)
