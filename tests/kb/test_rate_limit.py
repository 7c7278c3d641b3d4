"""KB_RATE_LIMIT_PER_MINUTE holds per client for the whole server, with two workers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from tests.conftest import CONTENT
from tests.helpers.server import serve_process

PER_MINUTE = 30


def searches_until_limited(
    base: str, tries: int, **headers: str
) -> tuple[float, httpx.Response | None]:
    """Searches round the four kept-alive connections of a client (the kernel spreads connections
    over the workers): how many were answered before the first 429, less what the bucket refilled
    meanwhile (limit/60 a second), and that 429."""
    clients = [httpx.Client(base_url=base, timeout=10, headers=headers) for _ in range(4)]
    started = time.monotonic()
    try:
        for i in range(tries):
            r = clients[i % 4].get("/search", params={"q": "refund"})
            if r.status_code == 429:
                return i - (time.monotonic() - started) * PER_MINUTE / 60, r
            assert r.status_code == 200, r.text
        return tries, None
    finally:
        for c in clients:
            c.close()


def test_two_workers_allow_the_configured_number_per_client_and_exempt_networks(
    tmp_path: Path, index_copy: Path
) -> None:
    """With two workers, a client gets the configured number of requests a minute (±1 refilled
    meanwhile), then a JSON 429 with Retry-After; a client named by a trusted proxy's
    X-Forwarded-For has a bucket of its own; an allow-listed network is never limited."""
    env = {
        "KB_RATE_LIMIT_PER_MINUTE": str(PER_MINUTE),
        "KB_RATE_LIMIT_EXEMPT": json.dumps(["198.51.100.0/24"]),
        "KB_TRUSTED_PROXIES": json.dumps(["127.0.0.1"]),
    }
    with serve_process(tmp_path, CONTENT, index_copy, workers=2, **env) as base:
        allowed, refused = searches_until_limited(base, 3 * PER_MINUTE)
        assert PER_MINUTE - 1 <= allowed <= PER_MINUTE + 1
        assert refused is not None and refused.headers["content-type"] == "application/json"
        assert refused.json() == {"error": "rate_limited", "detail": "too many requests; slow down"}
        assert 1 <= int(refused.headers["retry-after"]) <= 2
        again, _ = searches_until_limited(base, 5)
        assert again <= 0  # on every connection, whichever worker holds it

        behind_proxy, refused = searches_until_limited(
            base, 3 * PER_MINUTE, **{"x-forwarded-for": "203.0.113.7"}
        )
        assert PER_MINUTE - 1 <= behind_proxy <= PER_MINUTE + 1 and refused is not None

        exempt, refused = searches_until_limited(
            base, 3 * PER_MINUTE, **{"x-forwarded-for": "198.51.100.9"}
        )
        assert exempt == 3 * PER_MINUTE and refused is None
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200  # never limited
