"""Parsing, indexing and embedding many articles at once, in worker processes.

Parsing, rendering and indexing are pure Python, so threads would not help; worker processes do. A
full build (`ShardedIndexing`) gives each worker a contiguous share of the files to parse and write
as one Whoosh segment; an incremental build with many changed files parses them in batches
(`parse_sources`). The section texts a build has no vector for are embedded by workers that each
load the sentence model once (`embed_texts`). A small help center (or a few changed
files, or a few texts to embed) is handled in the calling process, where starting workers would
cost more than it saves.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage

from indexer.article import Article
from indexer.encoder import DIMENSIONS, Encoder, EncoderError, Vectors, shared_encoder
from indexer.errors import ArticleError, BuildError
from indexer.loader import Source, parse_article
from indexer.schema import make_schema
from indexer.segment import SegmentBuilder, chunk_docs

Progress = Callable[[int, int], None]

WORKERS = 2
PARALLEL_MIN = 200  # sources to parse before worker processes pay for their start and the pickling
# Markdown bytes from which a full build is worth its workers whatever the number of files: the
# work grows with the Markdown, not the file count; a small help center is as fast in one process.
PARALLEL_BYTES = 256 * 1024
BATCH = 25  # sources per task: few enough round trips, small enough to keep both workers busy
# Texts to embed before workers pay for their start and for each loading the sentence model
# (docs/performance.md, "The semantic path").
EMBED_MIN = 64
EMBED_BATCH = 16  # texts per task: the workers finish close together, with few round trips


def parse_sources(
    sources: Sequence[Source], known_channels: set[str] | None = None, *, workers: int | None = None
) -> Generator[Article | ArticleError, None, None]:
    """Each source parsed into an Article, or the ArticleError saying why it cannot be used, in the
    order of `sources`. `workers` processes (default: WORKERS when there are at least PARALLEL_MIN
    sources and more than one CPU, else none) share the work; the results are the same either way."""
    if workers is None:
        many = len(sources) >= PARALLEL_MIN and (os.cpu_count() or 1) > 1
        workers = WORKERS if many else 1
    if workers <= 1:
        for source in sources:
            yield _parse_one(source, known_channels)
        return
    yield from _parse_in_workers(sources, known_channels, workers)


def _parse_one(source: Source, known_channels: set[str] | None) -> Article | ArticleError:
    try:
        return parse_article(source, known_channels)
    except ArticleError as exc:
        return exc


def _parse_batch(
    sources: list[Source], known_channels: set[str] | None
) -> list[Article | tuple[str, str]]:
    """A worker's task. An ArticleError does not survive pickling (its constructor takes two
    arguments), so it travels as (path, reason)."""
    out: list[Article | tuple[str, str]] = []
    for source in sources:
        result = _parse_one(source, known_channels)
        out.append((result.path, result.reason) if isinstance(result, ArticleError) else result)
    return out


def _exit_with_parent(parent: int) -> None:
    """A worker's start: end when the build that started it is gone (killed, say). An orphaned
    worker would wait for work forever, holding the index lock it inherited."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="kb-parse-parent-watch", daemon=True).start()


def _context() -> Any:
    """The workers' start method. fork: they start at once with every module already imported
    (spawn would re-import the Markdown stack and onnxruntime in each); Whoosh's multi-process
    writer starts its writers the same way."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _pool(workers: int, initializer: Callable[[int], None]) -> ProcessPoolExecutor:
    """`workers` processes, each started by `initializer(this process's pid)`."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=initializer,
        initargs=(os.getpid(),),
    )


def _parse_in_workers(
    sources: Sequence[Source], known_channels: set[str] | None, workers: int
) -> Iterator[Article | ArticleError]:
    pool = _pool(workers, _exit_with_parent)
    try:
        futures: list[Future[list[Article | tuple[str, str]]]] = [
            pool.submit(_parse_batch, list(sources[i : i + BATCH]), known_channels)
            for i in range(0, len(sources), BATCH)
        ]
        for future in futures:
            try:
                batch = future.result()
            except BrokenProcessPool as exc:
                raise BuildError(f"a parsing worker process died: {exc}") from exc
            for result in batch:
                yield ArticleError(*result) if isinstance(result, tuple) else result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def embed_texts(texts: Sequence[str], *, workers: int | None = None) -> Vectors:
    """One unit vector per text (indexer.encoder), in the order of `texts`. `workers` processes
    (default: WORKERS when there are at least EMBED_MIN texts and more than one CPU, else none)
    share the work, each loading the model once and checking it against the pinned sha256 as this
    process does; the vectors are the same either way (a text's vector depends on its text alone).

    Raises EncoderError when the model cannot be used, BuildError when a worker process dies."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    if workers is None:
        many = len(texts) >= EMBED_MIN and (os.cpu_count() or 1) > 1
        workers = WORKERS if many else 1
    if workers <= 1:
        return shared_encoder().embed(texts)
    pool = _pool(workers, _start_embedding)
    try:
        futures = [
            pool.submit(_embed_batch, list(texts[i : i + EMBED_BATCH]))
            for i in range(0, len(texts), EMBED_BATCH)
        ]
        try:
            parts = [future.result() for future in futures]
        except BrokenProcessPool as exc:
            raise BuildError(f"an embedding worker process died: {exc}") from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return np.concatenate(parts)


# An embedding worker's model, or why it cannot be used (raised by each of its tasks, so the build
# fails with the same EncoderError as in one process, not with a broken pool).
_worker_encoder: Encoder | EncoderError | None = None


def _start_embedding(parent: int) -> None:
    """An embedding worker's start: its own model, loaded once. Not the build process's (a fork
    copies an onnxruntime session without what makes it safe to run), and the objects inherited
    from the build are frozen: the collector never scans them, so their memory stays shared."""
    global _worker_encoder
    _exit_with_parent(parent)
    gc.freeze()
    try:
        _worker_encoder = Encoder()
    except EncoderError as exc:
        _worker_encoder = exc


def _embed_batch(texts: list[str]) -> Vectors:
    """An embedding worker's task."""
    if isinstance(_worker_encoder, EncoderError):
        raise _worker_encoder
    assert _worker_encoder is not None, "an embedding worker starts with _start_embedding"
    return _worker_encoder.embed(texts)


class _Shard:
    """One contiguous share of the sources: parsed, and its articles' chunks written as a segment."""

    def __init__(self, sources: Sequence[Source], known_channels: set[str] | None) -> None:
        self._sources = sources
        self._known = known_channels
        self._articles: list[Article | None] = []
        self._builder = SegmentBuilder(make_schema())

    def parse(self) -> Iterator[Article | ArticleError]:
        """Each source's Article or ArticleError, in order; every article is indexed as it comes."""
        for source in self._sources:
            result = _parse_one(source, self._known)
            article = result if isinstance(result, Article) else None
            self._articles.append(article)
            if article is not None:
                for doc in chunk_docs(article):
                    self._builder.add(doc)
            yield result

    def write(self, whoosh_dir: Path, indexname: str) -> Segment:
        return self._builder.write(FileStorage(str(whoosh_dir)), indexname)

    def rewrite(self, dropped: set[int], whoosh_dir: Path, indexname: str) -> Segment | None:
        """The segment again without the articles at `dropped` (positions in this share), or None
        when none of them was indexed (the segment written stands)."""
        if not any(self._articles[i] is not None for i in dropped):
            return None
        self._builder = SegmentBuilder(make_schema())
        for i, article in enumerate(self._articles):
            if article is not None and i not in dropped:
                for doc in chunk_docs(article):
                    self._builder.add(doc)
        return self.write(whoosh_dir, indexname)


def _shares(sources: Sequence[Source], parts: int) -> list[Sequence[Source]]:
    """`sources` cut into `parts` contiguous runs of about the same number of bytes (parsing and
    indexing time grows with an article's size, not with the number of files)."""
    total = sum(len(s.raw) for s in sources) or 1
    cuts = [0]
    done = 0
    for i, source in enumerate(sources):
        done += len(source.raw)
        if len(cuts) < parts and done >= total * len(cuts) / parts:
            cuts.append(i + 1)
    cuts += [len(sources)] * (parts + 1 - len(cuts))
    return [sources[a:b] for a, b in itertools.pairwise(cuts) if b > a]


END = "end"  # a worker's message after its last parse result


def _index_share(
    sources: Sequence[Source],
    known_channels: set[str] | None,
    whoosh_dir: Path,
    indexname: str,
    results: Any,
    verdicts: Connection,
    parent: int,
) -> None:
    """A worker process: parse a share, stream the results, write the segment, then rewrite it
    without the articles the build rejected (duplicate ids) if there are any, and report it."""
    _exit_with_parent(parent)
    try:
        shard = _Shard(sources, known_channels)
        batch: list[Article | tuple[str, str]] = []
        for result in shard.parse():
            batch.append(
                (result.path, result.reason) if isinstance(result, ArticleError) else result
            )
            if len(batch) >= BATCH:
                results.put(batch)
                batch = []
                # The share's articles and postings live as long as this process: out of the cyclic
                # collector's sight, its full collections need not scan them again and again.
                # Cyclic garbage frozen with them (a little per article rendered by
                # Python-Markdown, none for plain text) goes with the process.
                gc.freeze()
        results.put(batch)
        results.put(END)
        gc.freeze()
        segment = shard.write(whoosh_dir, indexname)
        dropped = verdicts.recv()
        if dropped is None:
            return  # the build failed: nothing more to write
        results.put(shard.rewrite(dropped, whoosh_dir, indexname) or segment)
    except BaseException as exc:
        results.put(exc if isinstance(exc, OSError | BuildError) else BuildError(repr(exc)))
    finally:
        results.close()
        results.join_thread()


class ShardedIndexing:
    """A full build's parsing and Whoosh indexing, shared by worker processes.

    The sources are cut into contiguous shares, one per worker; each worker parses its share and
    writes its articles' chunks as one segment of the index in `whoosh_dir`, so the segments, in
    order, hold every chunk in source order. The build reads the results in order (`results`),
    names the ones it refuses (`reject`: a duplicate id), and collects the segments (`segments`) to
    commit. With one worker (a small help center) the same happens in this process.
    """

    def __init__(
        self,
        sources: Sequence[Source],
        known_channels: set[str] | None,
        whoosh_dir: Path,
        indexname: str,
        *,
        workers: int | None = None,
    ) -> None:
        if workers is None:
            size = sum(len(s.raw) for s in sources)
            many = len(sources) >= PARALLEL_MIN or size >= PARALLEL_BYTES
            workers = WORKERS if many and (os.cpu_count() or 1) > 1 else 1
        self._dir = whoosh_dir
        self._indexname = indexname
        self._shares = _shares(sources, max(1, workers))
        self._rejected: list[set[int]] = [set() for _ in self._shares]
        self._local: _Shard | None = None
        self._finished = False
        self._procs: list[multiprocessing.process.BaseProcess] = []
        self._results: list[Any] = []
        self._verdicts: list[Connection] = []
        if len(self._shares) == 1:
            self._local = _Shard(self._shares[0], known_channels)
            return
        context = _context()
        try:
            for share in self._shares:
                results = context.Queue()
                receive, send = context.Pipe(duplex=False)
                proc = context.Process(
                    target=_index_share,
                    args=(
                        share,
                        known_channels,
                        whoosh_dir,
                        indexname,
                        results,
                        receive,
                        os.getpid(),
                    ),
                    name="kb-index-worker",
                    daemon=True,
                )
                proc.start()
                receive.close()
                self._procs.append(proc)
                self._results.append(results)
                self._verdicts.append(send)
        except BaseException:
            self.close()
            raise

    def results(self, progress: Progress | None = None) -> Iterator[Article | ArticleError]:
        """Each source's Article or ArticleError, in the order of the sources."""
        total = sum(len(s) for s in self._shares)
        n = 0
        if self._local is not None:
            for result in self._local.parse():
                n += 1
                if progress:
                    progress(n, total)
                yield result
            return
        for k in range(len(self._shares)):
            while (batch := self._receive(k)) != END:
                for result in batch:
                    n += 1
                    if progress:
                        progress(n, total)
                    yield ArticleError(*result) if isinstance(result, tuple) else result

    def reject(self, position: int) -> None:
        """Leave out of the index the article at `position` in the sources (already read)."""
        for k, share in enumerate(self._shares):
            if position < len(share):
                self._rejected[k].add(position)
                return
            position -= len(share)

    def segments(self) -> list[Segment]:
        """The written segments, in source order, once every result has been read."""
        if self._local is not None:
            return [
                self._local.rewrite(self._rejected[0], self._dir, self._indexname)
                or self._local.write(self._dir, self._indexname)
            ]
        for send, rejected in zip(self._verdicts, self._rejected, strict=True):
            with contextlib.suppress(OSError):  # a worker gone is reported by _receive
                send.send(rejected)
        found: list[Segment] = []
        for k in range(len(self._shares)):
            found.append(self._receive(k))
        for proc in self._procs:
            proc.join()
        self._finished = True
        return found

    def _receive(self, k: int) -> Any:
        """The next message of worker k; its error raised; BuildError when it died."""
        while True:
            try:
                message = self._results[k].get(timeout=0.5)
                break
            except queue.Empty:
                if not self._procs[k].is_alive():
                    raise BuildError(
                        f"an indexing worker process died (exit code {self._procs[k].exitcode})"
                    ) from None
        if isinstance(message, BaseException):
            raise message
        return message

    def close(self) -> None:
        """Stop the workers (when the build failed) and wait for them to go."""
        for send in self._verdicts:
            if not self._finished:
                with contextlib.suppress(OSError):
                    send.send(None)
            send.close()
        for proc in self._procs:
            proc.join(timeout=0.2)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for results in self._results:
            results.close()
            results.cancel_join_thread()
        self._procs = []
        self._verdicts = []
        self._results = []
