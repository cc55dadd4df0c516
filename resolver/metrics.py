"""Prometheus metrics for one daemon process (text format at /metrics).

The request path only adds to plain integers; prometheus_client turns them into the
exposition format when /metrics is scraped, through a custom collector. Its own Counter
and Histogram take a lock per update, which on a hot resolving node costs more than the
rest of the bookkeeping together.

Each worker process keeps its own counts; scrape every worker, or sum them, as with any
pre-fork server. Route labels use the route's pattern, never the raw path, so a flood of
distinct identifiers cannot explode the number of series.
"""

import bisect
from collections import defaultdict
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import choose_encoder

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Prometheus text format this node writes, named by its version as scrapers expect."""

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Count:
    """A counter family with labels, stored as plain integers."""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...]) -> None:
        self.name, self.documentation, self.label_names = name, documentation, labels
        self.values: defaultdict[tuple[str, ...], float] = defaultdict(float)

    def add(self, *labels: str, amount: float = 1) -> None:
        self.values[labels] += amount

    def collect(self) -> Metric:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.label_names)
        for labels, value in sorted(self.values.items()):
            family.add_metric(list(labels), value)
        return family


class Latency:
    """A histogram per route: bucket counts and a sum, updated without locks."""

    def __init__(self) -> None:
        self.counts: defaultdict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.sums: defaultdict[str, float] = defaultdict(float)

    def observe(self, route: str, seconds: float) -> None:
        self.counts[route][bisect.bisect_left(BUCKETS, seconds)] += 1
        self.sums[route] += seconds

    def collect(self) -> Metric:
        family = HistogramMetricFamily(
            "glid_request_seconds", "HTTP request latency", labels=["route"]
        )
        for route, counts in sorted(self.counts.items()):
            cumulative, total = [], 0
            for bound, count in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
                total += count
                cumulative.append((bound, total))
            family.add_metric([route], cumulative, self.sums[route])
        return family


class Metrics:
    def __init__(self) -> None:
        self.requests = Count(
            "glid_requests", "HTTP requests by route and status", ("route", "status")
        )
        self.latency = Latency()
        self.cache = Count("glid_cache", "Answer and resolver cache lookups by result", ("result",))
        self.upstream_errors = Count(
            "glid_upstream_errors", "Failed requests to other nodes", ("kind",)
        )
        self.registrations = Count("glid_registrations", "Record writes by outcome", ("outcome",))
        self.registry = CollectorRegistry()
        self.registry.register(self)  # a collector: prometheus_client calls collect()

    def collect(self) -> Iterator[Metric]:
        yield self.requests.collect()
        yield self.latency.collect()
        yield self.cache.collect()
        yield self.upstream_errors.collect()
        yield self.registrations.collect()

    def render(self, accept: str = "") -> tuple[bytes, str]:
        """The exposition and its content type: OpenMetrics 1.0.0 when ``accept`` asks for
        it (as Prometheus does when it prefers it), else the text format 0.0.4."""
        encoder, content_type = choose_encoder(accept)
        if content_type.startswith("application/openmetrics-text"):
            return encoder(self.registry), content_type
        return generate_latest(self.registry), TEXT_CONTENT_TYPE

    def record(self, request: web.Request, status: int, seconds: float) -> None:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        self.requests.values[route, str(status)] += 1
        self.latency.observe(route, seconds)
