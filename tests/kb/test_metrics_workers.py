"""/metrics of `kb serve --workers 2` is the whole server's, whichever worker answers a scrape."""

from __future__ import annotations

import itertools
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import CONTENT
from tests.helpers.server import serve_process


def total(text: str, name: str, **labels: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def test_every_scrape_of_two_workers_counts_every_search(tmp_path: Path, index_copy: Path) -> None:
    """After N searches spread over two workers, every scrape, on fresh and on kept-alive
    connections, reports exactly N searches, and the request total never goes down between scrapes."""
    n = 60
    with serve_process(tmp_path, CONTENT, index_copy, workers=2) as base:
        for i in range(n):  # a fresh connection each: the kernel spreads them over both workers
            with httpx.Client(base_url=base, timeout=10) as c:
                assert (
                    c.get("/search", params={"q": f"where is my parcel {i % 7}"}).status_code == 200
                )
        scrapes = [httpx.get(f"{base}/metrics", timeout=10).text for _ in range(8)]
        with httpx.Client(base_url=base, timeout=10) as kept:
            scrapes += [kept.get("/metrics").text for _ in range(4)]
    searches = [total(text, "kb_searches_total", endpoint="/search") for text in scrapes]
    assert searches == [n] * len(scrapes)
    answered = [total(text, "kb_http_requests_total", endpoint="/search") for text in scrapes]
    assert answered == [n] * len(scrapes)
    requests = [total(text, "kb_http_requests_total") for text in scrapes]
    assert all(b >= a for a, b in itertools.pairwise(requests)), requests
    latency = [
        total(text, "kb_http_request_duration_seconds_count", endpoint="/search")
        for text in scrapes
    ]
    assert latency == [n] * len(scrapes)
    assert all(total(text, "kb_index_articles") >= 14 for text in scrapes)
