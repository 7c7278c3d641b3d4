"""Indexing: full build time and size, edit → searchable time, and where a build's time goes.

Each corpus is copied into the run's work folder first, so editing an article for the incremental
measurement never touches the cached corpus or the shipped content. The phases of a build are timed
inside the measured build itself by wrapping the indexer's step functions with a clock (see
`phase_clock`); a step the indexer no longer has is simply not reported.
"""

from __future__ import annotations

import cProfile
import importlib
import io
import json
import pstats
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from bench.corpora import Corpus
from bench.measure import median, tree_bytes
from indexer import build_index, layout, parse_article
from indexer.article_store import ArticleShards
from indexer.loader import Source
from kb.engine.confidence import Model
from kb.engine.scoring import SegmentCache
from kb.engine.search import SearchEngine, SearchRequest
from kb.engine.snapshot import Snapshot, SnapshotHolder

EDITS = 3  # incremental rebuilds measured per corpus (median reported)
VECTORS_PHASE = "section vectors (embedding)"

# (phase, module, function): the indexer's steps, timed where build_index calls them.
PHASES: tuple[tuple[str, str, str], ...] = (
    ("read + parse + render", "indexer.build", "_read_articles"),
    # A full build's workers parse, render and index together; the build waits for their results,
    # then (after writing the metadata) for their segments.
    ("parse + render + index (workers)", "indexer.build", "_accept"),
    ("Whoosh segments + commit", "indexer.build", "_commit_segments"),
    ("Whoosh update", "indexer.build", "_update_whoosh"),
    ("vocabulary + articles", "indexer.build", "_write_metadata"),
    # Only on the semantic path: the texts with no vector known embedded, the vectors written.
    (VECTORS_PHASE, "indexer.vectors", "write"),
    ("fsync + publish", "indexer.layout", "publish"),
)


@contextmanager
def phase_clock() -> Iterator[dict[str, float]]:
    """Seconds spent in each of PHASES while the block runs (wrappers removed afterwards)."""
    spent: dict[str, float] = {}
    patched: list[tuple[Any, str, Callable[..., Any]]] = []
    for label, module_name, name in PHASES:
        module = importlib.import_module(module_name)
        original = getattr(module, name, None)
        if original is None:
            continue

        def timed(
            *args: Any, _fn: Callable[..., Any] = original, _label: str = label, **kwargs: Any
        ) -> Any:
            started = time.perf_counter()
            try:
                return _fn(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - started

        setattr(module, name, timed)
        patched.append((module, name, original))
    try:
        yield spent
    finally:
        for module, name, original in patched:
            setattr(module, name, original)


@dataclass
class Built:
    """A corpus copied into the work folder and indexed there."""

    corpus: Corpus
    content: Path
    index: Path

    @property
    def version(self) -> Path:
        path = layout.current_version(self.index)
        if path is None:
            raise RuntimeError(f"no index in {self.index}")
        return path


def copy_content(corpus: Corpus, work: Path) -> Path:
    target = work / corpus.name / "content"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(corpus.content, target)
    return target


def build(corpus: Corpus, work: Path, repeats: int = 1) -> tuple[Built, dict[str, Any]]:
    """Full builds of the corpus (the last one is kept for the other benchmarks) and their row."""
    content = copy_content(corpus, work)
    seconds: list[float] = []
    phases: list[dict[str, float]] = []
    index = work / corpus.name / "index"
    report = None
    for _ in range(repeats):
        shutil.rmtree(index, ignore_errors=True)
        with phase_clock() as spent:
            started = time.perf_counter()
            report = build_index(content, index)
            seconds.append(time.perf_counter() - started)
        phases.append(spent)
    assert report is not None
    built = Built(corpus, content, index)
    version = built.version
    row = {
        "corpus": corpus.name,
        "articles": report.articles,
        "chunks": report.chunks,
        "skipped": len(report.skipped),
        "builds": repeats,
        "build_s": _median_run(seconds, phases)[0],
        "phases": _median_run(seconds, phases)[1],
        "index_bytes": tree_bytes(version),
        "whoosh_bytes": tree_bytes(version / layout.WHOOSH_DIR),
    }
    return built, row


def _median_run(
    seconds: list[float], phases: list[dict[str, float]]
) -> tuple[float, dict[str, float]]:
    """The median run's time and its phases (one run's, so that they add up to its time)."""
    middle = sorted(range(len(seconds)), key=lambda i: seconds[i])[(len(seconds) - 1) // 2]
    return seconds[middle], phases[middle]


def build_untimed(corpus: Corpus, work: Path) -> Built:
    """The corpus indexed for a benchmark that needs an index but not its build time."""
    content = copy_content(corpus, work)
    index = work / corpus.name / "index"
    shutil.rmtree(index, ignore_errors=True)
    build_index(content, index)
    return Built(corpus, content, index)


def index_state(built: Built) -> dict[str, Any]:
    """What the live version of a corpus's index holds: its segments and the chunks marked deleted
    in them (an incremental build leaves both; a full build has one segment per build process and
    none deleted). Search is measured on whatever the earlier steps left, and this says which."""
    path = layout.current_version(built.index)
    assert path is not None, f"no index in {built.index}"
    snap = Snapshot.open(path)
    try:
        index = snap.impacts
        return {
            "corpus": built.corpus.name,
            "version": snap.version,
            "segments": len(index.segments),
            "chunks": index.live,
            "deleted": len(index.dead),
        }
    finally:
        snap.close()


def incremental(
    built: Built,
    edits: int = EDITS,
    profile_to: Path | None = None,
    before_publish: Callable[[Path], None] | None = None,
) -> dict[str, Any]:
    """Edit one article, rebuild incrementally, swap the snapshot, and find the new words.

    Times each step from the moment the edited file is written until a search through a
    SnapshotHolder returns the edited article for a word that exists only in the edit. The
    holder's poll interval (KB_RELOAD_INTERVAL_S) is not included: `refresh()` is called at once.
    On an index with vectors the build embeds the edited article's texts and the search is by
    meaning as well; `before_publish` is the build's step before publishing (the confidence model).
    """
    holder = SnapshotHolder(built.index, interval_s=3600)
    engine = SearchEngine(holder, Model.load(), cache_size=0, semantic=before_publish is not None)
    holder.get()
    if before_publish is not None:  # the model loaded, as in a process that has served searches
        engine.search(SearchRequest(q="warm up", limit=1))
    # A worker that does not run the builds: its own segments and article shards, read once for
    # the version before the edits, as it would have served it.
    other_segments, other_shards = SegmentCache(), ArticleShards()
    Snapshot.open(holder.get().path, segments=other_segments, article_shards=other_shards).close()
    files = sorted(p for p in built.content.rglob("*.md"))
    steps: dict[str, list[float]] = {
        "build_s": [],
        "swap_s": [],
        "first_search_s": [],
        "total_s": [],
        "other_swap_s": [],
        "other_total_s": [],
    }
    phases: list[dict[str, float]] = []
    found = 0
    for n in range(edits):
        path = files[(n * 7919) % len(files)]
        token = f"benchedit{n}x{int(time.time() * 1000) % 100000}"
        article_id = _article_id(path)
        text = path.read_text(encoding="utf-8").rstrip("\n")
        profiler = cProfile.Profile() if profile_to is not None and n == edits - 1 else None
        t0 = time.perf_counter()
        path.write_text(f"{text}\n\nThis article now also mentions {token}.\n", encoding="utf-8")
        with phase_clock() as spent:
            if profiler:
                profiler.enable()
            report = build_index(
                built.content, built.index, incremental=True, before_publish=before_publish
            )
            if profiler:
                profiler.disable()
        t1 = time.perf_counter()
        phases.append(spent)
        holder.refresh()
        t2 = time.perf_counter()
        body = engine.search(SearchRequest(q=token, limit=10))
        t3 = time.perf_counter()
        if not report.incremental or report.changed != 1:
            raise RuntimeError(
                f"expected an incremental build of 1 article, got {report.to_json()}"
            )
        found += bool(body["answers"]) and body["answers"][0]["article"] == article_id
        # A worker that did not run the build opens the version from its files, reading only the
        # segments and article shards it had not read for the version before.
        t4 = time.perf_counter()
        Snapshot.open(
            holder.get().path, segments=other_segments, article_shards=other_shards
        ).close()
        other_swap = time.perf_counter() - t4
        steps["build_s"].append(t1 - t0)
        steps["swap_s"].append(t2 - t1)
        steps["first_search_s"].append(t3 - t2)
        steps["total_s"].append(t3 - t0)
        steps["other_swap_s"].append(other_swap)
        steps["other_total_s"].append(t3 - t0 - (t2 - t1) + other_swap)
        if profiler and profile_to is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            profile_to.write_text(out.getvalue(), encoding="utf-8")
    holder.close()
    return {
        "corpus": built.corpus.name,
        "edits": edits,
        "found": found,
        **{k: median(v) for k, v in steps.items()},
        "max_total_s": max(steps["total_s"]),
        "max_other_total_s": max(steps["other_total_s"]),
        "phases": _median_run(steps["build_s"], phases)[1],
    }


def _article_id(path: Path) -> str:
    """The article id of a content file (front matter `id`, else derived from the path by kb)."""
    root = next(p for p in path.parents if (p / "channels.yaml").exists())
    source = Source(path=path, rel=path.relative_to(root).as_posix(), raw=path.read_bytes())
    return parse_article(source).id


def live_edits(built: Built, work: Path, workers: int = 2, edits: int = EDITS) -> dict[str, Any]:
    """Edit → live in every worker, end to end: `kb serve --workers N` with KB_WATCH=true on the
    corpus, one article edited at a time. From the moment the file is written until each worker
    has logged the new version as loaded (its poller opens it), read from the server's own log
    lines; the watcher's wait for the writes to settle, the build and each worker's poll interval
    are all inside. Meanwhile a client asks a few questions over and over (a new connection each
    time, so every worker is asked): the longest of its requests while the edits go live, against
    the longest in the second before the first edit."""
    from bench.http_load import Target, running

    logs = work / f"live-{built.corpus.name}"
    logs.mkdir(parents=True, exist_ok=True)
    target = Target("kb-watch", workers)
    files = sorted(built.content.rglob("*.md"))
    published: list[float] = []
    first: list[float] = []
    every: list[float] = []
    # (when the answer came, epoch seconds; seconds taken; answered 200)
    asked: list[tuple[float, float, bool]] = []
    stop = threading.Event()
    with running(target, built.index, built.content, logs, {"KB_WATCH": "true"}) as (url, _):

        def ask() -> None:
            n = 0
            while not stop.is_set():
                started = time.perf_counter()
                q = LIVE_QUESTIONS[n % len(LIVE_QUESTIONS)]
                try:
                    ok = _get_status(url, f"/search?q={quote_plus(q)}") == 200
                except OSError:
                    ok = False
                asked.append((time.time(), time.perf_counter() - started, ok))
                n += 1

        client = threading.Thread(target=ask, daemon=True)
        client.start()
        log_path = logs / f"{target.name}-{workers}w.log"
        time.sleep(1.5)  # the watcher is watching; every question has been asked (and cached)
        calm = time.time() - 1.0
        try:
            for n in range(edits):
                path = files[(n * 7919 + 4001) % len(files)]
                text = path.read_text(encoding="utf-8").rstrip("\n")
                written = time.time()
                path.write_text(
                    f"{text}\n\nThis article is now live as livebench{n}.\n", encoding="utf-8"
                )
                deadline = time.monotonic() + 30
                while True:
                    version, loaded = _loaded_since(log_path, written)
                    if version is not None and len(loaded) >= workers:
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"edit {n} not live in {workers} workers after 30 s")
                    time.sleep(0.05)
                published.append(int(version.split("-")[1]) / 1e9 - written)
                first.append(min(loaded))
                every.append(max(loaded))
                time.sleep(0.5)
        finally:
            stop.set()
            client.join(timeout=30)
    editing = [s for at, s, _ in asked if at >= calm + 1.0]
    before = [s for at, s, _ in asked if calm <= at < calm + 1.0]
    return {
        "live_workers": workers,
        "live_edits": edits,
        "live_published_s": median(published),
        "live_first_worker_s": median(first),
        "live_every_worker_s": median(every),
        "live_max_every_worker_s": max(every),
        "live_requests": len(editing),
        "live_failed_requests": sum(not ok for _, _, ok in asked),
        "live_longest_request_ms": max(editing) * 1000 if editing else None,
        "live_longest_before_ms": max(before) * 1000 if before else None,
    }


def _get_status(url: str, path: str) -> int:
    """One GET on a connection of its own (a worker chosen by the kernel), read to the end; its
    status. A bare socket: an HTTP client's own set-up would cost more than kb's answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


# Asked again and again while edits go live: answered from the cache, so a request that waits on
# a version being loaded stands out.
LIVE_QUESTIONS = ("how do i reset my password", "refund", "where is my order", "contact support")


def _loaded_since(log_path: Path, since: float) -> tuple[str | None, list[float]]:
    """The version the content watcher published after `since` (epoch seconds), and when each
    worker logged it as loaded, in seconds after `since`."""
    version = None
    loaded: list[float] = []
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        # A line per request too (the client asks ~1,000 times a second): decode only these.
        if not line.startswith("{") or not ('"rebuilt after' in line or '"index version' in line):
            continue
        record = json.loads(line)
        at = datetime.fromisoformat(record["time"].replace("Z", "+00:00")).timestamp()
        if at < since - 0.001:  # the log's times are to the millisecond
            continue
        if version is None and record.get("event") == "rebuilt after content change":
            version = record["version"]
        elif (
            version is not None
            and record.get("event") == "index version loaded"
            and record.get("version") == version
        ):
            loaded.append(at - since)
    return version, loaded
