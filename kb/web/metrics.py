"""Prometheus metrics of the whole server, exposed at /metrics (prometheus_client's text format).

Every worker process writes its numbers to files of its own in one folder the workers share
(`metrics_dir(run_dir)`), in the format of prometheus_client's multi-process mode; the worker that
answers a scrape sums every file there with prometheus_client's `MultiProcessCollector`. So a scrape
is the server's, whichever worker answers it:

- counters and histograms are the sums over every worker the server has run, replaced ones
  included (their files stay), so they never go down while the server runs;
- the index gauges are the latest value a live worker published (`livemostrecent`: the files of a
  worker that died are removed by `mark_process_dead` in kb.server.workers);
- `kb_gc_frozen_objects` and `kb_index_open_failures` are the answering worker's own (every worker
  freezes and opens the same versions alike).

The numbers are written straight into each worker's memory-mapped file, not through
prometheus_client's metric objects (see docs/decisions/metrics.md): an update is one dict lookup
and one store into the map, with no lock, as every update runs on the worker's event loop thread.
"""

from __future__ import annotations

import gc
import json
import mmap
import os
import shutil
import struct
import tempfile
import time
import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.utils import floatToGoString

__all__ = ["LATENCY_BUCKETS", "Metrics", "metrics_dir"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
REINDEX_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

_HEADER = 8  # the used length (uint32), then padding to 8 bytes
_USED = struct.Struct("i")
_ENTRY_VALUES = struct.Struct("dd")  # value, timestamp


def metrics_dir(run_dir: Path) -> Path:
    """The folder in a server's run folder where its workers write their metrics."""
    return run_dir / "metrics"


class Store:
    """One process's values of one metric kind: a file of prometheus_client's multi-process format
    (entries of a length, a JSON key padded to 8 bytes, a value and a timestamp as doubles), mapped
    into memory. `values` views the map as doubles: an entry's value is `values[slot]`, its
    timestamp `values[slot + 1]`. Single writer: this process, from one thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("a+b") as file:  # the map keeps a descriptor of its own
            size = os.fstat(file.fileno()).st_size
            if size == 0:
                size = 1 << 16
                file.truncate(size)
            self.map = mmap.mmap(file.fileno(), size)
        self.used = _USED.unpack_from(self.map, 0)[0] or _HEADER
        self.slots: dict[str, int] = dict(self._entries())  # a reused pid's file: continue it
        self.values = memoryview(self.map).cast("d")
        self.owners: list[weakref.ref[object]] = []

    def _entries(self) -> Iterable[tuple[str, int]]:
        pos = _HEADER
        while pos < self.used:
            length = _USED.unpack_from(self.map, pos)[0]
            key = self.map[pos + 4 : pos + 4 + length].decode("utf-8")
            pos += 4 + length + (8 - (length + 4) % 8)
            yield key, pos // 8
            pos += 16

    def slot(self, metric: str, sample: str, labels: dict[str, str], doc: str) -> int:
        """The slot of one sample, added (at 0) if new. The key is prometheus_client's mmap_key."""
        key = json.dumps([metric, sample, labels, doc], sort_keys=True)
        slot = self.slots.get(key)
        if slot is not None:
            return slot
        encoded = key.encode("utf-8")
        entry = _USED.pack(len(encoded)) + encoded + b" " * (8 - (len(encoded) + 4) % 8)
        entry += _ENTRY_VALUES.pack(0.0, 0.0)
        if self.used + len(entry) > len(self.map):
            self._grow(self.used + len(entry))
        self.map[self.used : self.used + len(entry)] = entry
        self.used += len(entry)
        self.map[0:4] = _USED.pack(self.used)  # after the entry: a reader sees whole entries only
        slot = self.slots[key] = (self.used - 16) // 8
        return slot

    def _grow(self, needed: int) -> None:
        size = len(self.map)
        while size < needed:
            size *= 2
        self.values.release()
        self.map.resize(size)
        self.values = memoryview(self.map).cast("d")
        for ref in self.owners:  # the metrics keep the view itself, one lookup less per update
            owner = ref()
            if owner is not None:
                owner.values = self.values  # type: ignore[attr-defined]

    def own(self, owner: object) -> memoryview[float]:
        """The values view, which `owner.values` is kept equal to when the map grows."""
        self.owners.append(weakref.ref(owner))
        return self.values


class SharedCounter:
    """A counter by label values (a prometheus_client Counter's samples, without `_created`)."""

    def __init__(self, store: Store, name: str, doc: str, labels: Iterable[str] = ()) -> None:
        self.store, self.name, self.doc, self.label_names = store, name, doc, tuple(labels)
        self.slots: dict[tuple[str, ...], int] = {}
        self.values = store.own(self)
        if not self.label_names:  # as a Counter without labels: there, at 0, from the start
            self._add(())

    def _add(self, values: tuple[str, ...]) -> int:
        slot = self.slots[values] = self.store.slot(
            self.name,
            f"{self.name}_total",
            dict(zip(self.label_names, values, strict=True)),
            self.doc,
        )
        return slot

    def slot(self, values: tuple[str, ...]) -> int:
        """Where the count of these label values is kept (added at 0 the first time)."""
        slot = self.slots.get(values)
        return self._add(values) if slot is None else slot

    def inc(self, *values: str) -> None:
        self.values[self.slot(values)] += 1.0

    def labels(self, *values: str) -> _Child:
        """Whose `inc()` counts one for these label values (as prometheus_client's `labels`)."""
        return _Child(self, values)


class _Child:
    def __init__(self, tally: SharedCounter, values: tuple[str, ...]) -> None:
        self.tally, self.label_values = tally, values

    def inc(self) -> None:
        self.tally.inc(*self.label_values)


class SharedHistogram:
    """A histogram of seconds by label values (a prometheus_client Histogram's samples with these
    buckets, without `_created`: an observation counts in the first bucket whose bound it does not
    exceed)."""

    def __init__(
        self,
        store: Store,
        name: str,
        doc: str,
        buckets: tuple[float, ...],
        labels: Iterable[str] = (),
    ) -> None:
        self.store, self.name, self.doc, self.bounds = store, name, doc, buckets
        self.labels = tuple(labels)
        self.le = [floatToGoString(b) for b in buckets] + ["+Inf"]  # type: ignore[no-untyped-call]
        self.slots: dict[tuple[str, ...], list[int]] = {}  # each bucket's, then the sum's
        self.values = store.own(self)
        if not self.labels:
            self._add(())

    def _add(self, values: tuple[str, ...]) -> list[int]:
        labels = dict(zip(self.labels, values, strict=True))
        slots = [
            self.store.slot(self.name, f"{self.name}_bucket", {**labels, "le": le}, self.doc)
            for le in self.le
        ]
        slots.append(self.store.slot(self.name, f"{self.name}_sum", labels, self.doc))
        self.slots[values] = slots
        return slots

    def slots_of(self, values: tuple[str, ...]) -> list[int]:
        """Where the buckets, then the sum, of these label values are kept (added the first time)."""
        slots = self.slots.get(values)
        return self._add(values) if slots is None else slots

    def observe(self, seconds: float, *values: str) -> None:
        slots = self.slots_of(values)
        v = self.values
        v[slots[bisect_left(self.bounds, seconds)]] += 1.0
        v[slots[-1]] += seconds


class Level:
    """A gauge without labels whose value is the one last set by any live worker."""

    def __init__(self, store: Store, name: str, doc: str) -> None:
        self.slot = store.slot(name, name, {}, doc)
        self.values = store.own(self)

    def set(self, value: float) -> None:
        self.values[self.slot] = float(value)
        self.values[self.slot + 1] = time.time()


class ThisProcess:
    """Gauges read from the answering worker when the metrics are rendered."""

    def __init__(self) -> None:
        self.open_failures: Callable[[], float] = lambda: 0.0

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(
            "kb_gc_frozen_objects",
            "Objects kept out of garbage collections (what the worker answering the scrape held "
            "when it first served its index version).",
            value=gc.get_freeze_count(),
        )
        yield GaugeMetricFamily(
            "kb_index_open_failures",
            "Attempts of the worker answering the scrape to open a published index version that "
            "failed (a version that fails is tried again after 1, 2, 4 … 60 s, at once when "
            "another is published).",
            value=self.open_failures(),
        )


class Metrics:
    """This process's metrics, written where the other workers of the server (if any) write theirs:
    `metrics_dir(run_dir)`; without a run folder, a private temporary one (a server of one process)."""

    def __init__(self, run_dir: Path | None = None) -> None:
        if run_dir is None:
            folder = Path(tempfile.mkdtemp(prefix="kb-metrics-"))
            weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
        else:
            folder = metrics_dir(run_dir)
            folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        pid = os.getpid()
        counters = Store(folder / f"counter_{pid}.db")
        histograms = Store(folder / f"histogram_{pid}.db")
        gauges = Store(folder / f"gauge_livemostrecent_{pid}.db")
        self.registry = CollectorRegistry()
        MultiProcessCollector(self.registry, path=str(folder))  # type: ignore[no-untyped-call]
        self._this_process = ThisProcess()
        self.registry.register(self._this_process)

        # What every request or search updates.
        self.requests = SharedCounter(
            counters, "kb_http_requests", "HTTP requests.", ["endpoint", "method", "status"]
        )
        self.latency = SharedHistogram(
            histograms,
            "kb_http_request_duration_seconds",
            "HTTP request latency.",
            LATENCY_BUCKETS,
            ["endpoint"],
        )
        # Both families' slots by (endpoint, method, status): one lookup a request, not one each.
        self._request_slots: dict[tuple[str, str, int], tuple[int, list[int]]] = {}
        self.searches = SharedCounter(counters, "kb_searches", "Searches answered.", ["endpoint"])
        self.fallbacks = SharedCounter(
            counters, "kb_search_fallbacks", "Searches that fell back to a channel.", ["channel"]
        )
        self.zero_results = SharedCounter(
            counters, "kb_search_zero_results", "Searches with no answer."
        )
        self.cache_hits = SharedCounter(
            counters, "kb_search_cache_hits", "Searches served from the cache."
        )

        self.index_documents = Level(
            gauges, "kb_index_documents", "Section chunks in the live index."
        )
        self.index_articles = Level(gauges, "kb_index_articles", "Articles in the live index.")
        self.index_built = Level(
            gauges, "kb_index_built_timestamp_seconds", "When the live index was built (Unix time)."
        )
        self.reindex = SharedCounter(
            counters, "kb_reindex", "Index builds run by the server.", ["result"]
        )
        self.reindex_seconds = SharedHistogram(
            histograms, "kb_reindex_duration_seconds", "Index build duration.", REINDEX_BUCKETS
        )
        self.index_loads = SharedCounter(
            counters, "kb_index_loads", "Index versions loaded, by all workers."
        )

    def follow_index(self, open_failures: Callable[[], float]) -> None:
        """Read the index holder's failed opens whenever the metrics are rendered."""
        self._this_process.open_failures = open_failures

    def request(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """One HTTP request answered."""
        slots = self._request_slots.get((endpoint, method, status))
        if slots is None:
            slots = self._add_request(endpoint, method, status)
        count, buckets = slots
        self.requests.values[count] += 1.0
        latency = self.latency.values
        latency[buckets[bisect_left(self.latency.bounds, seconds)]] += 1.0
        latency[buckets[-1]] += seconds

    def _add_request(self, endpoint: str, method: str, status: int) -> tuple[int, list[int]]:
        """The request counter's slot and the latency histogram's slots (each bucket's, then the
        sum's) of one combination, added as `requests.inc` and `latency.observe` would add them."""
        slots = (
            self.requests.slot((endpoint, method, str(status))),
            self.latency.slots_of((endpoint,)),
        )
        self._request_slots[endpoint, method, status] = slots
        return slots

    def searched(
        self, endpoint: str, *, cache_hit: bool, fallback_channel: str | None, zero_results: bool
    ) -> None:
        """One search answered: from the cache or not, falling back to a channel or not."""
        self.searches.inc(endpoint)
        if cache_hit:
            self.cache_hits.inc()
        if fallback_channel is not None:
            self.fallbacks.inc(fallback_channel)
        if zero_results:
            self.zero_results.inc()

    def render(self) -> bytes:
        """The server's metrics: every worker's files summed, and this worker's own gauges."""
        return generate_latest(self.registry)
