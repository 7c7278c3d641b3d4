"""The semantic path (kb[semantic]) beside the words path: one corpus, one run, both ways.

- Builds: the corpus copied once and built in full by words, then with section vectors and the
  confidence fit kb does on that path (`Settings.build_index`'s steps: `build_index(semantic=True)`
  and `practice.prepare_version` before publishing), then that again on the unchanged content (every
  vector kept, the fit done again). Time per 1,000 sections, and each build against the words one.
- In-process search with every cache off (the result cache, and for the semantic path the question
  vectors too, so each question is embedded): the words engine on the words index, the semantic
  engine on the semantic index and SQLite FTS5 on the same chunks (bench.peers), timed in turns
  question by question on the same questions.
- HTTP: the bare endpoint, `kb serve` on the words index (KB_SEMANTIC=false) and on the semantic
  index (KB_SEMANTIC=true), both with their result cache, side by side and measured in turns as the
  http step measures (bench.http_load); each row has the largest serving process's resident memory.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench import http_load, indexing, peers
from bench.corpora import Corpus
from bench.measure import Latency, tree_bytes
from bench.search import LIMIT, WARMUP
from indexer import build_index, encoder
from kb.engine import practice
from kb.engine.common_words import DEFAULT_LANGUAGE
from kb.engine.confidence import Model
from kb.engine.search import SearchEngine, SearchRequest
from kb.engine.semantic import QueryEncoder
from kb.engine.snapshot import SnapshotHolder
from kb.errors import KbError

PATHS = ("words", "semantic")
FTS5 = "fts5"  # the peer timed beside them in-process
TARGETS = ("bare", "kb-warm", "kb-semantic")  # kb-warm: the words path, as in the http step


def available() -> bool:
    """Whether the semantic path can be measured here (the extra is installed)."""
    return encoder.available()


def prepare(index: Path) -> Callable[[Path], None]:
    """The step a build with vectors runs before publishing, as `kb index` does
    (`Settings.build_index`): the version's own confidence model, fitted or kept."""
    return partial(
        practice.prepare_version, index_dir=index, semantic=True, language=DEFAULT_LANGUAGE
    )


def build(corpus: Corpus, work: Path) -> tuple[dict[str, indexing.Built], list[dict[str, Any]]]:
    """The corpus built by words and with vectors (twice: first, then unchanged); the last index
    of each path, and a row per build."""
    content = indexing.copy_content(corpus, work)
    built: dict[str, indexing.Built] = {}
    rows: list[dict[str, Any]] = []
    for path, build_name in (("words", "first"), ("semantic", "first"), ("semantic", "unchanged")):
        index = work / corpus.name / f"index-{path}"
        if build_name == "first":
            shutil.rmtree(index, ignore_errors=True)
        fit_s: list[float] = []

        def fit(version: Path, index: Path = index, fit_s: list[float] = fit_s) -> None:
            started = time.perf_counter()
            prepare(index)(version)
            fit_s.append(time.perf_counter() - started)

        semantic = path == "semantic"
        with indexing.phase_clock() as spent:
            started = time.perf_counter()
            report = build_index(
                content, index, semantic=semantic, before_publish=fit if semantic else None
            )
            seconds = time.perf_counter() - started
        built[path] = indexing.Built(corpus, content, index)
        rows.append(
            {
                "corpus": corpus.name,
                "path": path,
                "build": build_name,
                "articles": report.articles,
                "sections": report.chunks,
                "embedded": report.embedded,
                "build_s": seconds,
                "per_1000_sections_s": seconds * 1000 / report.chunks,
                # None on the words path, which neither embeds nor fits
                "vectors_s": spent.get(indexing.VECTORS_PHASE) if semantic else None,
                "fit_s": sum(fit_s) if semantic else None,
                "index_bytes": tree_bytes(built[path].version),
            }
        )
    return built, rows


def _engine(index: Path, semantic: bool) -> SearchEngine:
    """kb's engine over the live version of `index` with no cache: neither results nor, on the
    semantic path, question vectors are kept."""
    holder = SnapshotHolder(index, interval_s=3600)
    holder.get()
    engine = SearchEngine(holder, Model.load(), cache_size=0, semantic=semantic)
    engine.query_vectors = QueryEncoder(size=0)
    return engine


def edits(built: dict[str, indexing.Built]) -> dict[str, Any]:
    """One changed article until it is found by a search by meaning as well, on the index with
    vectors: its texts embedded, the live confidence model kept (a small edit), the snapshot
    swapped, as bench.indexing.incremental measures the words path."""
    return indexing.incremental(built["semantic"], before_publish=prepare(built["semantic"].index))


def _searching(engine: SearchEngine) -> Callable[[str], object]:
    return lambda q: engine.search(SearchRequest(q=q, limit=LIMIT))


def cold(
    corpus: str, built: dict[str, indexing.Built], queries: list[str], work: Path
) -> list[dict[str, Any]]:
    """In-process latency of each path and of FTS5 with every cache off, timed in turns per
    question."""
    engines = {path: _engine(built[path].index, path == "semantic") for path in PATHS}
    fts = peers.Fts5(work / "fts5.sqlite", peers.chunks_of(built["words"].version))
    searches: dict[str, Callable[[str], object]] = {
        path: _searching(engine) for path, engine in engines.items()
    }
    searches[FTS5] = lambda q: fts.top_articles(q, LIMIT)
    latency = {path: Latency() for path in searches}
    try:
        for q in queries[:WARMUP]:  # the model loaded, the first searches' one-off work done
            for search in searches.values():
                search(q)
        for q in queries:
            for path, search in searches.items():
                try:
                    latency[path].time(lambda s=search, q=q: s(q))  # type: ignore[misc]
                except KbError:
                    latency[path].errors += 1
        answered_by = {path: e.mode(e.holder.get()) for path, e in engines.items()}
        return [
            {
                "corpus": corpus,
                "path": path,
                "answered_by": answered_by.get(path, fts.name),
                **latency[path].summary(),
            }
            for path in searches
        ]
    finally:
        fts.close()
        for engine in engines.values():
            engine.holder.close()


def http(
    corpus: Corpus,
    built: dict[str, indexing.Built],
    queries: list[str],
    load: http_load.Load,
    work: Path,
    worker_counts: tuple[int, ...],
) -> list[dict[str, Any]]:
    """The bare endpoint, kb by words and kb by meaning as well, served side by side."""
    return http_load.run(
        corpus.name,
        built["words"].index,
        built["words"].content,
        queries,
        load,
        work,
        worker_counts,
        targets=TARGETS,
        indexes={"kb-semantic": built["semantic"].index},
        logs_name=f"semantic-{corpus.name}",
    )
