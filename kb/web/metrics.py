"""Prometheus metrics of one process, exposed at /metrics (prometheus_client's text format)."""

from __future__ import annotations

import gc
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Tally:
    """A counter that every request updates, kept as plain numbers per label values and made into
    a Prometheus family only when the metrics are rendered (a custom collector). prometheus_client's
    own children take a lock and check the value on every update: with the histogram below, 3.4 µs
    of a search's time in a tight loop, against ~0.5 µs here. Updated from the event loop only (every
    route is async); the exposition is the same as a prometheus_client Counter's, `_created` included."""

    def __init__(self, registry: CollectorRegistry, name: str, doc: str, labels: Iterable[str] = ()) -> None:
        self.name, self.doc, self.labels = name, doc, tuple(labels)
        self.counts: dict[tuple[str, ...], float] = {}
        self.created: dict[tuple[str, ...], float] = {}
        if not self.labels:  # as a Counter without labels: there, at 0, from the start
            self.counts[()], self.created[()] = 0.0, time.time()
        registry.register(self)

    def inc(self, *values: str) -> None:
        counts = self.counts
        count = counts.get(values)
        if count is None:
            self.created[values] = time.time()
            count = 0.0
        counts[values] = count + 1

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(self.name, self.doc, labels=self.labels)
        for values, count in list(self.counts.items()):
            family.add_metric(values, count, created=self.created[values])
        yield family


class LatencyTally:
    """A histogram of seconds by endpoint, kept and exposed as Tally keeps its counts (the same
    samples as a prometheus_client Histogram with these buckets: an observation counts in the
    first bucket whose bound it does not exceed)."""

    def __init__(self, registry: CollectorRegistry, name: str, doc: str, buckets: tuple[float, ...]) -> None:
        self.name, self.doc, self.bounds = name, doc, buckets
        self.le = [floatToGoString(b) for b in buckets] + ["+Inf"]  # type: ignore[no-untyped-call]
        self.counts: dict[str, list[int]] = {}
        self.sums: dict[str, float] = {}
        self.created: dict[str, float] = {}
        registry.register(self)

    def observe(self, endpoint: str, seconds: float) -> None:
        counts = self.counts.get(endpoint)
        if counts is None:
            counts = self.counts[endpoint] = [0] * len(self.le)
            self.sums[endpoint] = 0.0
            self.created[endpoint] = time.time()
        counts[bisect_left(self.bounds, seconds)] += 1
        self.sums[endpoint] += seconds

    def collect(self) -> Iterable[Metric]:
        family = HistogramMetricFamily(self.name, self.doc, labels=("endpoint",))
        for endpoint, counts in list(self.counts.items()):
            running, buckets = 0, []
            for le, count in zip(self.le, counts, strict=True):
                running += count
                buckets.append((le, float(running)))
            family.add_metric([endpoint], buckets, self.sums[endpoint])
            family.samples.append(Sample(f"{self.name}_created", {"endpoint": endpoint}, self.created[endpoint], None))
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        # What every request or search updates: plain numbers (see Tally).
        self.requests = Tally(r, "kb_http_requests", "HTTP requests.", ["endpoint", "method", "status"])
        self.latency = LatencyTally(
            r, "kb_http_request_duration_seconds", "HTTP request latency.", LATENCY_BUCKETS
        )
        self.searches = Tally(r, "kb_searches", "Searches answered.", ["endpoint"])
        self.fallbacks = Tally(r, "kb_search_fallbacks", "Searches that fell back to a channel.", ["channel"])
        self.zero_results = Tally(r, "kb_search_zero_results", "Searches with no answer.")
        self.cache_hits = Tally(r, "kb_search_cache_hits", "Searches served from the cache.")
        self.index_documents = Gauge(
            "kb_index_documents", "Section chunks in the live index.", registry=r
        )
        self.index_articles = Gauge("kb_index_articles", "Articles in the live index.", registry=r)
        self.index_built = Gauge(
            "kb_index_built_timestamp_seconds",
            "When the live index was built (Unix time).",
            registry=r,
        )
        self.reindex = Counter(
            "kb_reindex_total", "Index builds run by this process.", ["result"], registry=r
        )
        self.reindex_seconds = Histogram(
            "kb_reindex_duration_seconds", "Index build duration.", registry=r,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
        )  # fmt: skip
        self.index_loads = Counter(
            "kb_index_loads_total", "Index versions loaded by this process.", registry=r
        )
        Gauge(
            "kb_gc_frozen_objects",
            "Objects kept out of garbage collections (what the process held when it first served "
            "its index version).",
            registry=r,
        ).set_function(gc.get_freeze_count)

        self._open_failures = Gauge(
            "kb_index_open_failures",
            "Attempts to open a published index version that failed (a version that fails is tried "
            "again after 1, 2, 4 … 60 s, at once when another is published).",
            registry=r,
        )

    def follow_index(self, open_failures: Callable[[], float]) -> None:
        """Read the index holder's failed opens whenever the metrics are rendered."""
        self._open_failures.set_function(open_failures)

    def request(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """One HTTP request answered."""
        self.requests.inc(endpoint, method, str(status))
        self.latency.observe(endpoint, seconds)

    def searched(
        self, endpoint: str, *, cache_hit: bool, fallback_channel: str | None, zero_results: bool
    ) -> None:
        """One search answered: from the cache or not, falling back to a channel or not."""
        self.searches.inc(endpoint)
        if cache_hit:
            self.cache_hits.inc()
        if fallback_channel is not None:
            self.fallbacks.inc(fallback_channel)
        if zero_results:
            self.zero_results.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
