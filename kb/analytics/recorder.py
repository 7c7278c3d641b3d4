"""The writer: takes searches, feedback and events off the request path and into the store.

A search only appends its response to a bounded inbox (a deque: no lock, no I/O, no masking, never
raises; the thread is woken only when the inbox was empty). One daemon thread masks, batches and
writes. It lets records gather for up to LINGER_S before a write (a flush
or shutdown cuts that short): a busy server then writes a few large transactions a second instead of
one per search, and a transaction costs as much CPU as hundreds of rows, CPU the requests wait for
(one GIL). When the database is away, the batch waits in a bounded buffer and is retried with
growing pauses; one warning is logged when it goes away (and every minute while it stays away), one
line when it is back. What overflows the buffer is dropped and counted. Retention runs when the
store first answers and then hourly, on the same thread.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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

__all__ = ["Analytics"]

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


_Item = tuple[str, dict[str, Any], float] | _Flush | None  # float: time.time() when queued


class Analytics:
    """Records searches, feedback and events for one worker process; `report` reads them back."""

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
        self.dropped = 0  # records lost: the buffer was full
        self.skipped = 0  # records the database refused
        self.written = 0
        self._inbox: deque[_Item] = deque()  # appended by requests, drained by the writer thread
        self._wake = threading.Event()  # set when something was put into an empty inbox
        self._pending: deque[Record] = deque()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._hurry = threading.Event()  # set by flush and close: write now, do not linger
        self._down_since: float | None = None
        self._last_warning = 0.0
        self._retry_at = 0.0
        self._retry_s = 0.5
        self._purge_at = 0.0

    # The request side: cheap, never raises.

    def on_search(self, record: dict[str, Any]) -> None:
        """The search listener: queue the response of one search."""
        self._put("search", record)

    def feedback(self, search_id: str, helpful: bool, article: str | None, comment: str | None) -> bool:
        """Queue one vote; False when it could not be queued (the writer is closed or full)."""
        return self._put(
            "feedback", {"search_id": search_id, "helpful": helpful, "article": article, "comment": comment}
        )

    def event(self, search_id: str, type: str, article: str | None, channel: str | None) -> bool:
        """Queue one click; False when it could not be queued."""
        return self._put("event", {"search_id": search_id, "type": type, "article": article, "channel": channel})

    def _put(self, kind: str, data: dict[str, Any]) -> bool:
        if self._closed:
            return False
        if self._thread is None:
            self.start()
        if len(self._inbox) >= self.capacity:
            self._drop(1)
            return False
        self._inbox.append((kind, data, time.time()))
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
                self._thread = threading.Thread(target=self._run, name="kb-analytics-writer", daemon=True)
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
            log.warning("analytics: %d records not written at shutdown", left, extra={"records": left})
        self.store.close()

    # The writer thread.

    def _run(self) -> None:
        self._maintain(force=True)
        while True:
            deadline = min(self._retry_at, self._purge_at) if self._pending else self._purge_at
            if not self._inbox:
                self._wake.wait(max(0.05, deadline - time.monotonic()))
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

    def _buffer(self, entry: tuple[str, dict[str, Any], float]) -> None:
        try:
            record = _record(*entry)
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("analytics: a search record of an unexpected shape was skipped", exc_info=True)
            return
        self._pending.append(record)
        overflow = len(self._pending) - self.capacity
        if overflow > 0:
            for _ in range(overflow):
                self._pending.popleft()
            self._drop(overflow)

    def _write(self, force: bool) -> bool:
        """Write the buffer unless waiting to retry; True when nothing is left to write."""
        if not self._pending:
            return True
        if not force and time.monotonic() < self._retry_at:
            return False
        try:
            try:
                self.store.write(list(self._pending))
                self.written += len(self._pending)
                self._pending.clear()
            except StoreUnavailableError:
                raise
            except Exception:  # noqa: BLE001 - refused rows, or a value the driver cannot take
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
            except Exception as exc:  # noqa: BLE001 - as above; the row is logged and skipped
                self.skipped += 1
                log.warning("analytics: a record was refused and skipped: %s", exc)
            self._pending.popleft()

    def _maintain(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now < self._purge_at:
            return
        try:
            deleted = self.store.purge_retention(self.retention_days)
        except StoreError as exc:
            self._unavailable(exc)
            self._purge_at = now + min(self.retry_max_s, 60.0)
            return
        except Exception as exc:  # noqa: BLE001 - as in _write
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
        if now - self._last_warning >= WARN_EVERY_S or self._last_warning == 0.0:
            self._last_warning = now
            log.warning(
                "analytics store unavailable; searches go on, %d records buffered: %s",
                len(self._pending), exc, extra={"buffered": len(self._pending), "dropped": self.dropped},
            )  # fmt: skip

    def _available(self) -> None:
        if self._down_since is not None:
            log.info(
                "analytics store available again after %.1fs", time.monotonic() - self._down_since,
                extra={"dropped": self.dropped},
            )  # fmt: skip
        self._down_since = None
        self._last_warning = 0.0
        self._retry_at = 0.0

    def _drop(self, n: int) -> None:
        self.dropped += n


_NOTHING: Any = object()


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


def _record(kind: str, data: dict[str, Any], queued: float) -> Record:
    at = datetime.fromtimestamp(queued, UTC).replace(tzinfo=None)  # naive UTC, as the store keeps
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
            search_id=data["search_id"], helpful=bool(data["helpful"]), at=at,
            article=data.get("article"), comment=text or None,
        )  # fmt: skip
    return EventRecord(
        search_id=data["search_id"], type=data["type"], at=at,
        article=data.get("article"), channel=data.get("channel"),
    )  # fmt: skip
