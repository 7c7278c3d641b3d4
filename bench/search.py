"""In-process search latency: kb's SearchEngine with its result cache off (cold) and on (warm)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.measure import Latency
from kb.engine.cache import RESULTS
from kb.engine.confidence import Model
from kb.engine.search import SearchEngine, SearchRequest
from kb.engine.snapshot import SnapshotHolder
from kb.errors import KbError

LIMIT = 10
WARMUP = 20  # queries run before measuring, so the first search's one-off loading is not counted
DEFAULT_CACHE = RESULTS  # kb's default KB_CACHE_SIZE


def open_engine(index: Path, cache_size: int) -> SearchEngine:
    """kb's engine over the live version of `index`, as a worker holds it."""
    holder = SnapshotHolder(index, interval_s=3600)
    holder.get()
    return SearchEngine(holder, Model.load(), cache_size=cache_size)


def measure(engine: SearchEngine, queries: list[str]) -> Latency:
    lat = Latency()
    for q in queries:
        try:
            lat.time(lambda q=q: engine.search(SearchRequest(q=q, limit=LIMIT)))  # type: ignore[misc]
        except KbError:
            lat.errors += 1
    return lat


def run(corpus: str, index: Path, cold_queries: list[str], log: list[str]) -> list[dict[str, Any]]:
    """Cold: each of `cold_queries` computed (cache off). Warm: the whole log replayed, cache on."""
    rows: list[dict[str, Any]] = []
    cold = open_engine(index, cache_size=0)
    measure(cold, log[:WARMUP])
    rows.append(
        {"corpus": corpus, "engine": "kb", "mode": "cold", **measure(cold, cold_queries).summary()}
    )
    cold.holder.close()

    warm = open_engine(index, cache_size=DEFAULT_CACHE)
    lat = measure(warm, log)
    hits, misses = warm.cache.hits, warm.cache.misses
    rows.append(
        {
            "corpus": corpus,
            "engine": "kb",
            "mode": "warm",
            **lat.summary(),
            "cache_hit_rate": hits / (hits + misses) if hits + misses else float("nan"),
        }
    )
    warm.holder.close()
    return rows
