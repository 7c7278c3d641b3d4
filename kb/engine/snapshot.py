"""One published index version opened for serving, and the holder that swaps in newer ones.

A request takes the current `Snapshot` once and uses it to the end, so a switch never changes the
index under a request in flight; workers and replicas notice a new version by the pointer's stamp.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from whoosh.filedb.filestore import FileStorage, copy_to_ram
from whoosh.searching import Searcher

from indexer import article_store, encoder, layout
from indexer.article import Article
from indexer.safe_yaml import load_yaml
from kb.engine.channels import ChannelBook
from kb.engine.confidence import Model
from kb.engine.scoring import ImpactIndex, SegmentCache
from kb.engine.semantic import SectionVectors
from kb.engine.vocabulary import Synonyms, Vocabulary
from kb.errors import IndexCorruptError, IndexMissingError

log = logging.getLogger("kb.index")


@dataclass
class Snapshot:
    """Everything one index version serves: postings, articles, channels, vocabulary, synonyms."""

    version: str
    path: Path
    impacts: ImpactIndex
    articles: dict[str, Article]
    channels: ChannelBook
    vocabulary: Vocabulary
    synonyms: Synonyms
    manifest: dict[str, Any]
    chunks: int
    loaded_at: float = field(default_factory=time.time)
    # The version's section vectors, where it has them and the semantic extra is installed.
    semantic: SectionVectors | None = None
    # The confidence model fitted on this version's own content (kb.engine.practice), by the path
    # ("semantic" or "words") it was fitted on.
    confidence: dict[str, Model] = field(default_factory=dict)
    # Where a top answer's cosine lies on this content, off-topic and answered (kb.engine.practice).
    cosine_scale: tuple[float, float] = (0.0, 1.0)

    @classmethod
    def open(
        cls,
        path: Path,
        default_tz: str = "UTC",
        fallback_channels: Path | None = None,
        segments: SegmentCache | None = None,
        article_shards: article_store.ArticleShards | None = None,
    ) -> Snapshot:
        try:
            manifest = orjson.loads((path / layout.MANIFEST).read_bytes())
            # Only the article shards not already read for an earlier version are parsed.
            articles = (article_shards or article_store.shared).read(path)
            vocab = orjson.loads((path / layout.VOCAB).read_bytes())
            synonyms_data: Any = None
            if (path / layout.SYNONYMS).exists():
                synonyms_data = load_yaml((path / layout.SYNONYMS).read_text(encoding="utf-8"))
            synonyms = Synonyms.from_data(synonyms_data)
            # Everything serving needs is read into memory here (from a transient in-memory copy
            # of the files; mmap would turn a file truncated under us into a SIGBUS): what happens
            # to the files afterwards (truncated, deleted, rewritten) cannot reach a worker.
            # Segments already read for an earlier version are reused: an incremental build adds
            # one small segment, and only that one is read.
            storage = copy_to_ram(FileStorage(str(path / layout.WHOOSH_DIR), readonly=True))
            searcher = storage.open_index().searcher()
            try:
                chunks = searcher.doc_count()
                impacts = ImpactIndex(
                    searcher, segments or SegmentCache(), synonyms.phrases(), storage.files
                )
                impacts.order = full_build_order(impacts.stored, articles)
            finally:
                searcher.close()
        except Exception as exc:
            raise IndexCorruptError(f"index version {path.name} cannot be opened: {exc}") from exc
        channels_path = path / layout.CHANNELS
        if not channels_path.exists() and fallback_channels is not None:
            channels_path = fallback_channels
        channels = ChannelBook.load(channels_path, default_tz)
        channels.read_terms_from(articles, vocab)  # urgency words inside the content's own terms
        vocabulary = Vocabulary(vocab)
        semantic = SectionVectors.load(path) if encoder.available() else None
        return cls(
            version=path.name,
            path=path,
            impacts=impacts,
            articles=articles,
            channels=channels,
            vocabulary=vocabulary,
            synonyms=synonyms,
            manifest=manifest,
            chunks=chunks,
            semantic=semantic,
            **own_confidence(path),
        )

    @property
    def built_at(self) -> float:
        return float(self.manifest.get("built_at", self.loaded_at))

    @cached_property
    def searcher(self) -> Searcher:
        """A Whoosh searcher on this version (for tools and tests; serving never uses it)."""
        return _open_searcher(self.path)

    def close(self) -> None:
        if "searcher" in self.__dict__:
            self.searcher.close()


def own_confidence(path: Path) -> dict[str, Any]:
    """The version's own confidence model and cosine scale, where it has them and they can be
    read; empty otherwise (a snapshot then uses the shipped model)."""
    try:
        data = orjson.loads((path / layout.CONFIDENCE).read_bytes())
        low, high = (float(x) for x in data["cosine_scale"])
        return {
            "confidence": {str(data["mode"]): Model.from_json(data)},
            "cosine_scale": (low, high),
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _open_searcher(path: Path) -> Searcher:
    storage = FileStorage(str(path / layout.WHOOSH_DIR), readonly=True)
    return copy_to_ram(storage).open_index().searcher()


def full_build_order(
    stored: list[dict[str, Any]], articles: dict[str, Article]
) -> npt.NDArray[np.int64]:
    """Each chunk's place in the order a full build writes chunks in (by source file, then the
    section's position): ties in score are broken by it, so an incrementally built version, whose
    edited chunks sit in a segment of their own at the end, ranks as a full build does. A chunk
    whose article is gone (deleted, so never searched) goes last."""
    gone = "\U0010ffff"
    keys = [
        (a.source if (a := articles.get(d["article"])) is not None else gone, d["position"])
        for d in stored
    ]
    if all(keys[i] <= keys[i + 1] for i in range(len(keys) - 1)):  # a full build's own order
        return np.arange(len(keys), dtype=np.int64)
    order = np.empty(len(keys), dtype=np.int64)
    order[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys), dtype=np.int64)
    return order


class SnapshotHolder:
    """Holds the live snapshot of one index folder and swaps in a newly published one."""

    def __init__(
        self,
        index_dir: Path,
        *,
        interval_s: float = 1.0,
        default_tz: str = "UTC",
        fallback_channels: Path | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.interval_s = interval_s
        self.default_tz = default_tz
        self.fallback_channels = fallback_channels
        self._snapshot: Snapshot | None = None
        self._retired: Snapshot | None = None
        self._stamp: layout.Stamp | None = None
        self._checked: float | None = None  # None: never looked, so look at the first get()
        self._lock = threading.Lock()
        self.error: str | None = None
        self.reloads = 0
        self.open_failures = 0  # published versions this holder tried to open and could not
        self._broken: Path | None = None  # a version whose files failed a read: never reopened
        # A version that failed to open is tried again after 1, 2, 4 … 60 s (at once when another
        # is published), not at every poll: each attempt costs a worker about as much as a load.
        self._failed: tuple[Path, layout.Stamp | None] | None = None
        self._retry_at: float | None = None  # set with _failed
        self._backoff = 0.0
        self.segments = SegmentCache()
        # Called after each newly opened snapshot, in the thread that opened it (the poller's).
        self.on_load: Callable[[Snapshot], None] | None = None
        self._poller: threading.Thread | None = None
        self._stop = threading.Event()

    def start_polling(self) -> None:
        """Look for new versions every `interval_s` in a thread of this process's own, and open
        them there: a worker serves the new version without a request having to wait for it to
        load, and an idle worker is as current as a busy one."""
        if self._poller is None:
            self._poller = threading.Thread(target=self._poll, name="kb-index-poll", daemon=True)
            self._poller.start()

    def _poll(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.refresh()
            except Exception:
                log.exception("index poll failed")

    def get(self) -> Snapshot:
        """The live snapshot, refreshed when a newer version is published; raises when none works."""
        now = time.monotonic()
        # Without a snapshot too, retry at most once per interval: a broken index must not be
        # reopened (and logged) on every request. With a poller, it does the looking.
        # `time.monotonic()` counts from boot, so "never" cannot be a number: on a machine up for
        # less than `interval_s`, 0.0 would read as "just checked" and no index would ever open.
        due = self._checked is None or now - self._checked >= self.interval_s
        if self._poller is None and due:
            self._checked = now
            self.refresh()
        if self._snapshot is None:
            raise IndexMissingError(self.error or f"no index in {self.index_dir}")
        return self._snapshot

    def refresh(self) -> bool:
        """Open the published version if it is new. Keeps the old one when the new cannot be read."""
        stamp = layout.pointer_stamp(self.index_dir)
        if stamp is not None and stamp == self._stamp and self._snapshot is not None:
            return False
        with self._lock:
            stamp = layout.pointer_stamp(self.index_dir)
            if stamp is not None and stamp == self._stamp and self._snapshot is not None:
                return False
            path = layout.current_version(self.index_dir)
            if path is None:
                self.error = f"no index has been built in {self.index_dir}"
                return False
            if self._snapshot is not None and self._snapshot.path == path:
                self._stamp = stamp
                return False
            if path == self._broken:
                return False
            waiting = self._retry_at is not None and time.monotonic() < self._retry_at
            if self._failed == (path, stamp) and waiting:
                return False
            try:
                snap = Snapshot.open(path, self.default_tz, self.fallback_channels, self.segments)
            except Exception as exc:
                if str(exc) != self.error:
                    log.error("index version not loaded", extra={"reason": str(exc)})
                self.error = str(exc)
                self.open_failures += 1
                again = self._failed == (path, stamp)
                self._backoff = min(self._backoff * 2, 60.0) if again else 1.0
                self._failed, self._retry_at = (path, stamp), time.monotonic() + self._backoff
                return False
            self._failed = None
            if self._retired is not None:
                # Retired one swap ago: no request can still hold it (requests are short).
                self._retired.close()
            self._retired, self._snapshot = self._snapshot, snap
            self.segments.keep(
                snap.impacts.segment_names
                | (self._retired.impacts.segment_names if self._retired else set())
            )
            self._stamp = stamp
            self.error = None
            self.reloads += 1
            log.info("index version loaded", extra={"version": snap.version, "chunks": snap.chunks})
        if self.on_load is not None:
            self.on_load(snap)
        return True

    def broken(self, snap: Snapshot, reason: str) -> None:
        """A read of `snap`'s files failed: stop serving it until another version is published."""
        with self._lock:
            if self._snapshot is not snap:
                return
            self.error = f"index version {snap.version} cannot be read: {reason}"
            log.error("index version unreadable", extra={"version": snap.version, "reason": reason})
            if self._retired is not None:
                self._retired.close()
            self._retired, self._snapshot, self._broken = snap, None, snap.path

    @property
    def ready(self) -> bool:
        return self._snapshot is not None

    def close(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=30)  # a version being opened is finished first
        for snap in (self._snapshot, self._retired):
            if snap is not None:
                snap.close()
