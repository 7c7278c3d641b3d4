"""The analytics writer process: masks, batches and writes what a worker's `Analytics` sends it.

`python -m kb.analytics.writer` is started by `kb.analytics.recorder.Analytics`, one per worker
process: it reads newline-delimited JSON from stdin (its settings first, then batches of records and
flush requests), answers on stdout (flush results and its log records, which the worker logs as its
own), and at the end of stdin writes what it holds and exits. It ignores SIGINT and SIGTERM: a
signal to the server's process group must not cut its last write short; stdin's end stops it.

`Writer` does the work, in a thread of that process. Records are appended to a bounded inbox (a
deque: no lock; the thread is woken only by a record put into an empty inbox). The thread masks,
batches and writes. It lets records gather for up to LINGER_S before a write (a flush or shutdown
cuts that short): a busy server then writes a few large transactions a second instead of one per
search (a transaction costs far more CPU than a row). When the database is away, the batch waits in
a bounded buffer and is retried with growing pauses; one warning is logged when it goes away (and
every minute while it stays away), one line when it is back. What overflows the buffer is dropped
and counted. Retention runs when the store first answers and then hourly, on the same thread.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.engine import make_url

from kb import gc_policy
from kb.analytics.privacy import mask, normalize
from kb.analytics.store import (
    COMMENT_CHARS,
    QUERY_CHARS,
    EventRecord,
    FeedbackRecord,
    Record,
    SearchRecord,
    Store,
    StoreError,
    StoreUnavailableError,
)

__all__ = ["Writer", "main", "slim_search"]

log = logging.getLogger("kb.analytics")

BATCH = 500
LINGER_S = 0.25
PURGE_EVERY_S = 3600.0
WARN_EVERY_S = 60.0
_CONTROL = {c: " " for c in range(32) if c not in (9, 10, 13)} | {0x7F: " "}


@dataclass
class _Flush:
    """A marker on the queue: set when everything queued before it has been tried."""

    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False


_Item = tuple[str, Any, float] | _Flush | None  # (kind, record, time.time() when queued)


class Writer:
    """Writes searches, feedback and events to the store from a thread of its own."""

    def __init__(
        self,
        store: Store,
        retention_days: int,
        *,
        capacity: int = 10_000,
        retry_max_s: float = 30.0,
    ) -> None:
        self.store = store
        self.retention_days = retention_days
        self.capacity = capacity
        self.retry_max_s = retry_max_s
        self.dropped = 0  # records lost to a full buffer
        self.skipped = 0  # records the database refused
        self.written = 0
        self._inbox: deque[_Item] = deque()  # appended by requests, drained by the writer thread
        self._wake = threading.Event()  # set when something is put into an empty inbox
        self._pending: deque[Record] = deque()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._hurry = threading.Event()  # set by flush and close: write now, do not linger
        self._down_since: float | None = None
        # Moments on the monotonic clock, which counts from boot: None means "not set", never 0.0
        # (a machine up for a few seconds reads less than any back-off or purge interval).
        self._last_warning: float | None = None
        self._retry_at: float | None = None
        self._retry_s = 0.5
        self._purge_at: float | None = None

    def put(self, kind: str, data: Any, queued: float) -> bool:
        """Queue one record (`kind` search, feedback or event; `queued`: its time.time()); False when
        it could not be queued (the writer is closed or full). Cheap, never raises."""
        if self._closed:
            return False
        if self._thread is None:
            self.start()
        if len(self._inbox) >= self.capacity:
            self._drop(1)
            return False
        self._inbox.append((kind, data, queued))
        if not self._wake.is_set():
            self._wake.set()
        return True

    # Lifecycle.

    def start(self) -> None:
        """Start the writer thread (idempotent)."""
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._run, name="kb-analytics-writer", daemon=True
                )
                self._thread.start()

    def flush(self, timeout: float = 5.0) -> bool:
        """Write everything queued so far (retrying buffered rows now); True when all is written."""
        if self._closed or self._thread is None:
            return not self._pending and not self._inbox
        marker = _Flush()
        self._inbox.append(marker)
        self._wake.set()
        self._hurry.set()
        return marker.done.wait(timeout) and marker.ok

    def close(self, timeout: float = 5.0) -> None:
        """Flush, stop the writer and release the database connections."""
        if self._closed:
            return
        self.flush(timeout)
        self._closed = True
        thread = self._thread
        if thread is not None:
            self._inbox.append(None)
            self._wake.set()
            self._hurry.set()
            thread.join(timeout)
        left = len(self._pending) + sum(isinstance(e, tuple) for e in list(self._inbox))
        if left:
            log.warning(
                "analytics: %d records not written at shutdown", left, extra={"records": left}
            )
        self.store.close()

    # The writer thread.

    def _run(self) -> None:
        self._maintain(force=True)
        while True:
            if not self._inbox:
                self._wake.wait(max(0.05, self._next_due() - time.monotonic()))
            self._wake.clear()  # before draining: a put after this sets it again
            first = self._inbox[0] if self._inbox else _NOTHING
            if isinstance(first, tuple) and len(self._inbox) < BATCH:
                self._hurry.wait(LINGER_S)  # let a batch gather: see the module docstring
            self._hurry.clear()
            batch: list[_Item] = []
            while self._inbox and len(batch) < BATCH:
                batch.append(self._inbox.popleft())
            if not batch and self._closed:
                self._write(force=True)
                return
            markers: list[_Flush] = []
            stop = False
            for entry in batch:
                if entry is None:
                    stop = True
                elif isinstance(entry, _Flush):
                    markers.append(entry)
                else:
                    self._buffer(entry)
            ok = self._write(force=bool(markers) or stop)
            self._maintain(force=False)
            for marker in markers:
                marker.ok = ok
                marker.done.set()
            if stop:
                return

    def _buffer(self, entry: tuple[str, Any, float]) -> None:
        try:
            record = _record(*entry)
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning(
                "analytics: a search record of an unexpected shape was skipped", exc_info=True
            )
            return
        self._pending.append(record)
        overflow = len(self._pending) - self.capacity
        if overflow > 0:
            for _ in range(overflow):
                self._pending.popleft()
            self._drop(overflow)

    def _next_due(self) -> float:
        """When the thread must wake without a record: the next purge, or a write of the buffer."""
        now = time.monotonic()
        due = now if self._purge_at is None else self._purge_at
        if self._pending:
            due = min(due, now if self._retry_at is None else self._retry_at)
        return due

    def _write(self, force: bool) -> bool:
        """Write the buffer unless waiting to retry; True when nothing is left to write."""
        if not self._pending:
            return True
        if not force and self._retry_at is not None and time.monotonic() < self._retry_at:
            return False
        try:
            try:
                self.store.write(list(self._pending))
                self.written += len(self._pending)
                self._pending.clear()
            except StoreUnavailableError:
                raise
            except Exception:
                self._write_one_by_one()
        except StoreUnavailableError as exc:
            self._unavailable(exc)
            return False
        self._available()
        return True

    def _write_one_by_one(self) -> None:
        """One bad row must not hold back the others: write them singly, skip what is refused."""
        while self._pending:
            try:
                self.store.write([self._pending[0]])
                self.written += 1
            except StoreUnavailableError:
                raise
            except Exception as exc:
                self.skipped += 1
                log.warning("analytics: a record was refused and skipped: %s", exc)
            self._pending.popleft()

    def _maintain(self, force: bool) -> None:
        now = time.monotonic()
        if not force and self._purge_at is not None and now < self._purge_at:
            return
        try:
            deleted = self.store.purge_retention(self.retention_days)
        except StoreError as exc:
            self._unavailable(exc)
            self._purge_at = now + min(self.retry_max_s, 60.0)
            return
        except Exception as exc:
            self._unavailable(exc)
            self._purge_at = now + min(self.retry_max_s, 60.0)
            return
        self._available()
        self._purge_at = now + PURGE_EVERY_S
        if any(deleted.values()):
            log.info("analytics: retention removed old rows", extra={"deleted": deleted})

    def _unavailable(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            self._retry_s = 0.5
        else:
            self._retry_s = min(self.retry_max_s, self._retry_s * 2)
        self._retry_at = now + self._retry_s
        if self._last_warning is None or now - self._last_warning >= WARN_EVERY_S:
            self._last_warning = now
            log.warning(
                "analytics store unavailable; searches go on, %d records buffered: %s",
                len(self._pending),
                exc,
                extra={"buffered": len(self._pending), "dropped": self.dropped},
            )

    def _available(self) -> None:
        if self._down_since is not None:
            log.info(
                "analytics store available again after %.1fs",
                time.monotonic() - self._down_since,
                extra={"dropped": self.dropped},
            )
        self._down_since = None
        self._last_warning = None
        self._retry_at = None

    def _drop(self, n: int) -> None:
        self.dropped += n


_NOTHING: Any = object()
_EPOCH = datetime(1970, 1, 1)


def clean(text: str, limit: int) -> str:
    """Masked, control characters blanked (PostgreSQL refuses NUL), lone surrogates replaced (no
    database takes them), cut to `limit` characters."""
    text = text.translate(_CONTROL).encode("utf-8", "replace").decode("utf-8")
    return mask(text)[:limit]


@functools.lru_cache(maxsize=4096)
def _query(text: str) -> tuple[str, str]:
    """A search's query masked and normalized; cached because customers ask the same few questions
    again and again (masking is most of a record's cost)."""
    query = clean(text, QUERY_CHARS)
    return query, normalize(query)


def slim_search(response: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
    """What the store keeps of a search response, as a flat tuple of plain values (no snippets; and
    nothing the worker's garbage collector has to keep looking at while it waits to be sent). The
    answers' article ids are taken from "articles" when the caller has them at hand. A response of
    an unexpected shape is passed on whole, for the writer to log and skip."""
    try:
        channel = response.get("channel")
        articles = response.get("articles")
        if articles is None:
            articles = tuple(a["article"] for a in response.get("answers") or ())
        return (
            response["search_id"],
            response["query"],
            response.get("endpoint"),
            response.get("internal", False),
            tuple(articles),
            response.get("confidence"),
            response.get("fallback", False),
            channel.get("id") if isinstance(channel, dict) else None,
            response.get("took_ms"),
            response.get("total"),
        )
    except (KeyError, TypeError, AttributeError):
        return response


def _record(kind: str, data: Any, queued: float) -> Record:
    # naive UTC, as the store keeps; cheaper than fromtimestamp
    at = _EPOCH + timedelta(seconds=queued)
    if kind == "search" and isinstance(data, list | tuple):  # slim_search's tuple
        sid, text, endpoint, internal, answers, confidence, fallback, channel, took_ms, total = data
        query, query_norm = _query(str(text))
        return SearchRecord(
            str(sid),
            at,
            query,
            query_norm,
            str(endpoint or "/search"),
            bool(internal),
            list(map(str, answers)),
            float(confidence or 0.0),
            bool(fallback),
            str(channel) if channel else None,
            float(took_ms or 0.0),
            int(total or 0),
        )
    if kind == "search":
        query, query_norm = _query(str(data["query"]))
        channel = data.get("channel") or {}
        return SearchRecord(
            id=str(data["search_id"]),
            at=at,
            query=query,
            query_norm=query_norm,
            endpoint=str(data.get("endpoint") or "/search"),
            internal=bool(data.get("internal", False)),
            answers=[str(a["article"]) for a in data.get("answers") or []],
            confidence=float(data.get("confidence") or 0.0),
            fallback=bool(data.get("fallback", False)),
            channel=str(channel["id"]) if isinstance(channel, dict) and channel.get("id") else None,
            latency_ms=float(data.get("took_ms") or 0.0),
            results=int(data.get("total") or 0),
        )
    if kind == "feedback":
        comment = data.get("comment")
        text = clean(comment, COMMENT_CHARS).strip() if comment else None
        return FeedbackRecord(
            search_id=data["search_id"],
            helpful=bool(data["helpful"]),
            at=at,
            article=data.get("article"),
            comment=text or None,
        )
    return EventRecord(
        search_id=data["search_id"],
        type=data["type"],
        at=at,
        article=data.get("article"),
        channel=data.get("channel"),
    )


# The process: stdin in, stdout out (see the module docstring).


class _Forward(logging.Handler):
    """Sends this process's analytics log records to the worker, one JSON line each."""

    def __init__(self, out: Any, lock: threading.Lock) -> None:
        super().__init__(logging.DEBUG)
        self.out = out
        self.out_lock = lock

    def emit(self, record: logging.LogRecord) -> None:
        extra = {k: v for k, v in record.__dict__.items() if k in _EXTRA}
        line = {"log": record.levelno, "msg": record.getMessage(), "extra": extra}
        try:
            data = orjson.dumps(line, default=str) + b"\n"
            with self.out_lock:
                self.out.write(data)
                self.out.flush()
        except Exception:
            pass


_EXTRA = ("buffered", "dropped", "records", "deleted")


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    out_lock = threading.Lock()
    logger = logging.getLogger("kb")
    logger.handlers[:] = [_Forward(stdout, out_lock)]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    config = orjson.loads(stdin.readline() or b"{}")
    writer = Writer(
        Store(make_url(config["url"])),
        int(config["retention_days"]),
        capacity=int(config["capacity"]),
        retry_max_s=float(config["retry_max_s"]),
    )
    gc_policy.settle()  # what start-up made, frozen; young objects collected less often
    writer.start()
    for line in stdin:
        message = orjson.loads(line)
        for kind, data, queued in message.get("records", ()):
            writer.put(kind, data, queued)
        if "flush" in message:
            ok = writer.flush(float(message.get("timeout", 5.0)))
            stats = {
                "written": writer.written,
                "dropped": writer.dropped,
                "skipped": writer.skipped,
            }
            with out_lock:
                stdout.write(orjson.dumps({"flushed": message["flush"], "ok": ok, **stats}) + b"\n")
                stdout.flush()
    writer.close(float(config.get("close_timeout", 5.0)))
    os._exit(0)  # nothing else to wait for; skip interpreter teardown


if __name__ == "__main__":
    main()
