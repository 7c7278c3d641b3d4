"""Parsing many articles at once: batches of sources parsed in worker processes.

Parsing and rendering is pure Python, so threads would not help; worker processes do. A small help
center (or an incremental build of a few changed files) is parsed in the calling process, where
starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from indexer.loader import Source, parse_article
from kb.errors import ArticleError, BuildError
from kb.schema import Article

WORKERS = 2
PARALLEL_MIN = 200  # sources to parse before worker processes pay for their start and the pickling
BATCH = 25  # sources per task: few enough round trips, small enough to keep both workers busy


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


def _parse_in_workers(
    sources: Sequence[Source], known_channels: set[str] | None, workers: int
) -> Iterator[Article | ArticleError]:
    # fork: workers start at once with every module already imported (spawn would re-import the
    # Markdown stack in each); Whoosh's multi-process writer starts its writers the same way.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )
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
