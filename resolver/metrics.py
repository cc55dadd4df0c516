"""Prometheus metrics for one daemon process (text format at /metrics).

Each worker process keeps its own registry; scrape every worker, or sum them, as with
any pre-fork server. Route labels use the route's pattern, never the raw path, so a flood
of distinct identifiers cannot explode the number of series.
"""

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "glid_requests",
            "HTTP requests by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "glid_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.cache = Counter(
            "glid_cache", "Resolver cache lookups by result", ["result"], registry=self.registry
        )
        self.upstream_errors = Counter(
            "glid_upstream_errors",
            "Failed requests to other nodes",
            ["kind"],
            registry=self.registry,
        )
        self.registrations = Counter(
            "glid_registrations", "Record writes by outcome", ["outcome"], registry=self.registry
        )

        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}

    def _observers(self, route: str, status: int) -> tuple[Any, Any]:
        """The labelled counter and histogram for a route and status, looked up once."""
        key = (route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(route, str(status)),
                self.latency.labels(route),
            )
            self._children[key] = children
        return children

    def render(self) -> bytes:
        return generate_latest(self.registry)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            counter, histogram = self._observers(route, status)
            counter.inc()
            histogram.observe(time.perf_counter() - started)
