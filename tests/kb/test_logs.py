"""kb's log handler: request lines written in batches, never lost, never reordered."""

from __future__ import annotations

import io
import json
import logging

from kb.logs import BufferedStreamHandler, JsonFormatter, LineLogger, TextFormatter


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


def test_a_line_logger_writes_what_logging_writes() -> None:
    """LineLogger's line (made directly, in kb's JSON set-up) is the line `logging` makes of the same
    event and fields, in the same batch and order; in any other set-up it goes through `logging`."""
    stream = io.StringIO()
    handler, requests, other = logger_on(stream)
    # as kb.access under kb: the handler is the parent's, reached by propagation
    requests.handlers.clear()
    requests.propagate = True
    parent = logging.getLogger(requests.name.rsplit(".", 1)[0])
    parent.handlers[:] = [handler]
    parent.propagate = False
    queued = handler.queue
    made: list[str] = []
    handler.queue = lambda line: (made.append(line), queued(line))  # type: ignore[method-assign]
    fields = {"request_id": "r-1", "method": "GET", "path": "/search", "status": 200, "ms": 0.25}
    lines = LineLogger(requests, "request")
    lines(fields)
    requests.info("request", extra=fields)
    lines({**fields, "request_id": "r-2"})
    assert stream.getvalue() == ""  # batched, like the logger's own request lines
    assert len(made) == 2  # the LineLogger's lines did not go through logging
    other.info("index version loaded")
    direct, logged, second, last = [json.loads(line) for line in stream.getvalue().splitlines()]
    for line in (direct, logged):
        assert line.pop("time")[-1] == "Z"
    assert (
        direct == logged == {"level": "info", "logger": requests.name, "event": "request", **fields}
    )
    assert second["request_id"] == "r-2" and last["event"] == "index version loaded"

    # Another set-up: text lines, or a filter on the logger, are left to logging.
    handler.setFormatter(TextFormatter())
    lines(fields)
    handler.setFormatter(JsonFormatter())
    requests.addFilter(lambda record: record.__dict__.get("status") != 404)
    lines({**fields, "status": 404})
    requests.filters.clear()
    handler.flush()
    text = stream.getvalue().splitlines()[4:]
    assert len(text) == 1 and "request_id=r-1" in text[0] and "status=200" in text[0]
    assert len(made) == 2
