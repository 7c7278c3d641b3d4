"""Search over HTTP: kb served by `kb serve --workers N` beside a bare FastAPI endpoint.

Each target is a real server process on a free 127.0.0.1 port. The three targets of a worker count
run side by side, each warmed up, then loaded in turns, a few seconds each (bare, kb-warm, kb-cold,
bare, …): on a shared machine the load that comes and goes then reaches all three alike, where
measuring one target after the other gave ratios that moved by ±0.15 between runs. The load is wrk
(Debian's package; installed here when missing and run as root): one thread, a fixed number of
connections each sending its next request as soon as the previous answer arrives (a closed loop),
replaying the corpus's query log in order. Targets: the bare endpoint (the ceiling), kb with its
result cache (warm) and kb with KB_CACHE_SIZE=0 (cold), for 1 worker and for one worker per core;
kb searching by meaning as well (kb-semantic, with its cache) where the semantic step asks for it.
kb-warm answers the log's first `Load.warm_entries` entries per worker before it is measured, so
that its cache is as full as that of a service that has been running; each target's segments go on
in the log where its warm-up stopped, never wrapped around (the rows record where they were).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.corpora import REPO
from bench.measure import median
from kb.engine.cache import RESULTS

REPLAY = Path(__file__).with_name("replay.lua")
LIMIT = 10


@dataclass(frozen=True)
class Load:
    connections: int
    warmup_s: int
    duration_s: int  # measured seconds per target, in `rounds` segments
    log_length: int  # requests in the replayed log before it wraps around
    rounds: int = 1
    # Log entries each kb-warm worker answers before it is measured, so that its result cache is
    # as full as a running service's (the share of searches no level answers levels off after
    # ~30,000 entries on 10k chunks); warmup_s alone left it filling during the measured run.
    warm_entries: int = 0


@dataclass(frozen=True)
class Target:
    name: str  # "bare", "kb-warm", "kb-cold" or "kb-semantic"
    workers: int


def ensure_wrk() -> str:
    """The wrk binary; installed with apt-get when missing and this process may do so."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
            subprocess.run(install, env=env, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        raise RuntimeError("the HTTP benchmark needs wrk: apt-get install wrk")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kb_command() -> list[str]:
    """`kb` run as a module from the repository (the server's cwd), so the kb measured is this
    checkout's even when the console script beside the interpreter belongs to another one."""
    return [sys.executable, "-m", "kb"]


@contextmanager
def running(
    target: Target,
    index: Path,
    content: Path,
    logs: Path,
    extra_env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start the target on a free loopback port (kb with `extra_env` added to its settings);
    yields its base URL and process; stops it afterwards."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    if target.name == "bare":
        cmd = [
            sys.executable,
            "-m",
            "bench.bare",
            "--port",
            str(port),
            "--workers",
            str(target.workers),
        ]
        probe = "/search?q=probe"
    else:
        cmd = [
            *kb_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(target.workers),
        ]
        probe = "/readyz"
        env.update(
            KB_ENV="production",
            KB_INDEX_DIR=str(index),
            KB_CONTENT_DIR=str(content),
            KB_RATE_LIMIT_PER_MINUTE="0",
            # The suite's indexes are built by words (no section vectors): served, and rebuilt by
            # the watcher, as they are built. kb-semantic serves an index built with vectors.
            KB_SEMANTIC="true" if target.name == "kb-semantic" else "false",
            KB_CACHE_SIZE="0" if target.name == "kb-cold" else str(RESULTS),
            # A database of its own: targets sharing one SQLite file wait on each other's writes.
            KB_DATABASE_URL=f"sqlite:///{logs / f'analytics-{target.name}-{target.workers}w.db'}",
            **(extra_env or {}),
        )
    log_path = logs / f"{target.name}-{target.workers}w.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url + probe, log_path, target.workers)
        yield url, proc
    finally:
        _stop(proc)


def _wait_ready(proc: subprocess.Popen[bytes], probe: str, log_path: Path, workers: int) -> None:
    """Every worker has logged its start-up and the probe answers 200 (at most 90 s)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"server exited with {proc.returncode}:\n{tail}")
        started = log_path.read_text(encoding="utf-8", errors="replace").count("startup complete")
        if started >= workers:
            try:
                if httpx.get(probe, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after 90 s: {probe}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server we started; its whole session is killed if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # stray workers of this server's own session
        os.killpg(proc.pid, signal.SIGKILL)


def paths_file(queries: list[str], path: Path) -> Path:
    path.write_text(
        "".join(f"/search?q={quote_plus(q)}&limit={LIMIT}\n" for q in queries), encoding="utf-8"
    )
    return path


def wrk(
    binary: str, url: str, paths: Path, connections: int, duration_s: int, start: int = 0
) -> dict[str, Any]:
    """One bounded wrk run from log entry `start`; its summary with requests/s and ms figures."""
    cmd = [
        binary,
        "-t1",
        f"-c{connections}",
        f"-d{duration_s}s",
        "--timeout",
        "10s",
        "-s",
        str(REPLAY),
        url,
        "--",
        str(paths),
        str(start),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 120)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith('{"requests"')), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(
            f"wrk failed ({done.returncode}): {done.stdout[-1000:]} {done.stderr[-1000:]}"
        )
    r = json.loads(line)
    seconds = r["duration_us"] / 1e6
    return {
        "requests": r["requests"],
        "seconds": seconds,
        "rps": r["requests"] / seconds if seconds else float("nan"),
        "status_errors": r["status_errors"],  # answers other than 2xx/3xx
        "socket_errors": sum(
            r[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
        ),
        "mean_ms": r["mean_us"] / 1000,
        "p50_ms": r["p50_us"] / 1000,
        "p90_ms": r["p90_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
        "max_ms": r["max_us"] / 1000,
    }


def worker_memory_mb(root: int) -> float | None:
    """The largest resident memory (MB) of the processes serving HTTP under `root` (itself and its
    descendants; not the analytics writers nor multiprocessing's resource tracker); Linux /proc."""
    largest = None
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            status = Path(f"/proc/{pid}/status").read_text()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(c) for c in children)
        if b"analytics.writer" in cmdline or b"resource_tracker" in cmdline:
            continue
        kb = next((int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS:")), 0)
        largest = max(largest or 0.0, kb / 1024)
    return largest


def search_counts(url: str) -> tuple[float, float]:
    """(searches answered, of them from the result cache) by the kb process serving `url`."""
    searches = hits = 0.0
    for family in text_string_to_metric_families(httpx.get(url + "/metrics", timeout=10).text):
        for sample in family.samples:
            if sample.name == "kb_searches_total":
                searches += sample.value
            elif sample.name == "kb_search_cache_hits_total":
                hits += sample.value
    return searches, hits


def run(
    corpus: str,
    index: Path,
    content: Path,
    queries: list[str],
    load: Load,
    work: Path,
    worker_counts: tuple[int, ...],
    *,
    targets: tuple[str, ...] = ("bare", "kb-warm", "kb-cold"),
    indexes: dict[str, Path] | None = None,
    logs_name: str | None = None,
) -> list[dict[str, Any]]:
    """For each worker count, the targets side by side, measured in turns on the same replayed
    log: `load.rounds` segments each (bare, kb-warm, kb-cold, bare, …), so that a change in what
    else the machine runs reaches them all alike. kb serves `index` unless `indexes` names another
    for a target; the servers' logs go to a folder of the work folder (`logs_name`)."""
    binary = ensure_wrk()
    logs = work / (logs_name or f"http-{corpus}")
    logs.mkdir(parents=True, exist_ok=True)
    paths = paths_file(queries, logs / "paths.txt")
    cached = [name for name in targets if name in ("kb-warm", "kb-semantic")]
    rows: list[dict[str, Any]] = []
    for workers in worker_counts:
        chosen = [Target(name, workers) for name in targets]
        with ExitStack() as stack:
            servers = {
                t.name: stack.enter_context(
                    running(t, (indexes or {}).get(t.name, index), content, logs)
                )
                for t in chosen
            }
            # Each target's measured segments go on where its warm-up, then its last segment,
            # stopped, as live traffic would.
            offset = {t.name: 0 for t in chosen}
            if load.warmup_s:
                for t in chosen:
                    url = servers[t.name][0]
                    offset[t.name] = wrk(binary, url, paths, load.connections, load.warmup_s)[
                        "requests"
                    ]
            for name in cached:
                url = servers[name][0]
                while offset[name] < load.warm_entries * workers:
                    done = wrk(binary, url, paths, load.connections, 3, offset[name])
                    offset[name] += done["requests"]
            measured_from = dict(offset)
            # Any worker's /metrics counts the searches of all (the metrics are multiprocess).
            before = {name: search_counts(servers[name][0]) for name in cached}
            segments: dict[str, list[dict[str, Any]]] = {t.name: [] for t in chosen}
            seconds = load.duration_s // load.rounds
            for _ in range(load.rounds):
                for t in chosen:
                    url = servers[t.name][0]
                    result = wrk(binary, url, paths, load.connections, seconds, offset[t.name])
                    offset[t.name] += result["requests"]
                    segments[t.name].append(result)
            shares: dict[str, dict[str, Any]] = {}
            for name, counts in before.items():
                searches, hits = (
                    a - b for a, b in zip(search_counts(servers[name][0]), counts, strict=True)
                )
                shares[name] = {
                    "searched_share": (searches - hits) / searches if searches else None
                }
            for t in chosen:
                rows.append(
                    {
                        "corpus": corpus,
                        "workers": workers,
                        "target": t.name,
                        "connections": load.connections,
                        "rounds": load.rounds,
                        "warm_entries": load.warm_entries,
                        **_combined(segments[t.name]),
                        "log_from": measured_from[t.name],
                        "log_to": offset[t.name],
                        "log_length": len(queries),
                        **shares.get(t.name, {}),
                        **_search_path(t, servers[t.name][0]),
                        "worker_rss_mb": worker_memory_mb(servers[t.name][1].pid),
                    }
                )
    return rows


def _search_path(target: Target, url: str) -> dict[str, Any]:
    """How a kb target searched, as its /readyz says ("words" or "semantic"); nothing for bare."""
    if target.name == "bare":
        return {}
    return {"search_path": httpx.get(url + "/readyz", timeout=10).json().get("search")}


def _combined(segments: list[dict[str, Any]]) -> dict[str, Any]:
    """One target's segments as one run: requests and seconds added up; latency percentiles are
    the median of the segments' (percentiles of separate runs cannot be merged exactly)."""
    requests = sum(r["requests"] for r in segments)
    seconds = sum(r["seconds"] for r in segments)
    return {
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds if seconds else float("nan"),
        "status_errors": sum(r["status_errors"] for r in segments),
        "socket_errors": sum(r["socket_errors"] for r in segments),
        "mean_ms": sum(r["mean_ms"] * r["requests"] for r in segments) / requests
        if requests
        else float("nan"),
        **{k: median([r[k] for r in segments]) for k in ("p50_ms", "p90_ms", "p99_ms")},
        "max_ms": max(r["max_ms"] for r in segments),
        "segment_rps": [round(r["rps"]) for r in segments],
    }
