"""A bounded HTTP load generator: N concurrent connections for T seconds against a loopback kb.

asyncio + httpx (already a test dependency) rather than locust or wrk: it runs inside pytest, shares
the suite's helpers, sends exactly the request mix kb serves (GET and POST /search, /suggest,
/articles), runs an action (a reindex) in the middle on the same clock, and keeps every latency for
exact percentiles. Its cost is client CPU on the same two cores as the server, so the throughput it
reports is a floor, not kb's ceiling (bench/ measures that).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

QUERIES = [
    "where is my refund",
    "reset my password",
    "my parcel is late",
    "cancel an order",
    "change delivery address",
    "damaged item",
    "charged twice",
    "talk to a person",
    "track my order",
    "return label",
    "how long does a refund take",
    "account hacked",
    "wrong item delivered",
    "payment declined",
    "gift card balance",
    "zzzz qqqq",
]
PREFIXES = ["ref", "pass", "deliv", "canc", "ord", "ret"]
ARTICLES = ["returns-and-refunds", "account-security", "track-your-order", "nope-not-there"]


@dataclass
class LoadResult:
    """What a run did: requests, failures by kind, latencies (seconds), the mid-run action's result."""

    seconds: float
    connections: int
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    action: str = ""

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1] * 1000

    def summary(self) -> dict[str, object]:
        return {
            "connections": self.connections,
            "seconds": round(self.seconds, 1),
            "requests": self.requests,
            "requests_per_s": round(self.requests / self.seconds, 1) if self.seconds else 0,
            "errors": len(self.errors),
            "statuses": dict(self.statuses),
            "p50_ms": round(self.percentile(50), 1),
            "p90_ms": round(self.percentile(90), 1),
            "p99_ms": round(self.percentile(99), 1),
            "max_ms": round(self.percentile(100), 1),
            "mid_run_action": self.action,
        }


def _request(rng: random.Random) -> tuple[str, str, dict[str, object] | None, set[int]]:
    """One request of the mix and the statuses that count as success for it."""
    kind = rng.random()
    if kind < 0.55:
        return "GET", f"/search?q={rng.choice(QUERIES).replace(' ', '+')}", None, {200}
    if kind < 0.75:
        return "POST", "/search", {"q": rng.choice(QUERIES), "limit": rng.randint(1, 10)}, {200}
    if kind < 0.9:
        return "GET", f"/suggest?q={rng.choice(PREFIXES)}", None, {200}
    article = rng.choice(ARTICLES)
    return "GET", f"/articles/{article}", None, {404} if article.startswith("nope") else {200}


async def _worker(
    client: httpx.AsyncClient, deadline: float, seed: int, result: LoadResult
) -> None:
    rng = random.Random(seed)
    t0 = deadline - result.seconds
    while time.monotonic() < deadline:
        method, path, body, ok = _request(rng)
        started = time.perf_counter()
        try:
            response = await client.request(method, path, json=body)
            elapsed = time.perf_counter() - started
            result.statuses[str(response.status_code)] += 1
            if response.status_code not in ok:
                at = time.monotonic() - t0
                result.errors.append(
                    f"at {at:.1f}s {method} {path}: {response.status_code} {response.text[:120]}"
                )
        except httpx.HTTPError as exc:
            elapsed = time.perf_counter() - started
            at = time.monotonic() - t0
            result.statuses[type(exc).__name__] += 1
            result.errors.append(
                f"at {at:.1f}s {method} {path}: {type(exc).__name__} after {elapsed:.2f}s: {exc!r}"
            )
        result.latencies.append(elapsed)


async def run_load(
    base_url: str,
    connections: int,
    seconds: float,
    action: Callable[[httpx.AsyncClient], Awaitable[str]] | None = None,
    action_at: float = 0.5,
) -> LoadResult:
    """`connections` clients, each sending one request after another for `seconds`; `action` runs
    once at `action_at` of the way through, on its own connection, and its result is kept."""
    host = urlsplit(base_url).hostname
    assert host in ("127.0.0.1", "localhost", "::1"), "load goes to loopback only"
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    result = LoadResult(seconds=seconds, connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        started = time.monotonic()
        deadline = started + seconds

        async def mid_run() -> None:
            if action is None:
                return
            await asyncio.sleep(seconds * action_at)
            async with httpx.AsyncClient(base_url=base_url, timeout=300) as own:
                begun = time.monotonic() - started
                outcome = await action(own)
                result.action = (
                    f"{outcome} (from {begun:.1f}s to {time.monotonic() - started:.1f}s)"
                )

        await asyncio.gather(
            mid_run(), *(_worker(client, deadline, seed, result) for seed in range(connections))
        )
        result.seconds = time.monotonic() - started
    return result
