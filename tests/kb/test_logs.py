"""kb's log handler: request lines written in batches, never lost, never reordered."""

from __future__ import annotations

import io
import json
import logging

from kb.logs import BufferedStreamHandler, JsonFormatter


def logger_on(stream: io.StringIO) -> tuple[BufferedStreamHandler, logging.Logger, logging.Logger]:
    """A handler batching the lines of a `requests` logger, and that logger and another one."""
    requests = logging.getLogger(f"kb.test.{id(stream)}.requests")
    other = logging.getLogger(f"kb.test.{id(stream)}.other")
    handler = BufferedStreamHandler(stream, batched=(requests.name,))
    handler.setFormatter(JsonFormatter())
    for logger in (requests, other):
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return handler, requests, other


def test_other_lines_are_written_at_once_after_the_waiting_request_lines() -> None:
    """A line of another logger, or a request line at WARNING, is written at once, after every
    request line logged before it."""
    stream = io.StringIO()
    _, requests, other = logger_on(stream)
    for n in range(50):
        requests.info("request", extra={"n": n})
    other.info("index version loaded")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line.get("n") for line in lines[:-1]] == list(range(50))
    assert lines[-1]["event"] == "index version loaded"
    requests.info("request", extra={"n": 50})
    requests.warning("slow request", extra={"n": 51})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line.get("n") for line in lines[-2:]] == [50, 51]


def test_flush_writes_what_waits() -> None:
    """flush() (the periodic flusher's, the app's at shutdown, logging's at exit) writes every
    waiting line, once."""
    stream = io.StringIO()
    handler, requests, _ = logger_on(stream)
    requests.info("request", extra={"request_id": "abc", "status": 200})
    handler.flush()
    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["request_id"] == "abc"
    handler.flush()
    assert stream.getvalue().count("\n") == 1
