"""The load scenario shared by the CI test and scripts/load-test.sh: kb serve as a subprocess on a
loopback port, N connections for T seconds, a full reindex in the middle, memory before and after."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from indexer import build_index, encoder
from tests.load.generator import LoadResult, run_load
from tests.load.memory import PeakSampler
from tests.load.process import kb_serve
from tests.reliability.corpus import CONTENT, write_corpus

T = TypeVar("T")


def in_own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a fresh event loop in its own thread: the calling thread may already run
    a loop (Playwright's sync API keeps one for the whole test session)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="load-loop")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


ADMIN_KEY = "load-test-admin-key-0123456789"
# Growth allowed between the RSS after warm-up and the RSS after the run. What legitimately grows
# with one reindex: the new version and the retired one kept until the next swap (together ~40 MiB
# for these 216 articles, measured), the result cache (KB_CACHE_SIZE entries of a few KiB) and
# allocator slack. A leak of 2 KiB per request breaks it in the 64 × 60 s run (~30k requests).
MAX_GROWTH_MIB = 64


@dataclass
class Figures:
    """What a load run measured."""

    load: LoadResult
    rss_before_kib: int
    rss_after_kib: int
    rss_peak_kib: int
    reindex: str
    reindexed_version: str
    served_version: str

    @property
    def growth_kib(self) -> int:
        return self.rss_after_kib - self.rss_before_kib

    def within_memory_bound(self) -> bool:
        return self.growth_kib <= MAX_GROWTH_MIB * 1024

    def report(self) -> dict[str, Any]:
        return {
            **self.load.summary(),
            "served_version_after": self.served_version,
            "rss_before_mib": round(self.rss_before_kib / 1024, 1),
            "rss_after_mib": round(self.rss_after_kib / 1024, 1),
            "rss_peak_mib": round(self.rss_peak_kib / 1024, 1),
            "rss_growth_mib": round(self.growth_kib / 1024, 1),
            "rss_growth_bound_mib": MAX_GROWTH_MIB,
        }


async def _reindex(client: httpx.AsyncClient) -> str:
    started = time.monotonic()
    response = await client.post(
        "/admin/reindex", params={"full": "true"}, headers={"x-admin-key": ADMIN_KEY}
    )
    took = time.monotonic() - started
    if response.status_code != 200:
        return f"FAILED {response.status_code}: {response.text[:200]}"
    body = response.json()
    return f"200 {body['version']}: {body['articles']} articles in {took:.1f}s"


def run(workdir: Path, connections: int, seconds: float) -> Figures:
    """Build a help center of ~216 articles, serve it, warm it up, load it with a reindex midway."""
    content = workdir / "content"
    shutil.copytree(CONTENT, content)
    write_corpus(content / "generated", 200)
    (content / "generated" / "channels.yaml").unlink()
    index = workdir / "index"
    # As kb index builds it where kb[semantic] is installed: the reindex then reuses the vectors,
    # and the worker holds the sentence model from the start, as in a steady run.
    build_index(content, index, semantic=encoder.available())
    env = {"KB_ADMIN_KEY": ADMIN_KEY, "KB_LOG_LEVEL": "warning", "KB_WORKERS": "1"}
    with kb_serve(index, content, env) as server:
        in_own_loop(lambda: run_load(server.url, connections, min(3.0, seconds / 4)))  # warm-up
        time.sleep(0.5)
        before = server.rss_kib()
        with PeakSampler(server.pid) as peak:
            result = in_own_loop(
                lambda: run_load(server.url, connections, seconds, action=_reindex)
            )
        time.sleep(0.5)
        after = server.rss_kib()
        served = httpx.get(f"{server.url}/readyz", timeout=30).json().get("version", "")
        assert server.process.poll() is None, server.log()[-2000:]
    reindexed = result.action.split()[1].rstrip(":") if result.action.startswith("200 ") else ""
    return Figures(
        load=result,
        rss_before_kib=before,
        rss_after_kib=after,
        rss_peak_kib=max(peak.peak_kib, after),
        reindex=result.action,
        reindexed_version=reindexed,
        served_version=served,
    )
