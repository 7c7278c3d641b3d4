"""Logging: one JSON object per line in production, readable lines in development."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        data.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
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


def configure(level: str = "info", fmt: str = "auto", env: str = "production") -> None:
    """Route kb's and uvicorn's logs to stderr in the chosen format."""
    use_json = fmt == "json" or (fmt == "auto" and env != "development")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    for name in ("kb", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
    # kb logs each request itself (with its request id); uvicorn's access log would say it twice.
    logging.getLogger("uvicorn.access").disabled = True
