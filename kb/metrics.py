"""Prometheus metrics of one process, exposed at /metrics (prometheus_client's text format)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "kb_http_requests_total", "HTTP requests.", ["endpoint", "method", "status"], registry=r
        )
        self.latency = Histogram(
            "kb_http_request_duration_seconds",
            "HTTP request latency.",
            ["endpoint"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=r,
        )
        self.searches = Counter("kb_searches_total", "Searches answered.", ["endpoint"], registry=r)
        self.fallbacks = Counter(
            "kb_search_fallbacks_total",
            "Searches that fell back to a channel.",
            ["channel"],
            registry=r,
        )
        self.zero_results = Counter(
            "kb_search_zero_results_total", "Searches with no answer.", registry=r
        )
        self.cache_hits = Counter(
            "kb_search_cache_hits_total", "Searches served from the cache.", registry=r
        )
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

        # Labelled children, looked up once per label set: `labels()` checks and hashes its
        # arguments under a lock on every call, a visible part of a cached search's cost.
        self._children: dict[tuple[Any, ...], Any] = {}

    def follow_index(self, open_failures: Callable[[], float]) -> None:
        """Read the index holder's failed opens whenever the metrics are rendered."""
        self._open_failures.set_function(open_failures)

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def request(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """One HTTP request answered."""
        self._child(self.requests, endpoint, method, str(status)).inc()
        self._child(self.latency, endpoint).observe(seconds)

    def searched(
        self, endpoint: str, *, cache_hit: bool, fallback_channel: str | None, zero_results: bool
    ) -> None:
        """One search answered: from the cache or not, falling back to a channel or not."""
        self._child(self.searches, endpoint).inc()
        if cache_hit:
            self.cache_hits.inc()
        if fallback_channel is not None:
            self._child(self.fallbacks, fallback_channel).inc()
        if zero_results:
            self.zero_results.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
