"""/metrics scrapes cleanly with Prometheus' own text-format parser and counts what happened."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families


def samples(http: httpx.Client) -> dict[str, list[tuple[dict[str, str], float]]]:
    text = http.get("/metrics").text
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def value(found: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(
        v for lab, v in found.get(name, []) if all(lab.get(k) == x for k, x in labels.items())
    )


def test_metrics_parse_and_count_searches_fallbacks_and_index(http: httpx.Client) -> None:
    """Searches, fallbacks by channel, zero results, latency histograms and index gauges are exposed."""
    before = samples(http)
    http.get("/search", params={"q": "refund status"})
    http.get("/search", params={"q": "how do I bake sourdough bread"})
    http.get("/search", params={"q": "qwxzv plokm"})
    after = samples(http)
    assert value(after, "kb_searches_total") - value(before, "kb_searches_total") == 3
    assert (
        value(after, "kb_search_fallbacks_total", channel="chat")
        - value(before, "kb_search_fallbacks_total", channel="chat")
        >= 2
    )
    assert (
        value(after, "kb_search_zero_results_total") - value(before, "kb_search_zero_results_total")
        >= 1
    )
    assert value(after, "kb_http_request_duration_seconds_count", endpoint="/search") >= 3
    assert value(after, "kb_http_requests_total", endpoint="/search", status="200") >= 3
    assert value(after, "kb_index_documents") > 0 and value(after, "kb_index_articles") >= 14
    assert value(after, "kb_index_built_timestamp_seconds") > 1.7e9
    # what the worker held when it first served the index is kept out of full collections
    assert value(after, "kb_gc_frozen_objects") > 10_000


def test_cache_hits_are_counted(http: httpx.Client) -> None:
    """The second of two identical searches is counted as served from the result cache."""
    http.get("/search", params={"q": "change my delivery address"})
    before = value(samples(http), "kb_search_cache_hits_total")
    http.get("/search", params={"q": "Change my  delivery address"})
    assert value(samples(http), "kb_search_cache_hits_total") - before == 1


def test_request_tallies_expose_what_prometheus_clients_own_metrics_would() -> None:
    """The counters and latency histogram every request updates (kb.web.metrics.SharedCounter, written to a
    memory-mapped file) render as the samples prometheus_client's Counter and Histogram give for the
    same updates, bucket edges and all (`_created` aside: a multi-process server has none)."""
    from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

    from kb.web.metrics import LATENCY_BUCKETS, Metrics

    theirs = CollectorRegistry()
    requests = Counter(
        "kb_http_requests_total",
        "HTTP requests.",
        ["endpoint", "method", "status"],
        registry=theirs,
    )
    latency = Histogram(
        "kb_http_request_duration_seconds",
        "HTTP request latency.",
        ["endpoint"],
        buckets=LATENCY_BUCKETS,
        registry=theirs,
    )
    searches = Counter("kb_searches_total", "Searches answered.", ["endpoint"], registry=theirs)
    fallbacks = Counter(
        "kb_search_fallbacks_total",
        "Searches that fell back to a channel.",
        ["channel"],
        registry=theirs,
    )
    zero = Counter("kb_search_zero_results_total", "Searches with no answer.", registry=theirs)
    hits = Counter("kb_search_cache_hits_total", "Searches served from the cache.", registry=theirs)

    ours = Metrics()
    # Every bucket edge exactly, just over and under it, beyond the last; several label sets.
    near = [b * f for b in LATENCY_BUCKETS for f in (0.9999, 1.0001)]
    seconds = [0.0, *LATENCY_BUCKETS, *near, 7.0]
    for i, s in enumerate(seconds):
        endpoint, status = ("/search", 200) if i % 3 else ("/deflect", 422 if i % 2 else 200)
        ours.request(endpoint, "GET", status, s)
        requests.labels(endpoint, "GET", str(status)).inc()
        latency.labels(endpoint).observe(s)
        channel = "chat" if i % 4 == 0 else "phone" if i % 5 == 0 else None
        ours.searched(
            endpoint, cache_hit=i % 2 == 0, fallback_channel=channel, zero_results=i % 7 == 0
        )
        searches.labels(endpoint).inc()
        if i % 2 == 0:
            hits.inc()
        if channel:
            fallbacks.labels(channel).inc()
        if i % 7 == 0:
            zero.inc()

    wanted = {
        "kb_http_requests",
        "kb_http_request_duration_seconds",
        "kb_searches",
        "kb_search_fallbacks",
        "kb_search_zero_results",
        "kb_search_cache_hits",
    }

    def families(text: bytes) -> set[tuple[str, str, tuple[tuple[str, str], ...], float]]:
        return {
            (f.name, s.name, tuple(sorted(s.labels.items())), s.value)
            for f in text_string_to_metric_families(text.decode())
            if f.name in wanted
            for s in f.samples
            if not s.name.endswith("_created")
        }

    mine, expected = families(ours.render()), families(generate_latest(theirs))
    assert any(name.endswith("_bucket") for _, name, _, _ in expected)
    assert mine == expected
