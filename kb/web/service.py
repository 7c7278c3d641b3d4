"""What one worker process holds: settings, the engine over the live index, metrics, listeners."""

from __future__ import annotations

import gc
import logging
import weakref
from collections.abc import Callable
from typing import Any

from kb import gc_policy
from kb.config import Settings
from kb.engine import Engine, Snapshot
from kb.web.encoding import EncodedAnswers
from kb.web.metrics import Metrics

log = logging.getLogger("kb.api")

SearchListener = Callable[[dict[str, Any]], None]


def settle() -> None:
    """Take what the worker holds out of the garbage collector's full collections (kb.gc_policy),
    after a full collection, so that only live objects are frozen, and after handing back what the
    load freed."""
    gc.collect()
    gc_policy.return_freed_memory()
    gc_policy.settle()


class Service:
    """One worker's state, shared by every router through kb.web.deps."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics(settings.run_dir)
        me = weakref.ref(self)  # the holder keeps the hook: a strong reference would be a cycle

        def on_load(snap: Snapshot) -> None:
            service = me()
            if service is not None:
                service.prepare_version(snap)

        self.engine: Engine = settings.open_engine(on_load=on_load)
        self.holder = self.engine.holder
        self.searcher = self.engine.searcher
        # Read through a weak reference: prometheus_client's set_function makes the Gauge a
        # reference cycle, which prepare_version freezes for good, and a strong one would keep the
        # holder and its live version of a Service that was let go (a test's, an embedder's).
        holder_ref = weakref.ref(self.holder)

        def open_failures() -> float:
            live = holder_ref()
            return float(live.open_failures) if live is not None else 0.0

        self.metrics.follow_index(open_failures)
        # As many as the result cache holds lists of answers (its two levels share most).
        self.encoded = EncodedAnswers(settings.cache_size)
        self.listeners: list[SearchListener] = []
        self._seen_version: str | None = None

    def prepare_version(self, snap: Snapshot) -> None:
        """Ready a newly opened index version, in the thread that opened it (the poll thread, or
        start-up before the first request), so that a request seldom waits for this: what searching
        it takes loaded (Engine.prepare), then the worker settled (`settle`)."""
        self.engine.prepare(snap)
        settle()

    def snapshot(self) -> Snapshot:
        """The live version; the index gauges follow it."""
        snap = self.holder.get()
        if snap.version != self._seen_version:
            self._seen_version = snap.version
            self.metrics.index_loads.inc()
            self.metrics.index_documents.set(snap.chunks)
            self.metrics.index_articles.set(len(snap.articles))
            self.metrics.index_built.set(snap.built_at)
            # The result cache is not emptied: its keys hold the version, so nothing of an older
            # one is served, and old entries go as new ones push them out.
        return snap

    def notify(self, record: dict[str, Any]) -> None:
        """Hand a search's record to every listener (analytics); a listener never fails a search."""
        for listener in self.listeners:
            try:
                listener(record)
            except Exception:
                log.warning("search listener failed", exc_info=True)
