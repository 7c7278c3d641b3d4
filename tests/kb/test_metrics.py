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
