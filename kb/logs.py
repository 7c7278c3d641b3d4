"""Logging: one JSON object per line in production, readable lines in development.

The per-request lines (logger kb.access, below WARNING) reach stderr in batches, at most FLUSH_S late
(BufferedStreamHandler); any other line is written at once, with the request lines before it. A write
per request would cost a cached search more than the search: each write releases the GIL, and any
other thread of the worker may take it and make the request wait to get it back. `flush()` writes
what waits: the app calls it at shutdown, after the last request (uvicorn may end the process by
re-raising SIGTERM, so no exit handler would run).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import weakref
from typing import Any, TextIO

import orjson

ACCESS_LOGGER = "kb.access"  # kb.web.middleware's one line per request
FLUSH_S = 0.5
MAX_BUFFERED = 64 * 1024  # characters waiting before a write regardless of the clock

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    _second = -1
    _stamp = ""

    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return self.line(
            record.created, record.levelname.lower(), record.name, record.getMessage(), fields
        )

    def line(
        self, created: float, level: str, name: str, event: str, fields: dict[str, Any]
    ) -> str:
        """The JSON line of one record: time, level, logger and event, then its own fields."""
        second = int(created)
        if second != self._second:  # one strftime a second, not one a line
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        millis = int((created - second) * 1000)  # as LogRecord.msecs
        data = {
            "time": f"{self._stamp}.{millis:03d}Z",
            "level": level,
            "logger": name,
            "event": event,
        }
        data.update(fields)
        return orjson.dumps(data, default=str).decode()


def _plain(value: object) -> str:
    """A value as one token: quoted and escaped when it has spaces or control characters (a path
    with %0A or a request id with spaces must not read as another field or another log line)."""
    text = str(value)
    return text if text.isprintable() and " " not in text else repr(text)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(
            f"{k}={_plain(v)}" for k, v in record.__dict__.items() if k not in _STANDARD
        )
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        base = f"{stamp} {record.levelname:<7} {record.getMessage()}"
        line = f"{base}  {extra}" if extra else base
        return f"{line}\n{self.formatException(record.exc_info)}" if record.exc_info else line


class BufferedStreamHandler(logging.StreamHandler[TextIO]):
    """A stream handler that lets the records of the `batched` loggers below WARNING wait and writes
    them together: when MAX_BUFFERED characters wait, when any other record comes (after them), and
    on `flush()` (every FLUSH_S from a background thread, at app shutdown, by logging at exit)."""

    def __init__(self, stream: TextIO, batched: tuple[str, ...] = ()) -> None:
        super().__init__(stream)
        self.batched = frozenset(batched)
        self._lines: list[str] = []
        self._size = 0
        _buffered.add(self)
        _start_flusher()

    def emit(self, record: logging.LogRecord) -> None:  # called with the handler's lock held
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        self._lines.append(line)
        self._size += len(line)
        if (
            record.levelno >= logging.WARNING
            or record.name not in self.batched
            or self._size >= MAX_BUFFERED
        ):
            self._write(record)

    def queue(self, line: str) -> None:
        """A formatted line of a batched logger below WARNING, as `emit` takes it."""
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._lines.append(line + self.terminator)
            self._size += len(line) + len(self.terminator)
            if self._size >= MAX_BUFFERED:
                self._write(None)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._write(None)

    def _write(self, record: logging.LogRecord | None) -> None:
        if not self._lines:
            return
        data = "".join(self._lines)
        self._lines.clear()
        self._size = 0
        try:
            self.stream.write(data)
            self.stream.flush()
        except Exception:
            if record is not None:
                self.handleError(record)


class LineLogger:
    """Logs INFO lines of one event (kb.web.middleware's line per request) to `logger`.

    When the one handler the logger's records reach is a BufferedStreamHandler writing JSON lines
    and batching them (kb's production set-up, from `configure`), the line is made here, as
    JsonFormatter makes it, and queued in that handler directly: a LogRecord and the handler chain
    are a noticeable share of a cached search's time (docs/decisions/log-fast-path.md). Any other
    set-up (text lines, other handlers or filters, another level) goes through `logging` as usual.
    """

    def __init__(self, logger: logging.Logger, event: str) -> None:
        self.logger = logger
        self.event = event

    def __call__(self, fields: dict[str, Any]) -> None:
        logger = self.logger
        handler = self._direct_handler()
        if handler is not None:
            formatter: JsonFormatter = handler.formatter  # type: ignore[assignment]
            handler.queue(formatter.line(time.time(), "info", logger.name, self.event, fields))
        else:
            logger.info(self.event, extra=fields)

    def _direct_handler(self) -> BufferedStreamHandler | None:
        """The one handler an INFO record of the logger would reach, when the line can be queued
        in it directly: a BufferedStreamHandler formatting JSON, batching this logger's lines,
        with no filter on the way."""
        logger = self.logger
        if logger.filters or logger.disabled or not logger.isEnabledFor(logging.INFO):
            return None
        handlers: list[logging.Handler] = []
        current: logging.Logger | None = logger
        while current is not None:  # as Logger.callHandlers walks them
            handlers += current.handlers
            current = current.parent if current.propagate else None
        handler = handlers[0] if len(handlers) == 1 else None
        if (
            isinstance(handler, BufferedStreamHandler)
            and type(handler.formatter) is JsonFormatter
            and logger.name in handler.batched
            and handler.level <= logging.INFO
            and not handler.filters
        ):
            return handler
        return None


_buffered: weakref.WeakSet[BufferedStreamHandler] = weakref.WeakSet()
_flusher: threading.Thread | None = None
_flusher_lock = threading.Lock()


def flush() -> None:
    """Write every line still waiting in kb's handlers."""
    for handler in list(_buffered):
        handler.flush()


def _flush_forever() -> None:
    while True:
        time.sleep(FLUSH_S)
        flush()


def _start_flusher() -> None:
    global _flusher
    with _flusher_lock:
        if _flusher is None or not _flusher.is_alive():
            _flusher = threading.Thread(target=_flush_forever, name="kb-log-flush", daemon=True)
            _flusher.start()


def _forget_flusher() -> None:
    global _flusher
    _flusher = None  # threads do not survive a fork; the child starts its own on its next handler


os.register_at_fork(after_in_child=_forget_flusher)


def configure(level: str = "info", fmt: str = "auto", env: str = "production") -> None:
    """Route kb's and uvicorn's logs to stderr in the chosen format."""
    use_json = fmt == "json" or (fmt == "auto" and env != "development")
    # Neither formatter prints a record's thread, process or source line: not collecting them for
    # every record (the logging HOWTO's "Optimization" switches) makes a request's line cheaper.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None
    handler = BufferedStreamHandler(sys.stderr, batched=(ACCESS_LOGGER,))
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    for name in ("kb", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        for replaced in logger.handlers:
            replaced.flush()  # what a replaced handler still holds comes out before the new lines
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
    # kb logs each request itself (with its request id); uvicorn's access log would say it twice.
    logging.getLogger("uvicorn.access").disabled = True
