"""`Analytics`: takes searches, feedback and events off the request path, to a writer process.

A request only appends what the store needs of its record (a search: a flat tuple, no snippets) to a
bounded inbox (a deque: no lock, no I/O, never raises). A sender thread wakes a few times a second
and sends the batch as one JSON line down a pipe to the writer process
(`kb.analytics.writer`), which masks, batches, writes, retries and purges. A reader thread takes
that process's answers: flush results, and its log records, logged here as this process's own.

Why a process and not a thread: a writer thread's Python work (masking, rows, the database driver)
holds the GIL, and every time a request lets the GIL go (a socket write, a numpy sort) the writer
takes it and the request waits up to the interpreter's switch interval to get it back: a large share
of a worker's throughput and most of its latency tail (docs/decisions/analytics-writer-process.md).
The threads left here do almost nothing in Python, and wait in the kernel.

If the writer process dies, the next batch starts a new one (what the dead one held is lost and a
warning says so). Shutdown (`close`) sends what is queued, ends the pipe and waits for the process
to write it; a worker killed outright ends the pipe too, and the writer still writes what it
received.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from kb.analytics.store import Store
from kb.analytics.writer import BATCH, LINGER_S, slim_search

__all__ = ["Analytics"]

log = logging.getLogger("kb.analytics")

RESPAWN_S = 10.0  # at most one new writer process this often (one that cannot start must not spin)
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding `kb`, for the child


@dataclass
class _Flush:
    """A marker in the inbox: `done` is set when the writer has tried everything queued before it."""

    number: int
    timeout: float
    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False
    sent_to: subprocess.Popen[bytes] | None = None  # the writer process asked to answer it


_STOP: Any = object()


class Analytics:
    """Records searches, feedback and events for one worker process; `store` reads them back."""

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
        self.dropped = (
            0  # records lost here (inbox full, writer gone); the writer's are added on flush
        )
        self.skipped = 0  # records the database refused (as of the last flush)
        self.written = 0  # as of the last flush
        self._inbox: deque[Any] = deque()
        self._wake = threading.Event()  # set when something is put into an empty inbox
        self._hurry = threading.Event()  # set by flush and close: send now, do not linger
        self._lock = threading.Lock()
        self._closed = False
        self._sender: threading.Thread | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._numbers = itertools.count(1)
        self._waiting: dict[int, _Flush] = {}  # flushes sent, not yet answered
        self._respawn_at: float | None = None  # monotonic; None: a new writer may start now

    # The request side: cheap, never raises.

    def on_search(self, record: dict[str, Any]) -> None:
        """The search listener: queue the response of one search."""
        self._put("search", slim_search(record))

    def feedback(
        self, search_id: str, helpful: bool, article: str | None, comment: str | None
    ) -> bool:
        """Queue one vote; False when it could not be queued (closed, or the queue is full)."""
        return self._put(
            "feedback",
            {"search_id": search_id, "helpful": helpful, "article": article, "comment": comment},
        )

    def event(self, search_id: str, type: str, article: str | None, channel: str | None) -> bool:
        """Queue one click; False when it could not be queued."""
        return self._put(
            "event", {"search_id": search_id, "type": type, "article": article, "channel": channel}
        )

    def _put(self, kind: str, data: tuple[Any, ...] | dict[str, Any]) -> bool:
        if self._closed:
            return False
        if self._sender is None:
            self.start()
        if len(self._inbox) >= self.capacity:
            self.dropped += 1
            return False
        self._inbox.append((kind, data, time.time()))
        if not self._wake.is_set():
            self._wake.set()
        return True

    # Lifecycle.

    def start(self) -> None:
        """Start the writer process and the threads that talk to it (idempotent)."""
        if self._sender is not None:
            return
        with self._lock:
            if self._sender is None and not self._closed:
                self._spawn()
                self._sender = threading.Thread(
                    target=self._send_forever, name="kb-analytics-sender", daemon=True
                )
                self._sender.start()

    def flush(self, timeout: float = 5.0) -> bool:
        """Have everything queued so far written (buffered rows retried now); True when all is written."""
        if self._closed or self._sender is None:
            return not self._inbox
        marker = _Flush(next(self._numbers), timeout)
        self._inbox.append(marker)
        self._wake.set()
        self._hurry.set()
        return marker.done.wait(timeout + 1.0) and marker.ok

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued, let the writer write it and stop; release the database connections."""
        if self._closed:
            return
        self._closed = True
        sender = self._sender
        if sender is not None:
            self._inbox.append(_STOP)
            self._wake.set()
            self._hurry.set()
            sender.join(timeout)
        process, reader = self._process, self._reader
        if process is not None:
            try:
                process.wait(timeout + 5.0)  # the writer's own close waits up to `timeout`
            except subprocess.TimeoutExpired:
                log.warning("analytics: the writer process did not finish in time; stopped")
                process.kill()
                process.wait()
        if reader is not None:
            reader.join(timeout)
        self.store.close()

    # The writer process.

    def _spawn(self) -> None:
        """Start a writer process (its settings on stdin, never in its arguments: the URL may hold a
        password); one that cannot be started is logged, and tried again by the next batch."""
        path = [PACKAGE_ROOT, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
        config = {
            "url": self.store.url.render_as_string(hide_password=False),
            "retention_days": self.retention_days,
            "capacity": self.capacity,
            "retry_max_s": self.retry_max_s,
        }
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "kb.analytics.writer"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                close_fds=True,
            )
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(orjson.dumps(config) + b"\n")
            process.stdin.flush()
        except OSError as exc:
            log.warning("analytics: the writer process cannot be started: %s", exc)
            return
        self._process = process
        self._reader = threading.Thread(
            target=self._read_forever,
            args=(process,),
            name="kb-analytics-reader",
            daemon=True,
        )
        self._reader.start()

    def _send_forever(self) -> None:
        while True:
            if not self._inbox:
                self._wake.wait(1.0)
            self._wake.clear()  # before draining: a put after this sets it again
            if self._inbox and isinstance(self._inbox[0], tuple) and len(self._inbox) < BATCH:
                self._hurry.wait(LINGER_S)  # let a batch gather: one line, one write
            self._hurry.clear()
            records: list[Any] = []
            while self._inbox:
                item = self._inbox.popleft()
                if isinstance(item, tuple):
                    records.append(item)
                    continue
                self._send(records)
                records = []
                if item is _STOP:
                    self._end()
                    return
                self._waiting[item.number] = item
                if self._send_line({"flush": item.number, "timeout": item.timeout}):
                    item.sent_to = self._process
                else:
                    self._answer(item.number, False)
            self._send(records)

    def _send(self, records: list[Any]) -> None:
        for start in range(0, len(records), BATCH):
            chunk = records[start : start + BATCH]
            if not self._send_line({"records": chunk}):
                self.dropped += len(chunk)

    def _send_line(self, message: dict[str, Any]) -> bool:
        """One message to the writer process, started anew if it is gone; False when it cannot be."""
        process = self._process
        if process is None or process.poll() is not None:
            waiting = self._respawn_at is not None and time.monotonic() < self._respawn_at
            if self._closed or waiting:
                return False
            self._respawn_at = time.monotonic() + RESPAWN_S
            if process is not None:
                log.warning("analytics: the writer process ended; starting a new one")
            self._end()
            self._spawn()
            process = self._process
            if process is None or process.poll() is not None:
                return False
        assert process.stdin is not None
        try:
            line = orjson.dumps(message, default=str) + b"\n"
            process.stdin.write(line)
            process.stdin.flush()
        except (OSError, ValueError, TypeError):
            return False
        return True

    def _end(self) -> None:
        process = self._process
        if process is not None and process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()

    def _read_forever(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        with process.stdout:
            self._read(process.stdout)
        # The process is gone: what was asked of it will not be answered. A flush sent since to
        # the writer that replaced it is that one's to answer.
        for number, marker in list(self._waiting.items()):
            if marker.sent_to is process:
                self._answer(number, False)

    def _read(self, stdout: IO[bytes]) -> None:
        for line in stdout:
            try:
                message = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if "log" in message:
                log.log(int(message["log"]), "%s", message["msg"], extra=message.get("extra") or {})
            elif "flushed" in message:
                self.written = int(message.get("written", 0))
                self.skipped = int(message.get("skipped", 0))
                self._answer(int(message["flushed"]), bool(message["ok"]))

    def _answer(self, number: int, ok: bool) -> None:
        marker = self._waiting.pop(number, None)
        if marker is not None:
            marker.ok = ok
            marker.done.set()
